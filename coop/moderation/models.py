from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.uktime import utcnow

TARGETS = "target_type IN ('idea', 'comment', 'proposal', 'member')"


class Report(db.Model):
    """A member's report of an idea or comment. One per member and item."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("reporter_id", "target_type", "target_id", name="uq_reports_once"),
        CheckConstraint("target_type IN ('idea', 'comment')", name="target_type"),
        CheckConstraint(
            "reason IN ('spam', 'abuse', 'personal_data', 'off_topic', 'other')", name="reason"
        ),
        Index("ix_reports_target_open", "target_type", "target_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int]
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModerationAction(db.Model):
    """What a moderator did, to what, and why. Shown to the member it concerns."""

    __tablename__ = "moderation_actions"
    __table_args__ = (CheckConstraint(TARGETS, name="target_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )  # the author or member the action concerns
    action: Mapped[str] = mapped_column(String(20))
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int]
    category: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Appeal(db.Model):
    """A member's single appeal against one action, decided by another organiser."""

    __tablename__ = "appeals"
    __table_args__ = (CheckConstraint("outcome IN ('upheld', 'overturned')", name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("moderation_actions.id", ondelete="CASCADE"), unique=True
    )
    appellant_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    statement: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(12))
    decision_reason: Mapped[str | None] = mapped_column(Text)
