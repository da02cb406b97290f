"""Dialogue files in MG-ShopDial's format (a JSON list of dialogues with `id` and `utterances`), and the
product cards of an MG-ShopDial dialogue."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError

from whythis.errors import DataError


class MgUtterance(BaseModel):
    """One MG-ShopDial utterance; a third-party file, so only the fields read are checked."""

    model_config = ConfigDict(extra="ignore")

    participant: StrictStr
    utterance: StrictStr
    utterance_id: int | None = None


class MgDialogue(BaseModel):
    """One MG-ShopDial dialogue: its id names the product category."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr
    utterances: list[MgUtterance]

    def client_turns(self) -> list[str]:
        """What the shopper said, in order."""
        return [u.utterance for u in self.utterances if u.participant == "Client"]


def load_dialogues(folder: Path) -> list[MgDialogue]:
    """The MG-ShopDial dialogues of a folder."""
    path = folder / "dialogues.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [MgDialogue.model_validate(d) for d in raw]
    except (OSError, json.JSONDecodeError, ValidationError, TypeError) as exc:
        raise DataError(f"{path}: {exc}") from exc


def catalog_for(dialogue_id: str, folder: Path) -> Path:
    """The product cards of a dialogue: its id starts with the category ("Cellphones&Accessories:45:...")."""
    category = dialogue_id.split(":", 1)[0]
    path = folder / f"{category.replace('&', '_')}_items.json"
    if not path.is_file():
        raise DataError(f"dialogue {dialogue_id!r}: no product cards at {path}")
    return path


def load_dialogue_file(path: Path) -> list[MgDialogue]:
    """A JSON list of dialogues with `id` and `utterances` (MG-ShopDial's format)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: cannot read dialogues: {exc}") from exc
    if not isinstance(raw, list):
        raise DataError(f"{path}: expected a JSON list of dialogues, got {type(raw).__name__}")
    dialogues = []
    for n, entry in enumerate(raw, start=1):
        try:
            dialogues.append(MgDialogue.model_validate(entry))
        except ValidationError as exc:
            raise DataError(f"{path}: dialogue {n}: {exc}") from exc
    return dialogues
