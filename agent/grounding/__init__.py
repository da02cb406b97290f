"""The truth check: every fact a reason states must come from the item, the shopper's data or the evidence.

Entry point: `check.GroundingChecker` (`check(text, item, shopper, ...) -> GroundingResult`). Inside:
`claims` splits a text into atomic claims, `claim_check` judges each, `facts` judges numbers, prices and
sizes, `references` reads what a text says about the shopper and the item, `data` is what a claim may
rest on, `matches` finds true links between shopper and item, `textnorm`/`vocab` are the word forms.
"""
