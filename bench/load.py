"""The app under gunicorn in production settings, and wrk loading it from another process.

    with Gunicorn(env) as server:            # 2 sync workers on a free port
        result = run_wrk(server.url, lines, duration=10, connections=16)

`lines` are prepared requests (bench/requests.lua reads them); run_wrk returns what wrk
measured: requests, latency percentiles, errors.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.processes import ROOT, descendants, stats
from tests.support import free_port

LUA = Path(__file__).with_name("requests.lua")
WRK_THREADS = 2


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    cookie: str = ""
    body: str = ""

    def line(self) -> str:
        return f"{self.method}\t{self.path}\t{self.cookie}\t{self.body}"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int  # connection errors, timeouts and responses of 400 and above
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    counted_ok: int  # with count=True: responses below 400, as Lua saw them
    wrapped: int  # times a thread ran out of distinct requests and started again

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    base_url: str,
    requests: Sequence[Request],
    duration: float,
    connections: int,
    count: bool = False,
) -> LoadResult:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk not found: apt-get install wrk")
    threads = min(WRK_THREADS, connections)  # wrk wants a connection for each thread
    with tempfile.NamedTemporaryFile("w", suffix=".requests", delete=False) as file:
        file.write("\n".join(request.line() for request in requests) + "\n")
    try:
        command = [
            "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s",
            "--timeout", "10s", "-s", str(LUA), base_url, "--",
            file.name, "count" if count else "no", str(threads),
        ]  # fmt: skip
        output = subprocess.run(  # noqa: S603 - our own command line
            command, capture_output=True, text=True, check=True, timeout=duration + 60
        ).stdout
    finally:
        os.unlink(file.name)
    found = json.loads(output.strip().splitlines()[-1])
    errors = sum(
        found[key]
        for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return LoadResult(
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        errors=errors,
        p50_ms=found["p50_us"] / 1000,
        p90_ms=found["p90_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        max_ms=found["max_us"] / 1000,
        counted_ok=found["counted_ok"],
        wrapped=found["wrapped"],
    )


class Gunicorn:
    """`gunicorn --workers 2` (sync workers) serving coop:create_app() with `env` added to
    this process's environment."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        command = [
            sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
            "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
            "--backlog", "2048", "--log-level", "warning", "coop:create_app()",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited while starting")
            if len(self.worker_pids()) == self.workers and self._answers():
                return self
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start in time")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/static/coop.css", timeout=5):  # noqa: S310
                return True
        except (urllib.error.URLError, ConnectionError):
            return False

    def worker_pids(self) -> list[int]:
        return descendants(self.process.pid)

    def peak_rss_mib(self) -> list[float]:
        """Each worker's peak resident memory (VmHWM) so far."""
        return [stats("worker", pid).peak_rss_kib / 1024 for pid in self.worker_pids()]

    def __exit__(self, *exc_info) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
