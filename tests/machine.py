"""What a test needs from the machine, and what happens when it is missing.

`make test` sets WHYTHIS_TEST_STRICT=1: there, what a test needs (PostgreSQL, mounting a small filesystem
as root) must be present, so such a test fails instead of being skipped; elsewhere it is skipped.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(why: str) -> NoReturn:
    """Fail under `make test` (WHYTHIS_TEST_STRICT=1); elsewhere skip, saying what is missing."""
    if os.environ.get("WHYTHIS_TEST_STRICT") == "1":
        pytest.fail(why)
    pytest.skip(why)
