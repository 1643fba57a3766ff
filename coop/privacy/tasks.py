"""Celery tasks of privacy: build a requested archive, purge expired ones, and erase
accounts whose email address was never confirmed (7 days after joining)."""

import logging
from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.extensions import checkpoint_sqlite, db, utcnow
from coop.privacy import export
from coop.privacy.deletion import purge_unverified, remove_export_files

log = logging.getLogger(__name__)


@shared_task(name="coop.privacy.build_export")
def build_export(export_id: int) -> bool:
    """Takes the export's id only: the member's data never travels through the broker."""
    try:
        built = export.build_export(export_id) is not None
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not build data export %s", export_id)
        export.mark_failed(export_id)
        db.session.commit()
        return False
    return built


@shared_task(name="coop.privacy.purge_exports")
def purge_exports() -> int:
    removed = export.purge_expired_exports(utcnow())
    db.session.commit()
    return removed


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
        "purge-data-exports": {
            "task": "coop.privacy.purge_exports",
            "schedule": crontab(minute="*/15"),  # soon after a held ballot is counted
        },
    }
