from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.meetings.voting.closing import close_due


@shared_task(name="coop.meetings.voting.close_due")
def close_due_meetings() -> int:
    """Close and count the voting of every meeting that nobody closed by the safety time
    (COOP_GM_VOTING_CLOSES_AFTER_HOURS after it started); destroy the spent keys."""
    return close_due()


def beat_schedule(_config: Mapping) -> dict:
    return {
        "close-due-meeting-votes": {
            "task": "coop.meetings.voting.close_due",
            "schedule": crontab(minute="*/5"),
        }
    }
