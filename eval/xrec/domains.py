"""Which XRec domain a row comes from: said by the caller or the row, else its path's, its item's, or a guess.

The explainer writes each source's house style (a google reference says "the business", an amazon one
"would buy the book"), so it is told the domain whenever it can be known; unknown rows get an empty
domain, which training also covers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from eval.xrec.domain_guess import DomainGuesser, item_text
from whythis.errors import ConfigError
from whythis.paths import data_dir as shared_data_dir

DOMAINS = ("amazon", "google", "yelp")
AUTO = "auto"
log = logging.getLogger(__name__)


class DomainRow(Protocol):
    """What resolving needs of a row: its ids, title and the domain it may name."""

    @property
    def item_id(self) -> int | str: ...

    @property
    def title(self) -> str: ...

    @property
    def item_profile(self) -> str: ...

    @property
    def domain(self) -> str | None: ...


@dataclass(frozen=True)
class ItemDomains:
    """The domain of every known XRec item, keyed by (item id, title): ids repeat across domains."""

    by_item: dict[tuple[str, str], str] = field(default_factory=dict)
    guesser: DomainGuesser | None = None

    def lookup(self, item_id: int | str, title: str) -> str:
        """The item's domain, or '' when no domain's catalog has it."""
        return self.by_item.get((str(item_id), title.strip()), "")


def check_domain(value: str) -> str:
    """A --domain value: one of the domains or 'auto'; ConfigError naming the valid ones otherwise."""
    if value not in (*DOMAINS, AUTO):
        raise ConfigError(f"--domain must be one of {', '.join((*DOMAINS, AUTO))}, got {value!r}")
    return value


def domain_from_path(path: Path) -> str | None:
    """The domain named by the folder after `xrec` in a path (xrec/<domain>/...), else None."""
    parts = path.resolve().parts
    for i, part in enumerate(parts[:-2]):
        if part == "xrec" and parts[i + 1] in DOMAINS:
            return parts[i + 1]
    return None


def load_item_domains(data_dir: str | None = None) -> ItemDomains:
    """Every item of the XRec catalogs present under the data folder (xrec/<domain>/items.jsonl)."""
    by_item: dict[tuple[str, str], str] = {}
    examples: list[tuple[str, str]] = []
    root = shared_data_dir(data_dir) / "xrec"
    for domain in DOMAINS:
        path = root / domain / "items.jsonl"
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                item = json.loads(line) if line.strip() else None
                if isinstance(item, dict) and "item_id" in item and "title" in item:
                    title = str(item["title"])
                    by_item[(str(item["item_id"]), title.strip())] = domain
                    examples.append((item_text(title, str(item.get("item_profile", ""))), domain))
    return ItemDomains(by_item, DomainGuesser(tuple(examples)))


def resolve_domains(
    rows: Sequence[DomainRow], given: str = AUTO, path: Path | None = None, items: ItemDomains | None = None
) -> list[str]:
    """A domain per row: `given` unless 'auto', then the row's own, the path's, its item's, a guess, or ''."""
    if check_domain(given) != AUTO:
        return [given] * len(rows)
    from_path = domain_from_path(path) if path is not None else None
    out = []
    for row in rows:
        own = row.domain if row.domain in DOMAINS else None
        found = own or from_path or (items.lookup(row.item_id, row.title) if items else "")
        out.append(found or "")
    unknown = [i for i, d in enumerate(out) if not d]
    if unknown and items is not None and items.guesser is not None:
        guessed = items.guesser.guess([item_text(rows[i].title, rows[i].item_profile) for i in unknown])
        for i, d in zip(unknown, guessed, strict=True):
            out[i] = d
        log.info("%d of %d rows named no known item; their domain was guessed from the item's words",
                 len(unknown), len(rows))  # fmt: skip
    left = sum(1 for d in out if not d)
    if left:
        log.info("%d of %d rows have no known domain; they are explained without one", left, len(rows))
    return out
