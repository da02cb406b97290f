"""Server processes over the fake models (tests/ui/serve_fake.py): started, waited for, killed, restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from eval.pg_cluster import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "the-secret-every-replica-shares-0123456789"


@dataclass
class FakeServer:
    """One server process on a fixed loopback port over `store_url`; `start` again after a kill."""

    store_url: str
    log: Path
    delay_s: float = 0.2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeServer:
        """Start the process and wait until /api/health answers."""
        command = [sys.executable, "-m", "tests.ui.serve_fake", "--port", str(self.port)]
        command += ["--store-url", self.store_url, "--secret", SECRET, "--delay", str(self.delay_s)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, as a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """End the process however it is."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
