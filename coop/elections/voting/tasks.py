import logging
from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.ballots.services import destroy_spent_keys
from coop.elections.voting import counting, services
from coop.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="coop.elections.voting.close_due")
def close_due() -> int:
    """Each minute: fix the candidates of every election whose nominations have closed,
    and count every vote whose window has ended (claimed by one UPDATE, so two workers
    never count one twice). Each election is its own unit of work: one that fails is
    rolled back and logged, and the others are still done."""
    for election_id in services.due_to_fix():
        try:
            services.fix_candidates(election_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("The candidates of election %s could not be fixed", election_id)
    counted = 0
    for election_id in counting.due_vote_ids():
        try:
            counted += counting.close_vote(election_id)
        except Exception:
            db.session.rollback()
            log.exception("Election %s could not be counted", election_id)
    destroy_spent_keys()
    return counted


def beat_schedule(_config: Mapping) -> dict:
    return {
        "close-due-elections": {"task": "coop.elections.voting.close_due", "schedule": crontab()}
    }
