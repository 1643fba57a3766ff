"""Celery tasks of the right of access: build a requested archive, purge expired ones."""

import logging
from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.extensions import db
from coop.privacy.export import services as export
from coop.uktime import utcnow

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


def beat_schedule(_config: Mapping) -> dict:
    return {
        "purge-data-exports": {
            "task": "coop.privacy.purge_exports",
            "schedule": crontab(minute="*/15"),  # soon after a held ballot is counted
        },
    }
