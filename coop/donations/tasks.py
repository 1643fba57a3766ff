from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.donations.online.services import forget_unpaid
from coop.donations.services import forget_expired, undecided_reminders
from coop.extensions import db


@shared_task(name="coop.donations.remind")
def remind_undecided() -> int:
    """Day 20 of 30: tell the treasurers which gifts are still undecided."""
    count = undecided_reminders()
    db.session.commit()
    return count


@shared_task(name="coop.donations.forget_unpaid")
def forget_unpaid_checkouts() -> int:
    """Checkouts never paid: their donors' details are not kept for nothing."""
    count = forget_unpaid()
    db.session.commit()
    return count


@shared_task(name="coop.donations.forget_expired")
def forget_expired_gifts() -> int:
    """Gifts past the retention period, with their history: removed."""
    count = forget_expired()
    db.session.commit()
    return count


def beat_schedule(_config: Mapping) -> dict:
    return {
        "forget-expired-gifts": {
            "task": "coop.donations.forget_expired",
            "schedule": crontab(hour=3, minute=55),
        },
        "forget-unpaid-checkouts": {
            "task": "coop.donations.forget_unpaid",
            "schedule": crontab(hour=3, minute=50),
        },
        "remind-undecided-gifts": {
            "task": "coop.donations.remind",
            "schedule": crontab(hour=8, minute=0),
        },
    }
