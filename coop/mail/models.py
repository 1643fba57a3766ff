from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.uktime import utcnow


def first_sweep_time() -> datetime:
    """When the sweep takes over if the task handed to Celery after the commit never ran."""
    return utcnow() + timedelta(minutes=1)


class OutboundEmail(db.Model):
    """One email to send. The body is cleared once sent: it may hold a sign-in link.

    A row with `compose_with` is a request not yet written: only the address given, for the
    named task to look up and compose in the worker (coop/mail/requests.py)."""

    __tablename__ = "outbound_emails"
    __table_args__ = (
        Index("ix_outbound_emails_unsent", "sent_at", "failed_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=first_sweep_time)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    compose_with: Mapped[str | None] = mapped_column(String(80))
