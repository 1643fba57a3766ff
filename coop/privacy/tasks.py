"""Celery tasks of the right of access: build a requested archive, purge expired ones."""

import logging

from celery import shared_task

from coop.extensions import db, utcnow
from coop.privacy import export

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
