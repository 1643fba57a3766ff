from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.moderation.states import STATE_VALUES as MODERATION_STATES
from coop.moderation.states import ModerationState
from coop.uktime import utcnow

if TYPE_CHECKING:
    from coop.accounts.models import Member

COMMENT_MAX = 5_000


class Comment(db.Model):
    """A comment on an idea or a proposal; replies go one level deep."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("(idea_id IS NULL) <> (proposal_id IS NULL)", name="on_idea_or_proposal"),
        CheckConstraint(f"length(body) <= {COMMENT_MAX}", name="body_length"),
        CheckConstraint(f"moderation_state IN ({MODERATION_STATES})", name="moderation_state"),
        Index("ix_comments_idea_created", "idea_id", "created_at"),
        Index("ix_comments_proposal_created", "proposal_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderation_state: Mapped[str] = mapped_column(String(12), default=ModerationState.PUBLISHED)
    moderation_category: Mapped[str | None] = mapped_column(String(20))
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    report_count: Mapped[int] = mapped_column(default=0)

    author: Mapped["Member | None"] = relationship(lazy="joined")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_published(self) -> bool:
        return self.moderation_state == ModerationState.PUBLISHED


class CommentRevision(db.Model):
    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
