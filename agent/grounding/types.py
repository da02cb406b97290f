"""What the grounding check returns: each stated fact or cue (a claim), each clause with the claims
inside it (a verdict), the result; and a matched fact, a true link between shopper and item."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Claim:
    """One fact a reason states, whether the data supports it, and which attribute does."""

    kind: str
    text: str
    supported: bool
    source: str | None
    span: tuple[int, int] = field(default=(-1, -1), compare=False)


@dataclass(frozen=True)
class ClaimVerdict:
    """One atomic claim (a clause) of a text and the facts and cues inside it."""

    text: str
    kind: str
    span: tuple[int, int]
    claims: tuple[Claim, ...]

    @property
    def supported(self) -> bool:
        """True when everything the clause states is backed."""
        return all(c.supported for c in self.claims)

    @property
    def counted(self) -> bool:
        """False for filler ("Recommended because", "a great pick"): it states nothing to check."""
        return self.kind != "filler"

    @property
    def why(self) -> str:
        """The unsupported parts of the clause, for reports."""
        return "; ".join(f"{c.kind}: {c.text!r}" for c in self.claims if not c.supported)


@dataclass(frozen=True)
class GroundingResult:
    """Every claim found in one reason, and the atomic claims (clauses) they sit in."""

    claims: tuple[Claim, ...]
    verdicts: tuple[ClaimVerdict, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every claim is supported."""
        return all(c.supported for c in self.claims) and all(v.supported for v in self.verdicts)

    @property
    def failures(self) -> tuple[Claim, ...]:
        """The unsupported claims."""
        return tuple(c for c in self.claims if not c.supported)

    def describe(self) -> str:
        """The unsupported claims as one short line, for logs and regeneration hints."""
        return "; ".join(f"{c.kind}: {c.text!r}" for c in self.failures)

    @property
    def counted(self) -> tuple[ClaimVerdict, ...]:
        """The atomic claims that state something (everything but filler)."""
        return tuple(v for v in self.verdicts if v.counted)

    @property
    def precision(self) -> float:
        """Supported atomic claims over all counted ones (1.0 when the text states nothing)."""
        counted = self.counted
        return sum(v.supported for v in counted) / len(counted) if counted else 1.0


def reference(text: str, span: tuple[int, int], source: str | None) -> Claim:
    """A reference to the shopper or the item ("your profile", "its title mentions X"): supported
    when it resolves to `source`."""
    return Claim("reference", text, source is not None, source, span)


@dataclass(frozen=True)
class MatchedFact:
    """One fact about the shopper that meets one attribute of the item: the evidence of a reason."""

    shopper_fact: str
    item_attribute: str
    value: str
