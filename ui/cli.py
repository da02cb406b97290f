"""The `whythis serve` command: the HTTP API, the shopper widget and the staff UIs in one process."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the serving commands to the root CLI."""
    del app
