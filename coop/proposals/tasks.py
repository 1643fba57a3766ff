from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.ballots.services import destroy_spent_keys
from coop.proposals.services import close_due_proposals


@shared_task(name="coop.proposals.close_due")
def close_due() -> int:
    """Close every vote whose window has ended, even if nobody visits its page, and destroy
    any key no vote needs any more (a withdrawn vote's, one whose creation rolled back)."""
    closed = close_due_proposals()
    destroy_spent_keys()
    return closed


def beat_schedule(_config: Mapping) -> dict:
    return {"close-due-proposals": {"task": "coop.proposals.close_due", "schedule": crontab()}}
