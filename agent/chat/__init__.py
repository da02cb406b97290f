"""Answering one chat turn over the agent.

Entry point: `agent.ChatAgent` (`opening`, `respond`). `refine` changes the state for cheaper / more like
/ in blue / others; `explain` answers "why #2", "why not the cheaper one", compare, about me and help;
`answers` writes the short data-only replies; `state` is the conversation as data.
"""
