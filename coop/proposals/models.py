from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from coop.ideas.models import Idea

QUESTION_MAX = 200
BODY_MAX = 10_000


class Rule(StrEnum):
    MAJORITY = "majority"
    TWO_THIRDS = "two_thirds"
    THREE_QUARTERS = "three_quarters"


RULE_LABELS = {
    Rule.MAJORITY: "Simple majority: more For than Against",
    Rule.TWO_THIRDS: "Two thirds of For and Against votes",
    Rule.THREE_QUARTERS: "Three quarters of For and Against votes (changes to our rules)",
}


class Choice(StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class Visibility(StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"


class Proposal(db.Model):
    """A question put to the membership, with its window, rule and (once closed) result."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("rule IN ('majority', 'two_thirds', 'three_quarters')", name="rule"),
        CheckConstraint("visibility IN ('public', 'members')", name="visibility"),
        CheckConstraint("outcome IN ('carried', 'not_carried')", name="outcome"),
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("quorum_percent BETWEEN 1 AND 100", name="quorum"),
        CheckConstraint(f"length(question) BETWEEN 1 AND {QUESTION_MAX}", name="question_length"),
        Index("ix_proposals_closes_open", "closed_at", "closes_at"),
        # An idea can be put to a vote again after a withdrawn one, never twice at once.
        Index(
            "uq_proposals_active_idea",
            "idea_id",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
            sqlite_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(String(QUESTION_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str] = mapped_column(String(16), default=Rule.MAJORITY)
    quorum_percent: Mapped[int | None]
    visibility: Mapped[str] = mapped_column(String(8), default=Visibility.PUBLIC)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))
    comment_count: Mapped[int] = mapped_column(default=0)
    comments_locked: Mapped[bool] = mapped_column(default=False)
    # The published result, written once when the vote closes.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    electorate: Mapped[int | None]
    quorum_met: Mapped[bool | None]
    outcome: Mapped[str | None] = mapped_column(String(12))

    idea: Mapped["Idea | None"] = relationship(lazy="joined")

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[Rule(self.rule)]

    def is_open_at(self, moment: datetime) -> bool:
        return (
            self.withdrawn_at is None
            and self.closed_at is None
            and self.opens_at <= moment < self.closes_at
        )

    @property
    def turnout(self) -> int | None:
        if self.closed_at is None or self.outcome is None:
            return None
        return (self.votes_for or 0) + (self.votes_against or 0) + (self.votes_abstain or 0)


class Vote(db.Model):
    """A secret ballot while the vote is open. Deleted when the vote closes and is counted,
    so afterwards nobody, the platform included, knows how a member voted."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("proposal_id", "member_id", name="uq_votes_proposal_member"),
        CheckConstraint("choice IN ('for', 'against', 'abstain')", name="choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    # Emptied when the member deletes their account: the ballot still counts, anonymously.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    choice: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoteParticipation(db.Model):
    """Who took part in a closed vote (for turnout and the member's own record), written when
    the vote closes and its ballots are deleted. No choice, no time, and rows written in
    member order, not voting order: nothing here can be matched to how anyone voted."""

    __tablename__ = "vote_participations"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
