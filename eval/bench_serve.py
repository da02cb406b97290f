"""`whythis bench serve`: turn latency of the HTTP server under concurrent shoppers, over real sockets.

Starts `whythis serve --dev` as subprocesses on free ports (with the real models unless `--set` says
otherwise), waits for /api/health, then N shoppers at once each run T turns: open a session, "why #1?",
"something cheaper", then more follow-ups. A turn is timed from its request to its `done` event, and a
list turn also to its cards, its first reason and all its reasons as the events stream in; a 503 is
retried after its Retry-After and counted. With `--replicas R` the servers share one store (`--store
postgresql`: a throwaway PostgreSQL cluster on loopback) and each turn goes to the next replica, as a
proxy spreading load would send it; the run with one replica comes first, side by side. The servers'
logs are kept next to the report.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from eval.pg_cluster import free_port, remove_cluster, start_cluster
from eval.timing import percentiles
from eval.turn_times import TurnClock, stream_summary
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from whythis.errors import DataError

FOLLOW_UPS = (
    ("why", "why #1?"),
    ("cheaper", "something cheaper"),
    ("others", "show me others"),
    ("why", "why #2?"),
    ("like", "more like #1"),
)


@dataclass(frozen=True)
class ServeBenchOptions:
    """How much load, and how the server is started."""

    shoppers: int = 8
    turns: int = 3
    overrides: tuple[str, ...] = ()
    config: Path | None = None
    startup_timeout_s: float = 900.0
    turn_timeout_s: float = 600.0
    shopper_ids: tuple[str, ...] = ()
    replicas: int = 1
    store: str = "sqlite"

    def settings(self) -> dict[str, Any]:
        """The options as plain JSON for run.json."""
        return {
            "shoppers": self.shoppers,
            "turns": self.turns,
            "overrides": list(self.overrides),
            "config": str(self.config) if self.config else None,
            "shopper_ids": list(self.shopper_ids),
            "replicas": self.replicas,
            "store": self.store,
        }


@dataclass(frozen=True)
class TurnSample:
    """One turn as a client saw it: its kind, the answering attempt's ms, status, whether it ended."""

    kind: str
    ms: float
    status: int
    done: bool
    busy: int = 0
    waited_ms: float = 0.0
    clock: TurnClock | None = None


def turn_plan(turns: int) -> list[tuple[str, str | None]]:
    """(kind, message) of each turn: the opening (no message), then the follow-ups in a cycle."""
    if turns < 1:
        raise DataError(f"--turns must be at least 1, got {turns}")
    return [("open", None)] + [FOLLOW_UPS[n % len(FOLLOW_UPS)] for n in range(turns - 1)]


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, JSON data) of each SSE message in a response body."""
    out: list[tuple[str, dict[str, Any]]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
        if data:
            name = next((line[6:].strip() for line in lines if line.startswith("event:")), "message")
            out.append((name, json.loads(data)))
    return out


def summarize(samples: Sequence[TurnSample]) -> dict[str, Any]:
    """p50/p95 per turn kind and overall (answering attempt, and with 503 waits), 503s and errors."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        if s.status == 200 and s.done:
            by_kind[s.kind].append(s.ms)
    ok = [s for s in samples if s.status == 200 and s.done]
    return {
        "turns": len(samples),
        "per_kind": {kind: percentiles(ms) for kind, ms in sorted(by_kind.items())},
        "overall": percentiles([s.ms for s in ok]),
        "overall_with_retries": percentiles([s.ms + s.waited_ms for s in ok]),
        "stream": stream_summary([s.clock for s in ok if s.clock is not None]),
        "busy_503": sum(s.busy for s in samples),
        "errors": sum(1 for s in samples if s.status != 200 or not s.done),
        "error_statuses": dict(sorted(Counter(str(s.status) for s in samples if s.status != 200).items())),
    }


def demo_shopper_ids() -> tuple[str, ...]:
    """The ids of the packaged demo shoppers (the server's default shoppers)."""
    return tuple(load_shopper(p).shopper_id for p in demo_shopper_paths())


def _post_turn(
    http: httpx.Client, url: str, body: dict[str, Any], token: str | None, kind: str, budget_s: float
) -> tuple[TurnSample, list[tuple[str, dict[str, Any]]]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    busy, waited = 0, 0.0
    # Like the widget, a shopper retries a busy server after Retry-After until the turn's budget is spent.
    deadline = time.perf_counter() + budget_s
    while True:
        clock = TurnClock()
        with http.stream("POST", url, json=body, headers=headers) as response:
            status = response.status_code
            events = read_events(response, clock) if status == 200 else []
            if status != 200:
                response.read()
        ms = (time.perf_counter() - clock.start) * 1000
        if status != 503 or time.perf_counter() >= deadline:
            break
        busy += 1
        pause = float(response.headers.get("Retry-After", "1"))
        waited += ms + pause * 1000
        time.sleep(pause)
    done = bool(events) and events[-1][0] == "done"
    return TurnSample(kind, ms, status, done, busy, waited, clock), events


def read_events(response: httpx.Response, clock: TurnClock) -> list[tuple[str, dict[str, Any]]]:
    """The SSE events of a streamed response, each noted on the clock as it arrives."""
    events: list[tuple[str, dict[str, Any]]] = []
    block: list[str] = []
    for line in itertools.chain(response.iter_lines(), [""]):  # lazily: each event timed as it comes
        if line:
            block.append(line)
            continue
        for name, data in parse_sse("\n".join(block)):
            clock.saw(name, data)
            events.append((name, data))
        block = []
    return events


def run_shopper(
    bases: Sequence[str],
    shopper_id: str,
    plan: Sequence[tuple[str, str | None]],
    timeout_s: float,
    first: int = 0,
) -> list[TurnSample]:
    """One shopper's session: the opening, then each follow-up with the session's token; turn k goes to
    replica (first + k) mod R."""
    samples: list[TurnSample] = []
    token: str | None = None
    url = "/api/sessions"
    with httpx.Client(timeout=timeout_s) as http:
        for k, (kind, message) in enumerate(plan):
            body = {"shopper_id": shopper_id} if message is None else {"message": message}
            base = bases[(first + k) % len(bases)]
            sample, events = _post_turn(http, base + url, body, token, kind, timeout_s)
            samples.append(sample)
            if sample.status != 200:
                break
            if message is None:
                session = next((data for name, data in events if name == "session"), None)
                if session is None:
                    break
                token, url = session["token"], f"/api/sessions/{session['session_id']}/messages"
    return samples


@dataclass
class _Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path
    _handle: Any = field(default=None, repr=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._handle is not None:
            self._handle.close()


def start_server(
    options: ServeBenchOptions, data_dir: Path, log: Path, shared: Sequence[str] = ()
) -> _Server:
    """`whythis serve --dev` on a free loopback port, its output going to `log`; `shared`: the settings
    every replica has alike (store.url, secret)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "whythis.cli",
        "serve",
        "--dev",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    if options.config is not None:
        command += ["--config", str(options.config)]
    # Every simulated shopper comes from 127.0.0.1: the per-client limits would measure themselves.
    unlimited = ("rate_limits.open_sessions=1000000/minute", "rate_limits.messages=1000000/minute")
    for item in (f"data_dir={data_dir}", *unlimited, *shared, *options.overrides):
        command += ["--set", item]
    handle = log.open("wb")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=dict(os.environ))
    return _Server(process, f"http://127.0.0.1:{port}", log, handle)


def wait_healthy(server: _Server, timeout_s: float) -> dict[str, Any]:
    """The server's /api/health once it answers; DataError if it exits or the time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise DataError(f"the server exited with {server.process.returncode}; see {server.log}")
        try:
            response = httpx.get(f"{server.base}/api/health", timeout=5.0)
            if response.status_code == 200:
                health: dict[str, Any] = response.json()
                return health
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise DataError(f"the server did not answer /api/health within {timeout_s:.0f} s; see {server.log}")


def run_load(bases: Sequence[str], options: ServeBenchOptions) -> list[TurnSample]:
    """All shoppers at once, each in its own thread; every turn's sample."""
    ids = options.shopper_ids or demo_shopper_ids()
    plan = turn_plan(options.turns)
    results: list[list[TurnSample]] = [[] for _ in range(options.shoppers)]
    start = threading.Barrier(options.shoppers)

    def one(n: int) -> None:
        start.wait()
        results[n] = run_shopper(bases, ids[n % len(ids)], plan, options.turn_timeout_s, first=n)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(options.shoppers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [sample for samples in results for sample in samples]


def run_serve_bench(options: ServeBenchOptions, folder: Path) -> tuple[dict[str, Any], list[Path]]:
    """Start the servers, load them, stop them; the metrics (one replica first, side by side with R when
    R > 1) and the files read."""
    if options.shoppers < 1 or options.replicas < 1:
        raise DataError(
            f"--shoppers and --replicas must be at least 1, got {options.shoppers}, {options.replicas}"
        )
    if options.store not in ("sqlite", "postgresql"):
        raise DataError(f"--store {options.store!r}: valid are sqlite, postgresql")
    arms = {f"replicas_{n}": _run_arm(options, n, folder) for n in sorted({1, options.replicas})}
    files = [options.config] if options.config is not None else []
    if options.replicas == 1:
        return arms["replicas_1"], files
    return {"store": options.store, **arms}, files


def _run_arm(options: ServeBenchOptions, replicas: int, folder: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        shared = [f"secret={secrets.token_urlsafe(32)}", *_store_setting(options.store, Path(tmp), stack)]
        servers = []
        for n in range(replicas):
            log = folder / f"server-{replicas}-{n + 1}.log"
            server = start_server(options, Path(tmp) / f"replica-{n + 1}", log, shared)
            stack.callback(server.stop)
            servers.append(server)
        startup = time.perf_counter()
        healths = [wait_healthy(server, options.startup_timeout_s) for server in servers]
        health = healths[0]
        startup_s = time.perf_counter() - startup
        wall = time.perf_counter()
        samples = run_load([server.base for server in servers], options)
        wall_s = time.perf_counter() - wall
    return {
        **summarize(samples),
        "replicas": replicas,
        "shoppers": options.shoppers,
        "turns_per_shopper": options.turns,
        "server_startup_s": round(startup_s, 2),
        "load_wall_s": round(wall_s, 2),
        "turns_per_s": round(len(samples) / wall_s, 3) if wall_s > 0 else None,
        "adapter": health.get("adapter"),
        "prompt_version": health.get("prompt_version"),
    }


def _store_setting(store: str, tmp: Path, stack: ExitStack) -> list[str]:
    """The store.url the replicas share: a SQLite file, or a database of a throwaway cluster."""
    if store == "sqlite":
        return [f"store.url=sqlite:///{tmp / 'whythis.db'}"]
    cluster = start_cluster()
    if cluster is None:
        raise DataError("--store postgresql needs Debian's PostgreSQL server (apt-get install postgresql)")
    stack.callback(remove_cluster, cluster)
    return [f"store.url={cluster.create_database('whythis_bench')}"]
