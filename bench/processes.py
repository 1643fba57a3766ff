"""Celery workers as processes of their own, and what /proc says about processes."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from celery import Celery

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Workers:
    """`count` solo workers, or one prefork worker with `count` children, running
    bench.worker_app with `settings` and consuming the queue named in them."""

    def __init__(self, settings: dict, pool: str, count: int = 2):
        self.settings, self.pool, self.count = settings, pool, count
        self.queue = settings["CELERY"]["task_default_queue"]
        self.processes: list[subprocess.Popen] = []

    def start(self, celery: Celery, timeout: float = 60) -> "Workers":
        env = {**os.environ, "COOP_BENCH_WORKER_SETTINGS": json.dumps(self.settings)}
        if self.pool == "solo":
            pools = [["--pool=solo"] for _ in range(self.count)]
        else:
            pools = [["--pool=prefork", f"--concurrency={self.count}"]]
        for number, pool in enumerate(pools, 1):
            command = [
                sys.executable, "-m", "celery", "--quiet", "-A", "bench.worker_app:celery",
                "worker", *pool, "-Q", self.queue, "-n", f"bench{number}-{self.queue}@%h",
                "--without-mingle", "--without-gossip", "--loglevel=WARNING",
            ]  # fmt: skip
            self.processes.append(subprocess.Popen(command, cwd=ROOT, env=env))  # noqa: S603
        self._wait_until_ready(celery, len(pools), timeout)
        return self

    def _wait_until_ready(self, celery: Celery, expected: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                raise RuntimeError("a worker exited while starting")
            replies = celery.control.ping(timeout=1.0)
            if sum(self.queue in name for reply in replies for name in reply) >= expected:
                return
        raise RuntimeError("the workers did not answer in time")

    def labelled_pids(self) -> dict[str, int]:
        """The workers' processes and their children (a prefork worker's pool)."""
        found = {}
        for number, process in enumerate(self.processes, 1):
            found[f"worker {number} (pid {process.pid})"] = process.pid
            for child_number, child in enumerate(descendants(process.pid), 1):
                found[f"worker {number}, pool process {child_number} (pid {child})"] = child
        return found

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # warm shutdown
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@dataclass(frozen=True)
class ProcessStats:
    label: str
    peak_rss_kib: int  # VmHWM
    rss_kib: int  # VmRSS
    cpu_seconds: float  # user + system since it started


def stats(label: str, pid: int) -> ProcessStats:
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    kib = {key: int(status[key].split()[0]) for key in ("VmHWM", "VmRSS")}
    return ProcessStats(label, kib["VmHWM"], kib["VmRSS"], cpu_seconds(pid))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def processes_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                pids.append(int(entry.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pids


class CpuMeter:
    """CPU seconds used between start() and stop(): by the whole machine, by given
    processes, and by all processes with a given name (PostgreSQL's backends)."""

    def __init__(self, pids: dict[str, int], named: dict[str, str] | None = None):
        self.pids = pids
        self.named = named or {"PostgreSQL (all its processes)": "postgres"}

    def _sample(self) -> dict[str, float]:
        values = {"machine busy": _machine_busy_seconds()}
        for label, pid in self.pids.items():
            values[label] = _safe_cpu(pid)
        for label, name in self.named.items():
            values[label] = sum(_safe_cpu(pid) for pid in processes_named(name))
        return values

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        return {label: after[label] - self.before[label] for label in after}


def _safe_cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def _machine_busy_seconds() -> float:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS
