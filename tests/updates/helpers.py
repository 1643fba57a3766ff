"""Helpers for the updates tests: an organiser, updates written through the service, and
what the database and the audit log hold afterwards."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from coop.accounts.models import Role
from coop.accounts.services import find_by_email
from coop.audit.models import AuditEntry
from coop.extensions import db
from coop.uktime import utcnow
from coop.updates.models import Update
from coop.updates.services import publish_update
from tests.factories import signed_in

ORGANISER = "organiser@example.org"


def organiser_client(app):
    return signed_in(app, ORGANISER, "Olu Organiser", Role.ORGANISER)


def make_update(
    app,
    title: str = "Dates for the members' assembly",
    body: str = "The assembly meets **online**.",
    published_at: datetime | None = None,
    author_email: str = ORGANISER,
) -> int:
    """An update by an existing organiser (see organiser_client); returns its id."""
    with app.app_context():
        update = publish_update(find_by_email(author_email), title, body)
        if published_at is not None:
            update.published_at = published_at
        db.session.commit()
        return update.id


def make_updates(app, count: int) -> list[int]:
    """`count` updates a day apart, the last one newest; returns their ids."""
    start = utcnow() - timedelta(days=count)
    return [
        make_update(app, f"Update number {n}", f"Text {n}.", start + timedelta(days=n))
        for n in range(count)
    ]


def load_update(app, update_id: int) -> Update | None:
    with app.app_context():
        update = db.session.get(Update, update_id)
        if update is not None:
            db.session.expunge(update)
        return update


def count_updates(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Update))


def audit_entries(app) -> list[dict]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == "update").order_by(AuditEntry.id)
        )
        return [
            {
                "action": e.action,
                "actor": e.actor_name,
                "target_id": e.target_id,
                "reason": e.reason,
                "details": e.details,
            }
            for e in entries
        ]


def text_of(response) -> str:
    """The page, its whitespace collapsed so that phrases wrapped in templates match."""
    return " ".join(response.get_data(as_text=True).split())


def field_error(response, field: str) -> str:
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html, f"no error beside {field}"
    return html.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
