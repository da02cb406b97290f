"""The merchandisers' prompt studio.

Entry points: `versions.open_prompt_versions` (save a checked draft, activate, roll back, audit log) and
`preview.preview_prompt` (a draft against the active prompt on shoppers x items, with metrics).
"""
