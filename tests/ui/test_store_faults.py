"""Faults of the store under a running server: the database away and back, a full disk, a read-only dir.

While PostgreSQL is down every request answers at once with the documented `busy` JSON error (503 and
Retry-After), never hangs, and works again once the database is back, with no restart. A full disk or a
read-only data dir gives an error naming the path, and the rows already stored stay readable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from agent.sessions.store import open_store
from agent.store.database import StoreConfig
from eval.pg_cluster import Cluster
from tests.machine import unavailable
from tests.ui.conftest import ShopperClient
from tests.ui.servers import serving
from ui.app import build_app
from ui.serve_config import ServeConfig
from ui.services import Services
from whythis.errors import StoreError


def test_requests_fail_fast_while_postgresql_is_down_and_work_again_after(
    postgres: Cluster,
    pg_url: str,
    make_config: Callable[..., ServeConfig],
    make_services: Callable[..., Services],
) -> None:
    config = make_config(store=StoreConfig(url=pg_url, connect_timeout_s=3, sync_seconds=0.2))
    services = make_services(config)
    with serving(build_app(services, config)) as url, httpx.Client(base_url=url, timeout=30) as http:
        shopper = ShopperClient(http)
        assert shopper.open(shopper_id="maya").status == 200
        postgres.stop()
        try:
            for turn in (shopper.send("why #1?"), ShopperClient(http).open(shopper_id="jonas")):
                assert turn.status == 503 and turn.body["error"]["code"] == "busy"
                assert turn.headers["retry-after"] == "5"
            health = http.get("/api/health")
            assert health.status_code == 503 and health.json()["error"]["code"] == "busy"
        finally:
            postgres.start()
        again = shopper.send("why #1?")
        assert again.status == 200 and again.of("done")[0]["turn"] == 2 and not again.of("error")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB filesystem of its own (tmpfs), unmounted at the end; root only."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        unavailable("a full or read-only disk is made by mounting a small filesystem, which needs root")
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(where)], check=False)
    if mounted.returncode != 0:
        unavailable("this machine does not allow mounting a filesystem (a full or read-only disk)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_names_the_store_and_keeps_what_was_stored(small_disk: Path) -> None:
    path = small_disk / "whythis.db"
    store = open_store(path)
    store.save_session("kept", "maya", {"turn": 1}, [("human", "hi")], {"learned": {}})
    with pytest.raises(StoreError, match=f"the store {path} is full"):
        for n in range(10_000):
            store.save_session(f"s{n}", "lea", {"turn": n, "pad": "x" * 4000}, [("human", "y" * 4000)])
    store.close()
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    again = open_store(path)  # passes the damage check
    row = again.load_session("kept")
    assert row is not None and row.state == {"turn": 1} and again.messages("kept") == [("human", "hi")]
    again.close()


def test_a_read_only_data_dir_names_the_store(small_disk: Path) -> None:
    path = small_disk / "whythis.db"
    store = open_store(path)
    store.save_session("kept", "maya", {"turn": 1}, [("human", "hi")])
    store.close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StoreError, match=f"{path}.*(read-only|writable)"):
        open_store(path).save_session("new", "lea", {"turn": 1}, [])
