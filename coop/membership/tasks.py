from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.extensions import db
from coop.membership.services import forget_expired


@shared_task(name="coop.membership.forget_expired")
def forget_expired_entries() -> int:
    """Remove register entries, terms of office and applications the society no longer
    keeps (COOP_REGISTER_KEEP_YEARS, COOP_REFUSED_KEEP_DAYS)."""
    removed = forget_expired()
    db.session.commit()
    return removed


def beat_schedule(_config: Mapping) -> dict:
    return {
        "forget-expired-register-entries": {
            "task": "coop.membership.forget_expired",
            "schedule": crontab(hour=3, minute=40),
        }
    }
