"""Helpers for the mail tests: the outbound email rows the database keeps."""

from sqlalchemy import select

from coop.extensions import db
from coop.mail.models import OutboundEmail


def outbox_rows(app) -> list[OutboundEmail]:
    with app.app_context():
        rows = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
        db.session.expunge_all()
        return rows
