"""The judges: one module per kind of fact, each the one place that kind is decided.

| kind of fact | module |
| --- | --- |
| a purchase: "you bought X", "you bought this", links through a purchase, purchase matches | `purchase` |
| a price, discount, budget or coupon | `price` |
| brand, colour, material, gender, size, title words, features, maker | `attributes` |
| a rating or a plain number | `numbers` |
| experience, quality, popularity, suitability, likings, promises | `experience` |
| retrieval evidence: "shoppers like you", "based on your history", "matches what you asked" | `evidence` |
| "your X", "you <verb>": the shopper's profile, budget, size, what they said | `shopper` |
| what a named text says: "its description mentions X", "as your profile does", quotes | `mentions` |
"""
