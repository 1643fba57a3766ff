from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.moderation.states import STATE_VALUES as MODERATION_STATES
from coop.moderation.states import ModerationState
from coop.uktime import utcnow

if TYPE_CHECKING:
    from coop.accounts.models import Member
    from coop.common_ground.models import IdeaScore
    from coop.proposals.models import Proposal

TITLE_MAX = 140
BODY_MAX = 10_000


class Stage(StrEnum):
    """Where an idea (or the proposal made of it) stands; shown everywhere."""

    DISCUSSION = "discussion"
    VOTING = "voting"
    CARRIED = "carried"
    NOT_CARRIED = "not_carried"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.DISCUSSION: "Open for discussion",
    Stage.VOTING: "Voting",
    Stage.CARRIED: "Carried",
    Stage.NOT_CARRIED: "Not carried",
    Stage.WITHDRAWN: "Withdrawn",
    Stage.DECLINED: "Declined",
}
STAGE_VALUES = ", ".join(f"'{stage.value}'" for stage in Stage)


class Topic(db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(280), default="")
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


LIST_ORDERS = {
    "newest": ("created_at", "id"),
    "supported": ("support_count", "id"),
    "discussed": ("comment_count", "id"),
    "common": ("common_ground_rank", "id"),
    "trending": ("trending_count", "support_count", "id"),
}
_PUBLISHED = text("moderation_state = 'published'")
_PUBLISHED_ONLY = {"postgresql_where": _PUBLISHED, "sqlite_where": _PUBLISHED}


class Idea(db.Model):
    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint(f"stage IN ({STAGE_VALUES})", name="stage"),
        CheckConstraint(f"length(title) BETWEEN 1 AND {TITLE_MAX}", name="title_length"),
        CheckConstraint(f"length(body) <= {BODY_MAX}", name="body_length"),
        CheckConstraint("support_count >= 0 AND oppose_count >= 0", name="counts"),
        CheckConstraint(f"moderation_state IN ({MODERATION_STATES})", name="moderation_state"),
        Index("ix_ideas_stage_created", "stage", "created_at"),
        Index("ix_ideas_topic_created", "topic_id", "created_at"),
        # One index for each order of the public list, over published ideas only: a page
        # is read from the index whatever the size of the table.
        *(
            Index(f"ix_ideas_list_{name}", *columns, **_PUBLISHED_ONLY)
            for name, columns in LIST_ORDERS.items()
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16), default=Stage.DISCUSSION)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    support_count: Mapped[int] = mapped_column(default=0)
    oppose_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    # Kept for the list's orders. Supports in the last TRENDING_DAYS: moved with each
    # support, recounted by a beat task as old ones age out (coop/ideas/trending.py).
    trending_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Written by each common-ground run (coop/common_ground/services.py): common ground
    # first, then by score.
    common_ground_rank: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # Moderation (see coop/moderation): who may see it, and why it was hidden or declined.
    moderation_state: Mapped[str] = mapped_column(String(12), default=ModerationState.PUBLISHED)
    moderation_category: Mapped[str | None] = mapped_column(String(20))
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    report_count: Mapped[int] = mapped_column(default=0)
    comments_locked: Mapped[bool] = mapped_column(default=False)

    topic: Mapped[Topic] = relationship(lazy="joined", innerjoin=True)
    author: Mapped["Member | None"] = relationship(lazy="joined")
    # For the idea's page, loaded with the idea (services.get_idea): its latest
    # common-ground score and the vote it is put to (one at most; not a withdrawn one).
    score: Mapped["IdeaScore | None"] = relationship(viewonly=True)
    live_proposal: Mapped["Proposal | None"] = relationship(
        primaryjoin="and_(Proposal.idea_id == Idea.id, Proposal.withdrawn_at.is_(None))",
        viewonly=True,
    )
    # Filled in by services.get_idea, in the same query, for the member reading the page:
    # their reaction (1, -1 or 0) and whether they commented on it. None when not loaded.
    reader_reaction: Mapped[int | None] = query_expression()
    reader_commented: Mapped[bool | None] = query_expression()

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[Stage(self.stage)]

    @property
    def is_editable(self) -> bool:
        return self.stage == Stage.DISCUSSION

    @property
    def is_published(self) -> bool:
        return self.moderation_state == ModerationState.PUBLISHED


class IdeaRevision(db.Model):
    """The text of an idea before each edit, oldest first."""

    __tablename__ = "idea_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaCount(db.Model):
    """How many published ideas each topic has at each stage, so that lists can say how
    many ideas they hold without counting the table. Kept by database triggers on ideas
    (migration 0009), whatever code changes an idea."""

    __tablename__ = "idea_counts"
    __table_args__ = (CheckConstraint(f"stage IN ({STAGE_VALUES})", name="stage"),)

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class Reaction(db.Model):
    """A member's support (+1) or opposition (-1). Political opinion: never shown to anyone
    but the member."""

    __tablename__ = "reactions"
    __table_args__ = (
        UniqueConstraint("member_id", "idea_id", name="uq_reactions_member_idea"),
        CheckConstraint("value IN (-1, 1)", name="value"),
        Index("ix_reactions_recent_support", "value", "created_at", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
