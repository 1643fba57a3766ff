from celery import shared_task

from coop.proposals.services import close_due_proposals


@shared_task(name="coop.proposals.close_due")
def close_due() -> int:
    """Close every vote whose window has ended, even if nobody visits its page."""
    return close_due_proposals()
