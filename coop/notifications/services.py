from sqlalchemy import select, update

from coop.accounts.models import Member
from coop.extensions import db
from coop.mail.services import queue_email
from coop.notifications.models import Notification
from coop.uktime import utcnow
from coop.web import absolute_url, site_path

MESSAGE_MAX = 1000


def notify(member: Member, message: str, link_endpoint: str | None = None, email: bool = True,
           **link_values) -> Notification:  # fmt: skip
    """Tell a member something in the app and, unless `email` is false, by email too."""
    link = site_path(link_endpoint, **link_values) if link_endpoint else None
    if len(message) > MESSAGE_MAX:  # the full text stays where the link points
        message = message[: MESSAGE_MAX - 1] + "…"
    notification = Notification(member_id=member.id, message=message, link=link)
    db.session.add(notification)
    if email:
        queue_email(
            member.email,
            "News about your contribution",
            "notifications/email",
            member_id=member.id,
            member=member,
            message=message,
            link=absolute_url(link_endpoint, **link_values) if link_endpoint else None,
        )
    return notification


def recent(member: Member, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.member_id == member.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(member: Member) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
