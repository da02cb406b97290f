"""The training config of a LoRA adapter: one pydantic model, defaults mirrored in configs/finetune."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finetune.runtime.base import EMBEDDED_SMOLLM2
from whythis.config import load_config

Domain = Literal["amazon", "google", "yelp"]
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "finetune" / "default.toml"


class DataSource(BaseModel):
    """One training source: an XRec domain, a JSONL file of prompt rows, or a registered shop source."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        default="xrec",
        description="'xrec', 'rows' (a JSONL of prompt rows at `path`), or a name registered under the "
        "'whythis.training_sources' entry points (e.g. amazon2023, giftcards)",
    )
    domain: Domain | None = Field(default=None, description="the XRec domain; only for source 'xrec'")
    path: str | None = Field(default=None, description="the rows file; only for source 'rows'")
    rows: int | None = Field(default=None, ge=1, description="read only the first N rows of the source")
    train_rows: int | None = Field(
        default=None, ge=1, description="train on N rows after the split (held-out rows unchanged)"
    )

    @model_validator(mode="after")
    def _fields_fit_source(self) -> DataSource:
        if (self.source == "xrec") != (self.domain is not None):
            raise ValueError(
                f"'domain' is required for source 'xrec' and only for it (source {self.source!r})"
            )
        if (self.source == "rows") != (self.path is not None):
            raise ValueError(f"'path' goes with source 'rows' and only with it (source {self.source!r})")
        return self

    @property
    def label(self) -> str:
        """A short name of the source for logs and reports."""
        if self.source == "xrec":
            return f"xrec/{self.domain}"
        return f"rows:{self.path}" if self.source == "rows" else self.source


class LoraSettings(BaseModel):
    """The LoRA adapter's shape."""

    model_config = ConfigDict(extra="forbid")

    r: int = Field(default=16, ge=1, le=256)
    alpha: int = Field(default=32, ge=1)
    dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"], min_length=1
    )
    top_layers: int | None = Field(
        default=None,
        ge=1,
        description="adapt only the top N transformer layers; backward then stops below them (faster)",
    )


def _all_domains() -> list[DataSource]:
    return [DataSource(domain="amazon"), DataSource(domain="google"), DataSource(domain="yelp")]


class TrainingConfig(BaseModel):
    """Everything that decides a trained adapter; written whole into its run.json."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = EMBEDDED_SMOLLM2
    data: list[DataSource] = Field(default_factory=_all_domains, min_length=1)
    data_dir: str | None = Field(default=None, description="None: $WHYTHIS_DATA_DIR, else ../shared/data")
    audience: Literal["auto", "support", "shopper"] = Field(
        default="auto", description="auto: 'shopper' for references that speak to 'you', else 'support'"
    )
    domain_blank_share: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="share of XRec rows trained without their domain line, so rows of unknown domain work",
    )
    val_fraction: float = Field(default=0.05, ge=0.0, lt=0.5)
    seed: int = 0
    max_length: int = Field(default=384, ge=32, le=4096)
    lora: LoraSettings = Field(default_factory=LoraSettings)
    init_adapter: str | None = Field(
        default=None,
        description="continue training this adapter (a path or shipped name); its LoRA shape replaces [lora]",
    )
    added_tokens: list[str] = Field(
        default_factory=list,
        description="tokens added to the vocabulary (a realizer's slots), each one token; their embedding "
        "rows are trained and saved with the adapter, and so is the tokenizer",
    )
    learning_rate: float = Field(default=2e-4, gt=0.0, le=1.0)
    epochs: float = Field(default=1.0, gt=0.0)
    max_steps: int | None = Field(default=None, ge=1, description="stops before `epochs` when set")
    batch_size: int = Field(default=8, ge=1, le=256)
    grad_accum: int = Field(default=2, ge=1)
    eval_every: int = Field(default=50, ge=1, description="optimizer steps between evals and checkpoints")
    log_every: int = Field(default=10, ge=1)
    group_by_length: bool = Field(default=True, description="batch rows of similar length: less padding")
    early_stopping_patience: int = Field(default=3, ge=1)
    neftune_alpha: float | None = Field(
        default=None, gt=0.0, description="NEFTune: noise on the input embeddings while training; None: off"
    )
    bf16: bool = Field(
        default=False, description="bfloat16 mixed precision (LoRA weights stay float32); fast on bf16 CPUs"
    )
    threads: int | None = Field(default=None, ge=1, description="torch CPU threads; None keeps torch's")
    output_dir: str = "runs/finetune/xrec-smollm2"
    resume: bool = False
    overwrite: bool = Field(default=False, description="replace a trained adapter already in output_dir")

    @model_validator(mode="after")
    def _domains_once(self) -> TrainingConfig:
        labels = [d.label for d in self.data]
        if len(set(labels)) != len(labels):
            raise ValueError(f"each source may be listed once, got {labels}")
        return self


def load_training_config(path: Path | None = None, overrides: list[str] | None = None) -> TrainingConfig:
    """The training config from a TOML file (default: the checked-in defaults) plus `key=value` overrides."""
    return load_config(TrainingConfig, path or DEFAULT_CONFIG, overrides)
