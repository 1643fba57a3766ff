from sqlalchemy import select

from coop.accounts.models import Role
from coop.audit.models import AuditEntry
from coop.extensions import db
from coop.moderation.models import ModerationAction
from coop.notifications.models import Notification
from tests.support import make_member, submit

ORGANISER, OTHER_ORGANISER, ADMIN = "org@example.org", "org2@example.org", "admin@example.org"
AUTHOR = "member@example.org"


def people(app) -> None:
    make_member(app, email=AUTHOR, name="Ann Author")
    make_member(app, email=ORGANISER, name="Olu Organiser", role=Role.ORGANISER)


def act(client, target_type: str, target_id: int, action: str, reason: str = "Because.", **extra):
    page = f"/moderation/{target_type}/{target_id}"
    return submit(client, page, {"action": action, "reason": reason, **extra})


def rows(app, model, *where):
    with app.app_context():
        found = db.session.scalars(select(model).where(*where).order_by(model.id)).all()
        db.session.expunge_all()
        return found


def notifications_of(app, member_id: int) -> list[str]:
    return [n.message for n in rows(app, Notification, Notification.member_id == member_id)]


def actions(app) -> list[str]:
    return [a.action for a in rows(app, ModerationAction)]


def audited(app) -> list[str]:
    return [
        e.action for e in rows(app, AuditEntry) if e.action.startswith(("moderation", "appeal"))
    ]
