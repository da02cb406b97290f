"""The truth check: every fact a reason states must come from the item, the shopper's data or the
retrieval evidence. The free-text path (reasons.mode = "free", and the grounded templates) runs it
whole; the plan path uses only `matched_facts`, `money`, `textnorm` and `vocab` (docs/architecture.md).

Entry points: `GroundingChecker` (`check(text, item, shopper, ...) -> GroundingResult`),
`matched_facts` (true links between shopper and item: a reason's evidence), `money` (a price as a
reason writes it), `Vocabulary` (a shop's own words).

Layout: `reading/` turns a text into claims (the splitter, the patterns and word lists, the shapes no
data can back); `judges/` decides each kind of fact in one module (`purchase`, `price`, `attributes`,
`numbers`, `experience`, `evidence`, `shopper`, `mentions`); `data` is what a claim may rest on,
`verdicts` judges each clause, `check` runs them in order; `types`, `textnorm` and `vocab` are shared.
"""

from agent.grounding.check import GroundingChecker
from agent.grounding.matches import matched_facts, money
from agent.grounding.types import Claim, ClaimVerdict, GroundingResult, MatchedFact
from agent.grounding.vocab import Vocabulary

__all__ = [
    "Claim",
    "ClaimVerdict",
    "GroundingChecker",
    "GroundingResult",
    "MatchedFact",
    "Vocabulary",
    "matched_facts",
    "money",
]
