"""The shop's explanation agent, by concept.

Entry points: `agent.compose.build_runtime` (the composition root: generator -> batching -> reason writer
-> agent -> chat -> sessions), `agent.recommender.Agent` (candidates plus grounded reasons) and
`agent.cli` (the `recommend`, `chat`, `index` and `feedback` commands). Subpackages: `grounding` (the
truth check), `intents` (what a message asks), `reasons` (writing a reason), `chat` (answering a turn),
`sessions` (conversations kept and stored), `safety` (screening input and output), `studio` (prompt
versions and previews).
"""
