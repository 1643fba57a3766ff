"""Exactly one digest per member per period, with real Celery workers (separate processes,
so that one can be killed) on real Redis, sending to a real SMTP server."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from config import celery_settings
from coop.digests.models import DigestStatus
from coop.uktime import utcnow
from tests.digests.helpers import digest_rows
from tests.support import make_member, quick_members, smtp_settings

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 60


class Worker:
    """`celery worker` in its own process, on the test's database, queue and SMTP server."""

    def __init__(self, settings: dict, name: str):
        self.settings, self.name = settings, name
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        import json

        queue = self.settings["CELERY"]["task_default_queue"]
        env = {**os.environ, "COOP_WORKER_SETTINGS": json.dumps(self.settings, default=str)}
        command = [sys.executable, "-m", "celery", "-A", "tests.digests.worker_app:celery",
                   "worker", "--pool=solo", "-Q", queue, "-n", f"{self.name}-{queue}@%h",
                   "--without-mingle", "--without-gossip", "--loglevel=WARNING"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        return self

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def setup(app_factory, redis_url, smtp_server, tmp_path):
    """The test's app (to publish tasks) and the settings for its workers."""
    queue = f"coop-digest-test-{uuid.uuid4().hex}"
    settings = {
        "CELERY": celery_settings(redis_url, task_default_queue=queue),
        "DIGEST_BATCH_SIZE": 10,
        "DIGEST_LEASE_SECONDS": 2,
        "MAIL_RETRY_BASE_SECONDS": 1,
        **smtp_settings(smtp_server.port),
    }
    app = app_factory(**settings)
    settings.update(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        INSTANCE_DIR=str(tmp_path),
    )
    make_member(app, email="author@example.org", name="Author")
    quick_members(app, MEMBERS - 1, "reader")
    from tests.support import make_idea

    make_idea(app, "author@example.org", "Something everyone should read")
    workers: list[Worker] = []
    yield app, settings, workers
    for worker in workers:
        worker.stop()
    redis.Redis.from_url(redis_url).delete(queue)


def publish(app, name: str, *args) -> None:
    app.extensions["celery"].tasks[name].apply_async(args)


def wait_until(condition, timeout: float = 180, every: float = 0.1, action=None) -> None:
    # Generous: a worker process starting on a busy 2-core machine (CI beside other work)
    # took over a minute once; the bound only matters when the test fails.
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        if action:
            action()
        time.sleep(every)


def readers(smtp_server) -> Counter:
    """How many digests each member got; the author has nothing new and gets none."""
    return Counter(message["To"] for message in smtp_server.messages)


def assert_exactly_one_each(app, smtp_server) -> None:
    counts = readers(smtp_server)
    assert len(counts) == MEMBERS - 1 and set(counts.values()) == {1}, counts.most_common(3)
    statuses = Counter(row.status for row in digest_rows(app))
    assert statuses == {DigestStatus.SENT: MEMBERS - 1, DigestStatus.EMPTY: 1}


def test_beat_firing_twice_with_two_workers_sends_one_digest_each(setup, smtp_server):
    app, settings, workers = setup
    start = (utcnow() + timedelta(minutes=1)).isoformat()
    publish(app, "coop.digests.plan", "weekly", start)
    publish(app, "coop.digests.plan", "weekly", start)  # beat fired twice for the period
    workers += [Worker(settings, "one").start(), Worker(settings, "two").start()]
    wait_until(lambda: len(smtp_server.messages) >= MEMBERS - 1)
    time.sleep(1)  # anything sent twice would arrive now
    assert_exactly_one_each(app, smtp_server)


def test_a_worker_killed_mid_batch_and_restarted_leaves_one_digest_each(setup, smtp_server):
    app, settings, workers = setup
    smtp_server.collector.hold_after = 15  # the 16th message hangs in the middle of sending
    start = (utcnow() + timedelta(minutes=1)).isoformat()
    publish(app, "coop.digests.plan", "weekly", start)
    workers.append(Worker(settings, "doomed").start())
    assert smtp_server.collector.holding.wait(60)
    workers[0].kill()
    smtp_server.collector.release.set()  # the dead worker never learns the answer
    smtp_server.collector.hold_after = None
    assert len(smtp_server.messages) == 15

    workers.append(Worker(settings, "fresh").start())
    publish(app, "coop.digests.plan", "weekly", start)  # beat's catch-up finds the rest

    def retry():  # beat runs the retry sweep every minute; here, every second
        publish(app, "coop.digests.retry_due")

    # A bound for failure only: a fresh worker process starts slowly on a busy 2-core machine.
    wait_until(lambda: len(smtp_server.messages) >= MEMBERS - 1, timeout=180, every=1, action=retry)
    time.sleep(1)
    assert_exactly_one_each(app, smtp_server)


def test_an_smtp_server_refusing_for_a_while_gets_every_digest_once(setup, smtp_server):
    app, settings, workers = setup
    smtp_server.collector.refusing = True
    start = (utcnow() + timedelta(minutes=1)).isoformat()
    workers.append(Worker(settings, "patient").start())
    publish(app, "coop.digests.plan", "weekly", start)
    wait_until(lambda: len([r for r in digest_rows(app) if r.attempts]) >= 6)
    assert smtp_server.messages == []
    assert all(r.status != DigestStatus.SENT for r in digest_rows(app))
    smtp_server.collector.refusing = False

    def retry():
        publish(app, "coop.digests.retry_due")

    wait_until(lambda: len(smtp_server.messages) >= MEMBERS - 1, every=1, action=retry)
    time.sleep(1)
    assert_exactly_one_each(app, smtp_server)
    assert max(row.attempts for row in digest_rows(app)) >= 2  # some really were retried
