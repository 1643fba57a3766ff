from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.uktime import utcnow


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    NONE = "none"


class DigestStatus(StrEnum):
    PENDING = "pending"  # content found, not sent yet (or waiting for a retry)
    SENT = "sent"
    EMPTY = "empty"  # nothing new for this member: no email
    SKIPPED = "skipped"  # the member unsubscribed or left before it went out
    FAILED = "failed"  # gave up after the last attempt; shown to admins


class Digest(db.Model):
    """One member's digest for one period. The unique key makes sending idempotent: beat
    firing twice, two workers or a task delivered twice all meet the same row.

    Deliberately holds no content: what the member has or has not voted on is rebuilt
    from the live tables when the email is rendered, never stored here."""

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("member_id", "frequency", "period_start", name="uq_digests_period"),
        CheckConstraint("frequency IN ('daily', 'weekly')", name="frequency"),
        CheckConstraint(
            "status IN ('pending', 'sent', 'empty', 'skipped', 'failed')", name="status"
        ),
        Index("ix_digests_due", "status", "next_attempt_at"),
        Index("ix_digests_period_status", "frequency", "period_start", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(8))
    # The 07:00 UK moment that starts the period; content covers what happened before it.
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    covers_from: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default=DigestStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
