from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.donations.services import undecided_reminders
from coop.extensions import db


@shared_task(name="coop.donations.remind")
def remind_undecided() -> int:
    """Day 20 of 30: tell the treasurers which gifts are still undecided."""
    count = undecided_reminders()
    db.session.commit()
    return count


def beat_schedule(_config: Mapping) -> dict:
    return {
        "remind-undecided-gifts": {
            "task": "coop.donations.remind",
            "schedule": crontab(hour=8, minute=0),
        }
    }
