from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.uktime import utcnow

if TYPE_CHECKING:
    from coop.ballots.models import BallotBox
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


# The order of the choices in a proposal's ballot box and the weight each adds to the
# encrypted total: For counts in units, Against in units of 2^32, Abstain adds nothing
# (abstentions are the counted ballots less the others). See coop/ballots/crypto.py.
CHOICES = (Choice.FOR, Choice.AGAINST, Choice.ABSTAIN)
WEIGHTS = (1, 2**32, 0)


class Visibility(StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"


class Electorate(StrEnum):
    """Who votes: every confirmed supporter (a consultative vote) or the members of the
    co-operative only (binding on the co-operative)."""

    SUPPORTERS = "supporters"
    MEMBERS = "members"


ELECTORATE_LABELS = {
    Electorate.SUPPORTERS: "Consultative: every confirmed supporter of the network votes",
    Electorate.MEMBERS: "Binding: only members of the co-operative vote",
}


class Proposal(db.Model):
    """A question put to the membership, with its window, rule and (once closed) result."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("rule IN ('majority', 'two_thirds', 'three_quarters')", name="rule"),
        CheckConstraint("visibility IN ('public', 'members')", name="visibility"),
        CheckConstraint("electorate_kind IN ('supporters', 'members')", name="electorate_kind"),
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
    ballot_box_id: Mapped[int] = mapped_column(ForeignKey("ballot_boxes.id"))
    question: Mapped[str] = mapped_column(String(QUESTION_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str] = mapped_column(String(16), default=Rule.MAJORITY)
    quorum_percent: Mapped[int | None]
    visibility: Mapped[str] = mapped_column(String(8), default=Visibility.PUBLIC)
    electorate_kind: Mapped[str] = mapped_column(
        String(12), default=Electorate.SUPPORTERS, server_default=Electorate.SUPPORTERS.value
    )
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
    ballot_box: Mapped["BallotBox"] = relationship(lazy="select")

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def electorate_label(self) -> str:
        return ELECTORATE_LABELS[Electorate(self.electorate_kind)]

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[Rule(self.rule)]

    def is_open_at(self, moment: datetime) -> bool:
        return (
            self.withdrawn_at is None
            and self.closed_at is None
            and self.opens_at <= moment < self.closes_at
        )

    def is_due_at(self, moment: datetime) -> bool:
        """Past its closing time but not yet counted (nor withdrawn)."""
        return self.withdrawn_at is None and self.closed_at is None and moment >= self.closes_at

    @property
    def turnout(self) -> int | None:
        if self.closed_at is None or self.outcome is None:
            return None
        return (self.votes_for or 0) + (self.votes_against or 0) + (self.votes_abstain or 0)
