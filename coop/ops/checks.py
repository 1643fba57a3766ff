"""What readiness reports: each service's state, as a word. A state in HEALTHY is not a
failure: "not configured" (no Redis under `make run`), "folder" (the broker in a folder),
"memory" (the tests' eager broker), "not checked" (BEAT_STALE_SECONDS = 0)."""

import logging
from pathlib import Path

import redis
from flask import current_app
from sqlalchemy import text

from coop.extensions import db
from coop.ops.heartbeat import heartbeat_age

log = logging.getLogger(__name__)
HEALTHY = {"ok", "not configured", "folder", "memory", "not checked"}


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.exception("database check failed")
        db.session.rollback()
        return "unreachable"
    return "ok"


def check_redis(url: str | None) -> str:
    if not url:
        return "not configured"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        log.exception("redis check failed")
        return "unreachable"
    return "ok"


def check_broker() -> str:
    conf = current_app.extensions["celery"].conf
    url = conf.broker_url or ""
    scheme = url.partition("://")[0]
    if scheme in ("redis", "rediss"):
        return check_redis(url)
    if scheme == "filesystem":
        folder = Path(conf.broker_transport_options.get("data_folder_in", ""))
        return "folder" if folder.is_dir() else "unreachable"
    if scheme == "memory":
        return "memory"
    return "unknown"


def check_beat() -> tuple[str, float | None]:
    """The state of beat and the age of its last heartbeat in seconds."""
    stale_after = current_app.config["BEAT_STALE_SECONDS"]
    try:
        age = heartbeat_age()
    except redis.RedisError:
        log.exception("beat heartbeat unreadable")
        return ("unreachable" if stale_after > 0 else "not checked"), None
    if stale_after <= 0:
        return "not checked", age
    if age is None:
        return "never", None
    return ("stale" if age > stale_after else "ok"), age
