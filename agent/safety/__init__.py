"""Screening what comes in and what goes out.

Entry points: `guard.screen` (a chat message before the agent sees it: empty, too long, markup, attacks)
and `output.check_reply` (every reply before it is shown: secrets, other shoppers, unbacked offers).
Untrusted catalog and model text is cleaned by `agent.untrusted`, which everything below may use.
"""
