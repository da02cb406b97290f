"""Checked reasons kept by what they were written from, so that "show me others", "more like #1" or a
page reload do not generate again what was already written and checked.

The key is the rendered prompt itself (shopper facts, item, evidence, house rules, audience, all as the
model saw them), the prompt's name and version (banned phrasings change the check, not the text), what
the shopper asked for in the chat, and the engine: when any of them changes, so does the key. Least
recently used entries go first; "forget me" drops a shopper's.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agent.reasons.fallback import Asked
from prompts.render import Rendered

if TYPE_CHECKING:
    from agent.reasons.writer import Reason


def reason_key(prompt: Rendered, version: str, engine: str, asked: Asked) -> str:
    """The cache key of one reason: its rendered prompt and prompt version, the engine, what was asked."""
    parts = [engine, version, prompt.response_prefix, *(f"{m.type}:{m.content}" for m in prompt.messages)]
    parts += [asked.said, repr(asked.constraints)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class ReasonCache:
    """At most `max_entries` checked reasons, shared by every session of one server process."""

    max_entries: int = 2048
    _entries: OrderedDict[str, tuple[str, Reason]] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    hits: int = 0
    misses: int = 0

    def get(self, key: str) -> Reason | None:
        """The reason kept under `key`, now the most recently used; None when there is none."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[1]

    def put(self, key: str, shopper_id: str, reason: Reason) -> None:
        """Keep a checked reason for a shopper; the least recently used go beyond `max_entries`."""
        with self._lock:
            self._entries[key] = (shopper_id, reason)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, shopper_id: str) -> int:
        """Drop every reason written for a shopper; how many were dropped."""
        with self._lock:
            keys = [k for k, (sid, _) in self._entries.items() if sid == shopper_id]
            for key in keys:
                del self._entries[key]
        return len(keys)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
