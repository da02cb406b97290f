"""Plans: code chooses what a reason says, the realizer model only words it.

Entry points: `build.card_facts` (the typed facts of one card, `facts.KINDS` declares every kind),
`planner.plan_cards` (one to three facts per card, the personal link first, variety across the list),
`slots.fill` (values into the model's slots), `check.check_realized` (the text says the plan and
nothing else), `targets.plan_rows` (the realizer's training rows from the phrasing bank, `bank.py`).
Data kept by hand: `phrasings.yaml` (the bank), `vocabulary.yaml` (connective words), `goes_with.yaml`
(kinds used together).
"""
