"""Beat's heartbeat: a task beat schedules every minute and a worker runs records the time
it ran, so its age measures the whole chain (beat sending, the broker, a worker running).
Kept in Redis when REDIS_URL is set (every web process sees the same), else in a file in
the instance folder (`make run`, one machine)."""

import time
from pathlib import Path

import redis
from flask import current_app

KEY = "coop-ops:beat-heartbeat"
FILE = "beat-heartbeat"
KEPT_SECONDS = 7 * 24 * 3600  # an old heartbeat still says how long beat has been gone


def _client() -> redis.Redis:
    return redis.Redis.from_url(
        current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=1
    )


def _file() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / FILE


def record_heartbeat(at: float | None = None) -> None:
    at = time.time() if at is None else at
    if current_app.config["REDIS_URL"]:
        _client().set(KEY, repr(at), ex=KEPT_SECONDS)
    else:
        _file().write_text(repr(at))


def heartbeat_age() -> float | None:
    """Seconds since the last heartbeat, None if none was ever recorded. Raises
    redis.RedisError when Redis cannot be read."""
    if current_app.config["REDIS_URL"]:
        value = _client().get(KEY)
    else:
        path = _file()
        value = path.read_text() if path.exists() else None
    if value is None:
        return None
    return max(0.0, time.time() - float(value))
