"""Daily erasure of accounts whose email address was never confirmed (7 days after joining)."""

from celery import shared_task

from coop.extensions import checkpoint_sqlite, db, utcnow
from coop.privacy.deletion import purge_unverified, remove_export_files


@shared_task(name="coop.privacy.purge_unverified")
def purge_unverified_accounts() -> int:
    """Idempotent: a second run finds nothing left to erase. Returns the accounts erased."""
    erasure = purge_unverified(utcnow())
    db.session.commit()
    if erasure.accounts:
        checkpoint_sqlite()
    remove_export_files(erasure.export_files)
    return erasure.accounts
