"""Prometheus metrics: request latency by Flask endpoint (never the raw path: bounded, and
no token in a label), and the platform's backlogs read when scraped: the Celery queues, the
email outbox, failed digests and the age of beat's heartbeat.

gunicorn runs several worker processes, each counting its own requests: with
PROMETHEUS_MULTIPROC_DIR set (before the process starts, as deploy/coop-web.service does)
prometheus_client writes them to files there and a scrape adds them up. The folder must be
emptied when gunicorn starts (systemd's RuntimeDirectory does it).
"""

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import redis
from flask import current_app
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from coop.digests.queries import failed_digest_count
from coop.mail.queries import unsent_email_count
from coop.ops.heartbeat import heartbeat_age

log = logging.getLogger(__name__)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# kombu's Redis transport keeps a queue's priorities 3, 6 and 9 in lists of their own.
REDIS_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")

LATENCY = Histogram(
    "coop_http_request_duration_seconds",
    "Time from the request reaching the app to its response, by Flask endpoint.",
    ["endpoint", "method"],
)
REQUESTS = Counter(
    "coop_http_requests",
    "Requests answered, by Flask endpoint, method and status.",
    ["endpoint", "method", "status"],
)


def observe(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    endpoint = endpoint or "none"  # no route matched: one label for every 404 path
    method = method if method in METHODS else "other"
    LATENCY.labels(endpoint, method).observe(seconds)
    REQUESTS.labels(endpoint, method, str(status)).inc()


class PlatformState:
    """Read when scraped, in the scrape's request: shared state, the same from any process.
    A reading that fails is left out (and logged), so one service down costs only its
    metrics."""

    def collect(self) -> Iterator[Metric]:
        readings = (
            ("coop_celery_queue_length", "Tasks waiting in each Celery queue.", queue_lengths),
            ("coop_outbox_backlog", "Emails not yet sent (nor given up on).", unsent_email_count),
            ("coop_digests_failed", "Digests that failed after their last attempt.",
             failed_digest_count),
            ("coop_beat_heartbeat_age_seconds", "Seconds since beat's last heartbeat ran.",
             heartbeat_age),
        )  # fmt: skip
        for name, documentation, read in readings:
            try:
                value = read()
            except Exception:
                log.exception("metric %s unreadable", name)
                continue
            if isinstance(value, dict):
                gauge = GaugeMetricFamily(name, documentation, labels=["queue"])
                for queue, length in value.items():
                    gauge.add_metric([queue], length)
                yield gauge
            elif value is not None:
                yield GaugeMetricFamily(name, documentation, value=value)


def queue_lengths() -> dict[str, int]:
    conf = current_app.extensions["celery"].conf
    names = [conf.task_default_queue, *(q.name for q in conf.task_queues or ())]
    url = conf.broker_url or ""
    scheme = url.partition("://")[0]
    if scheme in ("redis", "rediss"):
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        pipe = client.pipeline(transaction=False)
        for name in names:
            for suffix in REDIS_PRIORITY_SUFFIXES:
                pipe.llen(name + suffix)
        lengths = iter(pipe.execute())
        return {name: sum(next(lengths) for _ in REDIS_PRIORITY_SUFFIXES) for name in names}
    if scheme == "filesystem":
        folder = Path(conf.broker_transport_options["data_folder_in"])
        return {name: len(list(folder.glob(f"*.{name}.msg"))) for name in names}
    return {}  # the tests' memory broker runs tasks at once


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REGISTRY  # this process's requests, and its own memory and CPU
    state = CollectorRegistry()
    state.register(PlatformState())
    return generate_latest(requests) + generate_latest(state)
