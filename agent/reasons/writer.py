"""Reasons: render the prompt, draw candidates in a batch, check grounding, choose the best passing one
(choose.py), else fall back to the grounded template."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from agent.config import ReasonConfig
from agent.grounding.check import Claim, GroundingChecker
from agent.grounding.matches import matched_facts
from agent.grounding.types import MatchedFact
from agent.plans.planner import Plan
from agent.reasons.cache import ReasonCache, reason_key
from agent.reasons.choose import Drawn, choose, voice_of
from agent.reasons.coherence import incoherent
from agent.reasons.fallback import Asked, grounded_fallback
from agent.reasons.realized import Steering, composed, plan_prompt, plan_turn, realize, steering_of
from agent.reasons.texts import mentions_item, quoted_names, tidy
from agent.reasons.variables import reason_variables
from finetune.runtime.generator import Generator, drawn_as_done
from prompts.render import PromptFile, Rendered, render
from retrieval.items import Item
from retrieval.retriever import Candidate, Evidence
from retrieval.shoppers import Shopper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reason:
    """A reason ready to show: always grounded; `source` says whether the model or the fallback wrote it."""

    item_id: str
    text: str
    source: str
    claims: tuple[Claim, ...]
    matches: tuple[MatchedFact, ...]
    rejected: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()  # the model's other passing candidates, not chosen
    plan: Plan | None = None  # the facts the text was planned from (plan mode)
    delexicalised: str = ""  # the model's text with its slots, before code filled them
    # The prompt version that wrote it, so feedback counts for that version (a trial's, say); empty in
    # reasons stored before this was kept.
    prompt_name: str = ""
    prompt_version: int = 0


@dataclass
class ReasonStats:
    """Counts over the writer's lifetime: how often the grounding check said no."""

    generated: int = 0
    rejected: int = 0
    fallbacks: int = 0
    rejected_claims: dict[str, int] = field(default_factory=dict)

    def count_rejection(self, failures: Sequence[Claim], garbled: str | None = None) -> None:
        """Record one rejected text and the kinds of claim (or the incoherence) that sank it."""
        self.rejected += 1
        if garbled:
            self.rejected_claims["incoherent"] = self.rejected_claims.get("incoherent", 0) + 1
        for claim in failures:
            self.rejected_claims[claim.kind] = self.rejected_claims.get(claim.kind, 0) + 1


@dataclass(frozen=True)
class _Turn:
    """The reasons one call still has to generate: for whom, which candidates, their prompts."""

    shopper: Shopper
    candidates: Sequence[Candidate]
    prompts: Sequence[Rendered]
    who: str
    asked: Asked
    plans: Sequence[Plan | None] = ()  # plan mode: each card's plan, in the order of `candidates`


def _never() -> bool:
    return False


_NO_PROMPT = Rendered((), "")  # a card with no plan: it gets the template and is never generated


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
    # Plan mode: the realizer's prompt (agent/reasons/realized.py); None writes free text.
    realizer: PromptFile | None = None
    # The steering of the realizer above (the config's; a draft's or a trial's block in a copy).
    steering: Steering = field(default_factory=Steering)
    # The studio's active realizer version, read once per call: its steering block wins over `steering`,
    # which stays for a version stored without one.
    realizer_source: Callable[[], PromptFile] | None = None

    def prompt_of(self, reason: Reason) -> PromptFile:
        """The prompt a reason would be written with now: the realizer's for a planned one."""
        realizer = self.current_realizer()
        return realizer if reason.plan is not None and realizer is not None else self.current_prompt()

    def current_prompt(self) -> PromptFile:
        """The prompt in force now: the active studio version when there is a source, else the loaded one."""
        return self.prompt_source() if self.prompt_source is not None else self.prompt

    def current_realizer(self) -> PromptFile | None:
        """The realizer's prompt in force now (None in free mode): the studio's active version or the file."""
        if self.realizer is None or self.realizer_source is None:
            return self.realizer
        return self.realizer_source()

    def using(self, prompts: Mapping[str, PromptFile]) -> ReasonWriter:
        """A writer for one turn with fixed versions of its prompts, by name (a prompt trial's): built
        whole, sharing this one's generator, cache and counts; a prompt not named still follows the studio."""
        reason = prompts.get(self.prompt.name)
        realizer = prompts.get(self.realizer.name) if self.realizer is not None else None
        fixed = self if reason is None else replace(self, prompt=reason, prompt_source=None)
        return fixed if realizer is None else fixed.realizing_with(realizer)

    def realizing_with(self, realizer: PromptFile) -> ReasonWriter:
        """A copy whose realizer is `realizer`, fixed, and steered by its steering block (a draft's or a
        trial's; the writer's own steering when it has none)."""
        steering = steering_of(realizer, self.steering)
        return replace(self, realizer=realizer, realizer_source=None, steering=steering)

    def write(
        self,
        shopper: Shopper,
        candidates: Sequence[Candidate],
        audience: str | None = None,
        asked: Asked | None = None,
    ) -> list[Reason]:
        """A grounded reason per candidate, in order; `asked` is what the shopper asked for in the chat."""
        done = dict(self.stream(shopper, candidates, audience, asked))
        return [done[i] for i in range(len(candidates))]

    def stream(
        self,
        shopper: Shopper,
        candidates: Sequence[Candidate],
        audience: str | None = None,
        asked: Asked | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Iterator[tuple[int, Reason]]:
        """(index, grounded reason) for every candidate as each is ready: cached ones first, then each
        first answer that passes the check as it finishes, then the retries; an answer rejected on its
        last try gets the fallback at once. Once `cancelled()` is true nothing more is generated and the
        rest get the fallback."""
        who = audience or self.config.audience
        asked = asked or Asked()
        realizer = self.current_realizer() if who == "shopper" else None  # one version for the whole call
        plans = self._plans(shopper, candidates, asked, realizer)
        if realizer is not None and plans:
            prompts = [plan_prompt(realizer, p) if p else _NO_PROMPT for p in plans]
        else:
            prompts = [self.render_for(shopper, c.item, who, c.evidence) for c in candidates]
        keys = self._cache_keys(prompts, asked, plans, candidates, realizer)
        fresh = []
        for i, key in enumerate(keys):
            cached = self.cache.get(key) if self.cache is not None and key else None
            if plans and plans[i] is None:
                yield i, self.fallback(shopper, candidates[i], asked, who)
            elif cached is None:
                fresh.append(i)
            else:
                yield i, cached
        turn = _Turn(
            shopper, [candidates[i] for i in fresh], [prompts[i] for i in fresh], who, asked,
            [plans[i] for i in fresh] if plans else (),
        )  # fmt: skip
        for j, written, keep in self._fresh(turn, cancelled or _never):
            reason = self._stamped(written, realizer)
            if keep and self.cache is not None and keys[fresh[j]]:
                self.cache.put(keys[fresh[j]], shopper.shopper_id, reason)
            yield fresh[j], reason

    def _plans(
        self, shopper: Shopper, candidates: Sequence[Candidate], asked: Asked, realizer: PromptFile | None
    ) -> list[Plan | None]:
        # The realizer speaks to the shopper (None for the support voice, which keeps the free-text prompt).
        if realizer is None:
            return []
        steering = self._steering(realizer)
        return plan_turn(shopper, candidates, self.context(shopper), asked, self.title, steering)

    def _steering(self, realizer: PromptFile) -> Steering:
        # A followed studio version brings its steering; a fixed realizer runs with the writer's own.
        return steering_of(realizer, self.steering) if self.realizer_source else self.steering

    def _stamped(self, reason: Reason, realizer: PromptFile | None) -> Reason:
        # A planned reason was written with the realizer's prompt, any other with the reason prompt.
        prompt = realizer if reason.plan is not None and realizer is not None else self.current_prompt()
        return replace(reason, prompt_name=prompt.name, prompt_version=prompt.version)

    def _cache_keys(
        self,
        prompts: Sequence[Rendered],
        asked: Asked,
        plans: Sequence[Plan | None],
        candidates: Sequence[Candidate],
        realizer: PromptFile | None,
    ) -> list[str]:
        if self.cache is None:
            return [""] * len(prompts)
        current = realizer if plans and realizer else self.current_prompt()
        version = f"{current.name}@{current.version}"
        keys = [reason_key(p, version, self.generator.name, asked) for p in prompts]
        if not plans:
            return keys
        # One plan line serves many shoppers: the key holds the item and the values the slots get.
        return [
            f"{k}:{c.item.item_id}:{sorted(p.slots().items())}" if p else ""
            for k, p, c in zip(keys, plans, candidates, strict=True)
        ]

    def _fresh(self, turn: _Turn, cancelled: Callable[[], bool]) -> Iterator[tuple[int, Reason, bool]]:
        """Draw, check, choose, retry and fall back: (index, reason, worth caching) as each is decided."""
        rejected: list[list[str]] = [[] for _ in turn.candidates]
        todo, shown = list(range(len(turn.candidates))), list[str]()
        for attempt in range(self.config.retries + 1):
            if not todo or cancelled():
                break
            draws, temperature = self._drawing(attempt)
            left = set(todo)
            for j, texts in drawn_as_done(
                self.generator,
                [turn.prompts[i] for i in todo],
                draws,
                temperature=temperature,
                cancelled=lambda _: cancelled(),
            ):
                i = todo[j]
                source = "model" if attempt == 0 else "model-retry"
                reason = self._best(turn, i, texts, source, shown, rejected[i])
                if reason is None and attempt == self.config.retries:  # no try left: the template now
                    reason = self._fallback(turn, i, tuple(rejected[i]))
                if reason is not None:
                    left.discard(i)
                    shown.append(reason.text)
                    yield i, reason, True
            todo = [i for i in todo if i in left]
        stopped = cancelled()
        for i in todo:
            yield i, self._fallback(turn, i, tuple(rejected[i])), not stopped

    def _fallback(self, turn: _Turn, i: int, rejected: tuple[str, ...]) -> Reason:
        """A card's template: its plan in the phrasing bank's own words when it has one (true by the
        same check), else the grounded template."""
        plan, candidate = (turn.plans[i] if turn.plans else None), turn.candidates[i]
        if plan is not None:
            context = self.context(turn.shopper)
            names = quoted_names(candidate.item, turn.shopper, context)
            done = realize(composed(plan), plan, names, self.config.max_sentences)
            if done.text is not None:
                self.stats.fallbacks += 1
                matches = matched_facts(candidate.item, turn.shopper, context)
                return Reason(candidate.item.item_id, done.text, "fallback", (), matches, rejected, (), plan)
        return self.fallback(turn.shopper, candidate, turn.asked, turn.who, rejected)

    def _drawing(self, attempt: int) -> tuple[int, float]:
        """(answers per card, temperature) of a try: first the drawn candidates (greedy when one), then
        one sampled answer per retry."""
        if attempt > 0:
            return 1, self.config.retry_temperature
        draws = self.config.candidates
        return draws, (0.0 if draws == 1 else self.config.candidate_temperature)

    def _best(
        self,
        turn: _Turn,
        i: int,
        texts: Sequence[str],
        source: str,
        shown: Sequence[str],
        rejected: list[str],
    ) -> Reason | None:
        """The chosen passing text of a card's drawn ones (choose.py), or None; failures go to `rejected`."""
        candidate = turn.candidates[i]
        item, stock = candidate.item, self.current_prompt().stock_phrases
        passing: list[tuple[Drawn, Reason]] = []
        plan = turn.plans[i] if turn.plans else None
        for draw, text in enumerate(texts):
            if plan is not None:
                reason = self.check_planned(turn.shopper, item, plan, text, source)
            else:
                reason = self.check(
                    turn.shopper, item, text, source, candidate.evidence, turn.asked.said, turn.who
                )
            if reason is None:
                rejected.append(text)
            elif all(reason.text != d.text for d, _ in passing):
                voice = voice_of(reason.text, item, reason.claims, reason.matches, stock)
                passing.append((Drawn(reason.text, voice, draw), reason))
        if not passing:
            return None
        best = choose([d for d, _ in passing], shown)
        chosen = next(r for d, r in passing if d is best)
        others = tuple(d.text for d, _ in passing if d is not best)
        return replace(chosen, rejected=tuple(rejected), alternatives=others)

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
        prompt = self.current_prompt()
        banned = [p for p in prompt.banned_phrases if p.lower() in text.lower()]
        garbled = incoherent(text, voice, prompt.response_prefix, quoted_names(item, shopper, context))
        if result.ok and not banned and not garbled and mentions_item(text, item):
            return Reason(item.item_id, text, source, result.claims, matched_facts(item, shopper, context))
        self.stats.count_rejection(result.failures, garbled)
        log.info("rejected reason for %s: %r (%s)", item.item_id, text, garbled or result.failures)
        return None

    def check_planned(self, shopper: Shopper, item: Item, plan: Plan, raw: str, source: str) -> Reason | None:
        """The reason for a realized plan, or None when the plan check or the coherence gate says no."""
        self.stats.generated += 1
        context = self.context(shopper)
        done = realize(raw, plan, quoted_names(item, shopper, context), self.config.max_sentences)
        if done.text is None:
            self.stats.count_rejection((), "; ".join(done.problems))
            log.info("rejected realization for %s: %r (%s)", item.item_id, raw, done.problems)
            return None
        matches = matched_facts(item, shopper, context)
        return Reason(
            item.item_id, done.text, source, (), matches, plan=plan, delexicalised=done.delexicalised
        )

    def realize_plans(self, shopper: Shopper, planned: Sequence[tuple[Item, Plan]]) -> list[Reason | None]:
        """Plans realized by the model in one batch (one greedy answer each), in the steering's tone and
        words, and checked like a card's reason: for follow-up answers. None where the check says no, or
        where no realizer is set."""
        realizer = self.current_realizer()
        if realizer is None or not planned:
            return [None] * len(planned)
        steering = self._steering(realizer)
        planned = [(item, replace(plan, tone=steering.tone, avoid=steering.avoid)) for item, plan in planned]
        try:
            texts = self.generator.generate([plan_prompt(realizer, plan) for _, plan in planned])
        except Exception:  # an engine that fails leaves the data-only answer, never a failed turn
            log.exception("realizing %d follow-up plans failed", len(planned))
            return [None] * len(planned)
        return [
            self.check_planned(shopper, item, plan, text, "model")
            for (item, plan), text in zip(planned, texts, strict=True)
        ]

    def fallback(
        self,
        shopper: Shopper,
        candidate: Candidate,
        asked: Asked | None = None,
        audience: str | None = None,
        rejected: tuple[str, ...] = (),
    ) -> Reason:
        """The grounded template reason for a candidate (`rejected`: the model's texts it replaces)."""
        self.stats.fallbacks += 1
        asked = asked or Asked()
        audience = audience or self.config.audience
        context = self.context(shopper)
        item, evidence = candidate.item, candidate.evidence
        text = grounded_fallback(item, shopper, audience, context, evidence, asked, self.title)
        result = self.checker.check(text, item, shopper, context, evidence, asked.said, audience)
        matches = matched_facts(item, shopper, context)
        return self._stamped(Reason(item.item_id, text, "fallback", result.claims, matches, rejected), None)

    def render_for(
        self, shopper: Shopper, item: Item, audience: str | None = None, evidence: Sequence[Evidence] = ()
    ) -> Rendered:
        """The rendered reason prompt for one item and its evidence (also for the prompt studio)."""
        who = audience or self.config.audience
        variables = reason_variables(shopper, item, who, self.context(shopper), evidence, self.title)
        return render(self.current_prompt(), variables)

    def title(self, item_id: str) -> str | None:
        """The catalog title of an item id, or None."""
        found = self.catalog.get(item_id)
        return found.title if found is not None else None

    def context(self, shopper: Shopper) -> list[Item]:
        """The catalog items the shopper bought: reasons may mention them."""
        return [self.catalog[i] for i in shopper.history if i in self.catalog]
