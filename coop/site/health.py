import logging

import redis
from sqlalchemy import text

from coop.extensions import db

log = logging.getLogger(__name__)


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.exception("database health check failed")
        db.session.rollback()
        return "unreachable"
    return "ok"


def check_redis(url: str | None) -> str:
    if not url:
        return "not configured"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except redis.RedisError:
        log.exception("redis health check failed")
        return "unreachable"
    return "ok"
