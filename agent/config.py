"""The agent's validated config: retriever, generator, reasons and chat, with checked-in defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from finetune.runtime.generator import GeneratorConfig
from retrieval.collab import CollabConfig
from retrieval.index_types import IndexSettings
from retrieval.retriever import RetrieverConfig
from whythis.config import load_config

SERVING_BACKEND: Literal["ctranslate2"] = "ctranslate2"
# The shop's model writes plans (reasons.mode "plan"); the XRec study keeps the shipped "default" adapter.
REALIZER_ADAPTER = "plans-smollm2"
READER_ADAPTER = "reader-smollm2"


class ReasonConfig(BaseModel):
    """How reasons are written and checked."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = "reason"
    audience: Literal["shopper", "support"] = "shopper"
    mode: Literal["plan", "free"] = Field(
        default="plan",
        description="plan: code plans the facts and the model writes them with slots (agent/plans); "
        "free: the model writes free text from the reason prompt, read by the grounding check",
    )
    realizer_prompt: str = Field(default="realize", description="the prompt file of plan mode")
    # Steering: these keys fill the realizer prompt's `steering` block when it is loaded from its file, so
    # they steer a shop without a database and the first version a store keeps; once a store holds
    # versions, the version active in the prompt studio (or a trial's) wins, and these apply only to a
    # stored version without a steering block.
    tone: Literal["brief", "warm", "expert"] = Field(
        default="warm",
        description="the realizer's tone; a steering block of the studio's active realize version wins",
    )
    lead_kinds: list[str] = Field(
        default_factory=list,
        description="fact kinds that lead a plan, in order; the studio's active realize version wins",
    )
    avoid_words: list[str] = Field(
        default_factory=list,
        description="words the realizer must not write; the studio's active realize version wins",
    )
    # A second, sampled try for a rejected answer passed 1-3% of cards and doubled a shopper's wait for
    # the rest (BENCHMARKS.md), so the shop shows the grounded template at once; raise it where it pays.
    retries: int = Field(default=0, ge=0, le=3)
    retry_temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    # Plan mode: two draws per card, the one least like the cards before shown, took distinct-2 over a
    # shopper's five reasons from 0.54 to 0.68 (slot values masked) for about 0.2 s more; three reached
    # 0.71 for twice the wait (BENCHMARKS.md). Free mode gains nothing from more draws: set 1 there.
    candidates: int = Field(
        default=2,
        ge=1,
        le=8,
        description="answers drawn per card in one batch; the most personal, specific passing one is shown "
        "(agent/reasons/choose.py); 1: the greedy answer alone",
    )
    candidate_temperature: float = Field(default=0.7, gt=0.0, le=2.0)
    max_sentences: int = Field(default=2, ge=1, le=5)
    cache_entries: int = Field(default=2048, ge=0, description="checked reasons kept per process; 0: none")


class ChatConfig(BaseModel):
    """Chat-loop limits."""

    model_config = ConfigDict(extra="forbid")

    k: int = Field(default=5, ge=1, le=20)
    max_message_chars: int = Field(default=1000, ge=10)
    help_url: str = Field(
        default="", description="the shop's help page, named when a shop question has no answer"
    )
    shop_answers: dict[Literal["delivery", "returns", "payment", "orders", "stock"], str] = Field(
        default_factory=dict, description="the shop's own answers to shop questions, by topic"
    )


class ReaderConfig(BaseModel):
    """How a shopper's turn is read: by the model (the reader adapter on the generator's engine) or by the
    rules and the example head alone."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["model", "rules"] = Field(
        default="model", description="model: the reader adapter reads each turn in context; rules: rules only"
    )
    adapter: str = Field(default=READER_ADAPTER, description="the reader's adapter: a shipped name or a path")
    served_model: str = Field(
        default="", description="openai backend: the reader's LoRA module name on the server"
    )
    max_new_tokens: int = Field(default=32, ge=4, le=64)


class CollabSettings(BaseModel):
    """Where the shop's interactions are (a user_id,item_id CSV) and how collaborative signals learn."""

    model_config = ConfigDict(extra="forbid")

    interactions: str = Field(
        default="", description="path of the interactions CSV; empty: content and keyword signals only"
    )
    model: CollabConfig = Field(default_factory=CollabConfig)


class AgentConfig(BaseModel):
    """Everything the agent needs besides the catalog and the shopper."""

    model_config = ConfigDict(extra="forbid")

    retriever: RetrieverConfig = Field(default_factory=RetrieverConfig)
    index: IndexSettings = Field(default_factory=IndexSettings)
    # The shop serves from the CTranslate2 engine; transformers stays the training backend and the reference.
    generator: GeneratorConfig = Field(
        default_factory=lambda: GeneratorConfig(
            backend=SERVING_BACKEND, reuse_prefix=True, adapter=REALIZER_ADAPTER
        )
    )
    reasons: ReasonConfig = Field(default_factory=ReasonConfig)
    chat: ChatConfig = Field(default_factory=ChatConfig)
    reader: ReaderConfig = Field(default_factory=ReaderConfig)
    collab: CollabSettings = Field(default_factory=CollabSettings)


def load_agent_config(path: Path | None = None, overrides: list[str] | None = None) -> AgentConfig:
    """The agent config from a TOML file (or the defaults) plus `--set` overrides."""
    return load_config(AgentConfig, path, overrides)
