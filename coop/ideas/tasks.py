"""Celery tasks of ideas: the "trending" order recounted as supports age out of its window."""

from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.extensions import db
from coop.ideas.trending import refresh_trending
from coop.uktime import utcnow

TASK_NAME = "coop.ideas.refresh_trending"


@shared_task(name=TASK_NAME)
def refresh() -> int:
    changed = refresh_trending(utcnow())
    db.session.commit()
    return changed


def beat_schedule(_config: Mapping) -> dict:
    return {"refresh-trending": {"task": TASK_NAME, "schedule": crontab(minute="*/5")}}
