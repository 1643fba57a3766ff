from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from coop.accounts.models import Member
from coop.extensions import UTCDateTime, db, utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_member_unread", "member_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(1000))
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The count in every signed-in page's navigation: loaded with the signed-in member
# (coop/accounts/sessions.py), in the same statement, rather than by a query of its own.
Member.unread_notifications = column_property(
    select(func.count())
    .where(Notification.member_id == Member.id, Notification.read_at.is_(None))
    .correlate_except(Notification)
    .scalar_subquery(),
    deferred=True,
)
