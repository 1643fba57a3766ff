"""Celery tasks: beat plans each period at 07:00 UK time; batches fan out from there."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from celery import shared_task
from celery.schedules import crontab

from coop.celery_app import enqueue
from coop.digests import services
from coop.digests.models import Frequency
from coop.digests.periods import period_start
from coop.extensions import db
from coop.uktime import utcnow

# After a period starts, a catch-up plans again (members whose batch was lost) this long.
CATCH_UP_WINDOW = timedelta(hours=6)


def beat_schedule(_config: Mapping) -> dict:
    return BEAT


BEAT = {
    "daily-digest": {
        "task": "coop.digests.plan",
        "schedule": crontab(hour=7, minute=0),
        "args": (Frequency.DAILY.value,),
    },
    "weekly-digest": {
        "task": "coop.digests.plan",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
        "args": (Frequency.WEEKLY.value,),
    },
    "digest-catch-up": {"task": "coop.digests.catch_up", "schedule": crontab(minute="*/10")},
    "digest-retries": {"task": "coop.digests.retry_due", "schedule": crontab(minute="*")},
    "digest-housekeeping": {
        "task": "coop.digests.housekeeping",
        "schedule": crontab(hour=3, minute=30),
    },
}


@shared_task(name="coop.digests.plan")
def plan(frequency: str, start: str | None = None) -> int:
    """Fan out this period's digests: one send_batch task per range of members."""
    moment = datetime.fromisoformat(start) if start else period_start(frequency, utcnow())
    ranges = services.plan(frequency, moment)
    db.session.commit()
    for first_id, last_id in ranges:
        enqueue("coop.digests.send_batch", frequency, moment.isoformat(), first_id, last_id)
    return len(ranges)


@shared_task(name="coop.digests.send_batch")
def send_batch(frequency: str, start: str, first_id: int, last_id: int) -> int:
    return services.send_batch(frequency, datetime.fromisoformat(start), first_id, last_id)


@shared_task(name="coop.digests.retry_due")
def retry_due() -> int:
    return services.retry_due()


@shared_task(name="coop.digests.catch_up")
def catch_up() -> int:
    """Plan again early in a period: a batch lost with its worker or broker is found again;
    the members already served have their row and are left out."""
    batches = 0
    now = utcnow()
    for frequency in (Frequency.DAILY, Frequency.WEEKLY):
        start = period_start(frequency, now)
        if now - start < CATCH_UP_WINDOW:
            batches += plan(frequency.value, start.isoformat())
    return batches


@shared_task(name="coop.digests.housekeeping")
def housekeeping() -> int:
    """Forget digest records once they are no use to anyone (admins look at recent ones)."""
    removed = services.forget_old_digests(utcnow() - services.KEPT_FOR)
    db.session.commit()
    return removed
