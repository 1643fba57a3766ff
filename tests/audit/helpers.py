"""Helpers for the audit tests: the audit log's rows."""

from sqlalchemy import select

from coop.audit.models import AuditEntry
from coop.extensions import db


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        db.session.expunge_all()
        return rows
