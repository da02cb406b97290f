"""A throwaway PostgreSQL cluster: Debian's server, a temp dir, a loopback port, trust auth on loopback.

For `whythis bench serve --store postgresql` and the tests (started once per run, stopped at the end; a
test may stop and start it to see the database go away and come back). A shop runs its own server.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def server_bin() -> Path | None:
    """The directory of Debian's PostgreSQL programs, if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its programs, data dir and port; trust auth on loopback only."""

    bin: Path
    root: Path
    port: int

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL of one of its databases."""
        return f"postgresql://whythis@127.0.0.1:{self.port}/{database}"

    def run(self, program: str, *args: str) -> None:
        """Run one of the server's programs as the owner of the cluster."""
        cmd = [str(self.bin / program), *args]
        if os.geteuid() == 0:  # the server refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (fast: running statements are cancelled)."""
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "whythis", name)
        return self.url(name)


def start_cluster() -> Cluster | None:
    """A new cluster in a temp dir, started; None when PostgreSQL is not installed."""
    bin_dir = server_bin()
    if bin_dir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="whythis-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(bin_dir, root, free_port())
    cluster.run("initdb", "-D", str(cluster.data), "-U", "whythis", "--auth=trust", "-E", "UTF8")
    cluster.start()
    return cluster


def remove_cluster(cluster: Cluster) -> None:
    """Stop the cluster (if running) and delete its files."""
    with contextlib.suppress(subprocess.CalledProcessError):
        cluster.stop("immediate")
    shutil.rmtree(cluster.root, ignore_errors=True)
