"""Reasons: render the prompt, generate in a batch, check grounding, retry once, else fall back."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.config import ReasonConfig
from agent.grounding.check import Claim, GroundingChecker
from agent.grounding.matches import MatchedFact, matched_facts
from agent.reasons.cache import ReasonCache, reason_key
from agent.reasons.evidence import Titles, evidence_lines
from agent.reasons.fallback import Asked, grounded_fallback
from agent.untrusted import neutralise
from finetune.runtime.generator import Generator
from prompts.render import PromptFile, Rendered, render
from retrieval.items import Item
from retrieval.retriever import Candidate, Evidence
from retrieval.shoppers import Shopper

log = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Reason:
    """A reason ready to show: always grounded; `source` says whether the model or the fallback wrote it."""

    item_id: str
    text: str
    source: str
    claims: tuple[Claim, ...]
    matches: tuple[MatchedFact, ...]
    rejected: tuple[str, ...] = ()


@dataclass
class ReasonStats:
    """Counts over the writer's lifetime: how often the grounding check said no."""

    generated: int = 0
    rejected: int = 0
    fallbacks: int = 0
    rejected_claims: dict[str, int] = field(default_factory=dict)

    def count_rejection(self, failures: Sequence[Claim]) -> None:
        """Record one rejected text and the kinds of claim that sank it."""
        self.rejected += 1
        for claim in failures:
            self.rejected_claims[claim.kind] = self.rejected_claims.get(claim.kind, 0) + 1


def format_number(value: float) -> str:
    """A price or rating as a person writes it: no trailing .0, two decimals otherwise."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def prompt_facts(item: Item) -> dict[str, str]:
    """The item's attributes as the prompt lists them (description cut short)."""
    facts: dict[str, str] = {}
    for key, value in item.facts().items():
        if key == "title":
            continue
        if isinstance(value, float):
            facts[key] = format_number(value) + ("% off" if key == "discount_pct" else "")
        elif isinstance(value, tuple):
            facts[key] = ", ".join(value)
        else:
            facts[key] = str(value)
    description = neutralise(item.description)  # catalog text is data, never an instruction
    if description:
        facts["description"] = description[:240]
    return facts


def shopper_facts(shopper: Shopper, context: Sequence[Item] = ()) -> dict[str, Any]:
    """What the prompt may say about the shopper: profile, wants, purchases."""
    p = shopper.preferences
    wants = [f"budget up to {format_number(p.budget_max)}"] if p.budget_max else []
    wants += [f"colour {c}" for c in p.colours] + [f"brand {b}" for b in p.brands]
    wants += [f"size {s}" for s in p.sizes] + [f"for {p.gender}"] * bool(p.gender)
    wants += [f"category {c}" for c in p.categories]
    return {
        "profile": shopper.profile[:600],
        "preferences": wants,
        "purchases": [x.title[:80] for x in shopper.purchases[:4]] + [i.title[:80] for i in context[:4]],
    }


def reason_variables(
    shopper: Shopper,
    item: Item,
    audience: str,
    context: Sequence[Item] = (),
    evidence: Sequence[Evidence] = (),
    titles: Titles | None = None,
) -> dict[str, Any]:
    """The variables of the reason prompt for one shopper and item, with its retrieval evidence."""
    matches = [
        f"{m.shopper_fact} -> {m.item_attribute}: {m.value}" for m in matched_facts(item, shopper, context)
    ]
    return {
        "audience": audience,
        "shopper": shopper_facts(shopper, context),
        "item": {"title": neutralise(item.title) or item.item_id, "facts": prompt_facts(item)},
        "matches": matches,
        "signals": evidence_lines(evidence, titles or _no_titles, audience),
    }


def _no_titles(item_id: str) -> str | None:
    return None


_FILLER = frozenset("recommended because product item this that with your their them they".split())


def mentions_item(text: str, item: Item) -> bool:
    """True when the text names something of the item: a word of its title or attributes."""
    said = set(re.findall(r"[a-z]{3,}", text.lower())) - _FILLER
    own = " ".join(str(v) for v in (item.title, item.brand, item.category, item.colour, item.material))
    return bool(said & set(re.findall(r"[a-z]{3,}", own.lower())))


def tidy(text: str, max_sentences: int) -> str:
    """Whole sentences only, at most `max_sentences`; an unfinished last sentence is dropped."""
    text = " ".join(text.split())
    sentences = [s for s in _SENTENCE_END.split(text) if s]
    if sentences and not sentences[-1].endswith((".", "!", "?")):
        sentences = sentences[:-1]
    return " ".join(sentences[:max_sentences])


@dataclass
class ReasonWriter:
    """Writes one grounded reason per candidate with the LM, the checker and the fallback."""

    generator: Generator
    checker: GroundingChecker
    prompt: PromptFile
    config: ReasonConfig = field(default_factory=ReasonConfig)
    stats: ReasonStats = field(default_factory=ReasonStats)
    catalog: Mapping[str, Item] = field(default_factory=dict)
    # The prompt studio's active version, read on every use so that activating one needs no restart.
    prompt_source: Callable[[], PromptFile] | None = None
    # Checked reasons by their rendered prompt: a reason already written is not generated again.
    cache: ReasonCache | None = None

    def current_prompt(self) -> PromptFile:
        """The prompt in force now: the active studio version when there is a source, else the loaded one."""
        return self.prompt_source() if self.prompt_source is not None else self.prompt

    def write(
        self,
        shopper: Shopper,
        candidates: Sequence[Candidate],
        audience: str | None = None,
        asked: Asked | None = None,
    ) -> list[Reason]:
        """A grounded reason per candidate, in order; `asked` is what the shopper asked for in the chat."""
        who = audience or self.config.audience
        asked = asked or Asked()
        prompts = [self.render_for(shopper, c.item, who, c.evidence) for c in candidates]
        cache = self.cache
        if cache is None:
            return self._write_fresh(shopper, candidates, prompts, who, asked)
        current = self.current_prompt()
        version = f"{current.name}@{current.version}"
        keys = [reason_key(p, version, self.generator.name, asked) for p in prompts]
        reasons: list[Reason | None] = [cache.get(k) for k in keys]
        fresh = [i for i, r in enumerate(reasons) if r is None]
        written = self._write_fresh(
            shopper, [candidates[i] for i in fresh], [prompts[i] for i in fresh], who, asked
        )
        for i, reason in zip(fresh, written, strict=True):
            reasons[i] = reason
            cache.put(keys[i], shopper.shopper_id, reason)
        return [r for r in reasons if r is not None]

    def _write_fresh(
        self,
        shopper: Shopper,
        candidates: Sequence[Candidate],
        prompts: Sequence[Rendered],
        who: str,
        asked: Asked,
    ) -> list[Reason]:
        """Generate, check, retry and fall back: a grounded reason per candidate, in order."""
        if not candidates:
            return []
        items = [c.item for c in candidates]
        texts = self.generator.generate(prompts)
        reasons: list[Reason | None] = [None] * len(items)
        rejected: list[list[str]] = [[] for _ in items]
        todo = list(range(len(items)))
        evidence = [c.evidence for c in candidates]
        for attempt in range(self.config.retries + 1):
            todo = self._accept(shopper, items, texts, todo, reasons, rejected, attempt, evidence, asked, who)
            if not todo or attempt == self.config.retries:
                break
            again = self.generator.generate(
                [prompts[i] for i in todo], temperature=self.config.retry_temperature
            )
            texts = list(texts)
            for i, text in zip(todo, again, strict=True):
                texts[i] = text
        for i in todo:
            reasons[i] = self._fallback(shopper, candidates[i], who, tuple(rejected[i]), asked)
        return [r for r in reasons if r is not None]

    def _accept(
        self,
        shopper: Shopper,
        items: Sequence[Item],
        texts: Sequence[str],
        todo: list[int],
        reasons: list[Reason | None],
        rejected: list[list[str]],
        attempt: int,
        evidence: Sequence[Sequence[Evidence]],
        asked: Asked,
        audience: str,
    ) -> list[int]:
        left = []
        for i in todo:
            source = "model" if attempt == 0 else "model-retry"
            reason = self.check(shopper, items[i], texts[i], source, evidence[i], asked.said, audience)
            if reason is None:
                rejected[i].append(texts[i])
                left.append(i)
            else:
                reasons[i] = reason
        return left

    def check(
        self,
        shopper: Shopper,
        item: Item,
        raw: str,
        source: str,
        evidence: Sequence[Evidence] = (),
        said: str = "",
        audience: str | None = None,
    ) -> Reason | None:
        """The reason for a generated text, or None when it is empty, banned or not grounded."""
        self.stats.generated += 1
        text = tidy(raw, self.config.max_sentences)
        context = self.context(shopper)
        voice = audience or self.config.audience
        result = self.checker.check(text, item, shopper, context, evidence, said, voice)
        banned = [p for p in self.current_prompt().banned_phrases if p.lower() in text.lower()]
        if result.ok and not banned and mentions_item(text, item):
            return Reason(item.item_id, text, source, result.claims, matched_facts(item, shopper, context))
        self.stats.count_rejection(result.failures)
        log.info("rejected reason for %s: %r (failures: %s)", item.item_id, text, result.failures)
        return None

    def _fallback(
        self, shopper: Shopper, candidate: Candidate, audience: str, rejected: tuple[str, ...], asked: Asked
    ) -> Reason:
        self.stats.fallbacks += 1
        context = self.context(shopper)
        item, evidence = candidate.item, candidate.evidence
        text = grounded_fallback(item, shopper, audience, context, evidence, asked, self._title)
        result = self.checker.check(text, item, shopper, context, evidence, asked.said, audience)
        matches = matched_facts(item, shopper, context)
        return Reason(item.item_id, text, "fallback", result.claims, matches, rejected)

    def render_for(
        self, shopper: Shopper, item: Item, audience: str | None = None, evidence: Sequence[Evidence] = ()
    ) -> Rendered:
        """The rendered reason prompt for one item and its evidence (also for the prompt studio)."""
        who = audience or self.config.audience
        variables = reason_variables(shopper, item, who, self.context(shopper), evidence, self._title)
        return render(self.current_prompt(), variables)

    def _title(self, item_id: str) -> str | None:
        found = self.catalog.get(item_id)
        return found.title if found is not None else None

    def context(self, shopper: Shopper) -> list[Item]:
        """The catalog items the shopper bought: reasons may mention them."""
        return [self.catalog[i] for i in shopper.history if i in self.catalog]
