"""What voting on a meeting's resolutions keeps: each resolution's box and result, who cast
a member's current ballot (themselves or a proxy), who checked in, and proxies.

What is open when: from notice to the meeting's start every resolution takes advance votes;
from the start only the resolutions whose in-meeting window the chair opened, and only from
members present (checked in); once the chair (or, failing them, the safety task) closes a
resolution's voting it is counted and takes nothing more."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime, one_of
from coop.extensions import db
from coop.uktime import utcnow


class Outcome(StrEnum):
    CARRIED = "carried"
    NOT_CARRIED = "not_carried"
    INQUORATE = "inquorate"  # no business can be transacted: not carried, whatever the votes
    # a confirmation (s.111(2) of the Act) whose first stage was not carried: nothing to confirm
    FIRST_FAILED = "first_failed"


OUTCOME_LABELS = {
    Outcome.CARRIED: "Carried",
    Outcome.NOT_CARRIED: "Not carried",
    Outcome.INQUORATE: "Not carried: the meeting was not quorate, so it could transact no business",
    Outcome.FIRST_FAILED: "Not carried: the first stage of this resolution was not passed, so "
    "there was nothing to confirm",
}


class MeetingVoting(db.Model):
    """A noticed meeting's voting: who chairs it (an officer the secretary names; else the
    secretary) and when its voting closed, with the quorum as it stood then."""

    __tablename__ = "meeting_votings"
    __table_args__ = (CheckConstraint("present >= 0 AND needed >= 0", name="quorum"),)

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("general_meetings.id", ondelete="RESTRICT"), primary_key=True
    )
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None]  # None: the safety task closed it
    present: Mapped[int | None]
    needed: Mapped[int | None]


class ResolutionVote(db.Model):
    """One resolution's ballot box, its in-meeting window and, once closed, its result."""

    __tablename__ = "resolution_votes"
    __table_args__ = (
        CheckConstraint(one_of("outcome", Outcome), name="outcome"),
        CheckConstraint("(closed_at IS NULL) = (outcome IS NULL)", name="result"),
        Index("ix_resolution_votes_meeting", "meeting_id"),
    )

    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="RESTRICT"), primary_key=True
    )
    meeting_id: Mapped[int] = mapped_column(ForeignKey("general_meetings.id", ondelete="RESTRICT"))
    ballot_box_id: Mapped[int] = mapped_column(ForeignKey("ballot_boxes.id"), unique=True)
    window_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    present: Mapped[int | None]  # the quorum when it closed
    needed: Mapped[int | None]
    outcome: Mapped[str | None] = mapped_column(String(16))


class Proxy(db.Model):
    """A member's appointment of a proxy for one meeting: another member of the
    co-operative, or the chair of the meeting (holder_id NULL). At most one in force per
    member and meeting; revoked, never changed."""

    __tablename__ = "meeting_proxies"
    __table_args__ = (
        CheckConstraint("(holder_id IS NULL) = to_chair", name="holder"),
        CheckConstraint("holder_id IS NULL OR holder_id <> appointer_id", name="not_self"),
        Index(
            "uq_meeting_proxies_in_force",
            "meeting_id",
            "appointer_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index("ix_meeting_proxies_holder", "meeting_id", "holder_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("general_meetings.id", ondelete="RESTRICT"))
    appointer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    to_chair: Mapped[bool] = mapped_column(default=False)
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MeetingBallot(db.Model):
    """Who cast a member's current ballot on a resolution: the member (`by_proxy` false) or
    their proxy (`proxy_id`). A member's own vote takes precedence: a proxy cannot replace
    it. A proxy-cast ballot stays one when its proxy row goes (the holder's account deleted:
    proxy_id SET NULL): still the appointer's ballot, which the appointer may override."""

    __tablename__ = "meeting_ballots"
    __table_args__ = (CheckConstraint("by_proxy OR proxy_id IS NULL", name="by_proxy"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="RESTRICT"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    proxy_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_proxies.id", ondelete="SET NULL"), index=True
    )
    by_proxy: Mapped[bool] = mapped_column(default=False)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(db.Model):
    """A member of the co-operative present at the meeting: checked in online by themselves
    or at the door by the chair (by membership number, so a member with no account counts)."""

    __tablename__ = "meeting_attendance"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("general_meetings.id", ondelete="RESTRICT"), primary_key=True
    )
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True
    )
    at_door: Mapped[bool] = mapped_column(default=False)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_by_id: Mapped[int | None]
