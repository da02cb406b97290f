"""What a chat message asks for: an intent and the constraints it states.

Entry points: `router.build_router` (rules first, then a small head over `intent_examples.yaml`),
`rules.route` (rules only), `parse.read_constraints` and `parse.CatalogWords` (budget, colour, size,
brand, kind words of a catalog). `parse` holds the parsed types; `rules` and `router` build on it.
"""
