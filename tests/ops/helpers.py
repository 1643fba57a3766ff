import time

from config import celery_settings
from coop.ops.heartbeat import record_heartbeat

CLOSED_REDIS = "redis://127.0.0.1:1/0"
CLOSED_POSTGRESQL = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def redis_broker(url: str, queue: str = "celery") -> dict:
    """Celery on a Redis broker, as in production (the tests' default runs tasks at once)."""
    return celery_settings(url, task_default_queue=queue)


def beat_ran(app, seconds_ago: float = 0) -> None:
    with app.app_context():
        record_heartbeat(time.time() - seconds_ago)
