"""Fixtures every package's tests share: a PostgreSQL cluster for the run, a fresh store database."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from eval.pg_cluster import Cluster, remove_cluster, start_cluster
from tests.machine import unavailable

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """One PostgreSQL cluster for the whole run (`make test` requires it; elsewhere it may be skipped)."""
    cluster = start_cluster()
    if cluster is None:
        unavailable("PostgreSQL is not installed: run `make postgres` (Debian's postgresql package)")
    yield cluster
    remove_cluster(cluster)


@pytest.fixture
def pg_url(postgres: Cluster) -> str:
    """A URL of a new, empty PostgreSQL database."""
    return postgres.create_database(f"t{os.getpid()}_{next(_numbers)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a new, empty store database on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))
