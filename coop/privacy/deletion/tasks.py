"""Daily erasure of accounts whose email address was never confirmed (7 days after joining)."""

from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.db.dialects import checkpoint_sqlite
from coop.extensions import db
from coop.privacy.deletion.services import purge_unverified, remove_export_files
from coop.uktime import utcnow


@shared_task(name="coop.privacy.purge_unverified")
def purge_unverified_accounts() -> int:
    """Idempotent: a second run finds nothing left to erase. Returns the accounts erased."""
    erasure = purge_unverified(utcnow())
    db.session.commit()
    if erasure.accounts:
        checkpoint_sqlite()
    remove_export_files(erasure.export_files)
    return erasure.accounts


def beat_schedule(_config: Mapping) -> dict:
    return {
        "purge-unverified-accounts": {
            "task": "coop.privacy.purge_unverified",
            "schedule": crontab(hour=3, minute=45),
        },
    }
