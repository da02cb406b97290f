"""Reading a reason: the text becomes claims and cues to judge; nothing here looks at the data.

`claims` splits a text into atomic claims (clauses) and finds each one's cues with the word lists of
`claim_words`; `patterns` are how a reason writes prices, discounts, ratings, sizes, purchases, title
mentions and numbers; `scan` is the text being read, with spans already read (and names) masked;
`reference_words` are the word lists for "your X", "you <verb>" and "its X"; `shapes` flags the
shapes of text no data can back (garbled templates, "its profile", a text that speaks to the shopper
and about them at once).
"""
