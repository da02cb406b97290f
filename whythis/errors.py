"""The project's error hierarchy: every error a user can cause or fix is one of these."""

from __future__ import annotations


class WhythisError(Exception):
    """Base of all whythis errors; the message is shown to the user as it is, without a traceback."""


class ConfigError(WhythisError):
    """A config file, a --set override or a CLI option is invalid."""


class DataError(WhythisError):
    """An input file (catalog, shopper, rows) is missing or malformed."""


class RowError(DataError):
    """One row of an input file is malformed; names the file, line and field."""

    def __init__(self, path: str, line: int, field: str, problem: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        super().__init__(f"{path}, line {line}, field {field!r}: {problem}")


class PromptError(WhythisError):
    """A prompt template is missing, malformed, or rendered with a missing variable."""


class ModelError(WhythisError):
    """A model or adapter cannot be located, converted or loaded."""


class IndexStoreError(WhythisError):
    """A saved index is missing, corrupt, or does not match its catalog."""


class InputRejected(WhythisError):
    """A chat message was refused (too long, hostile); the message is a polite reply."""


class SessionNotFound(WhythisError):
    """A chat session id is unknown (never opened, closed, or forgotten)."""


class StoreError(WhythisError):
    """The store (its database file or server) cannot be opened, read or written; names which."""


class StoreUnavailable(StoreError):
    """The database is down, unreachable or locked for now; the same request may succeed shortly."""
