"""The reads for voting pages: turnout (never a running total), quorum, a member's ballots
and proxies. Counts come from SQL."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from coop.accounts.models import Member
from coop.ballots.models import Ballot, BoxVoter
from coop.extensions import db
from coop.meetings.models import AgendaItem
from coop.meetings.voting import rules
from coop.meetings.voting.models import (
    OUTCOME_LABELS,
    Attendance,
    MeetingBallot,
    MeetingVoting,
    Proxy,
    ResolutionVote,
)
from coop.membership.models import Membership
from coop.uktime import utcnow


def current_members() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.ceased_on.is_(None))
    )


def present(meeting_id: int, proxies_count: bool) -> int:
    """Current members who count toward the quorum: checked in, voted on any resolution
    themselves, or (where the rules count them) represented by a proxy in force whose
    holder is the chair, is checked in, or voted for them."""
    member = Membership
    checked_in = exists().where(
        Attendance.meeting_id == meeting_id, Attendance.membership_id == member.id
    )
    voted = exists().where(
        MeetingBallot.member_id == member.account_id,
        MeetingBallot.by_proxy.is_(False),
        ResolutionVote.item_id == MeetingBallot.item_id,
        ResolutionVote.meeting_id == meeting_id,
    )
    counted = [checked_in, voted]
    if proxies_count:
        holder = aliased(Membership)
        holder_there = (
            exists()
            .where(
                Attendance.meeting_id == meeting_id,
                Attendance.membership_id == holder.id,
                holder.account_id == Proxy.holder_id,
            )
            .correlate(Proxy)
        )
        proxy_voted = exists().where(MeetingBallot.proxy_id == Proxy.id).correlate(Proxy)
        counted.append(
            exists()
            .where(
                Proxy.meeting_id == meeting_id,
                Proxy.appointer_id == member.account_id,
                Proxy.revoked_at.is_(None),
                or_(Proxy.to_chair, holder_there, proxy_voted),
            )
            .correlate(member)
        )
    return db.session.scalar(
        select(func.count()).select_from(member).where(member.ceased_on.is_(None), or_(*counted))
    )


@dataclass(frozen=True)
class Resolution:
    item: AgendaItem
    vote: ResolutionVote
    turnout: int


def resolutions(meeting_id: int) -> list[Resolution]:
    """Each resolution with its box's state and turnout, in agenda order: one statement."""
    turnout = (
        select(func.count())
        .where(BoxVoter.box_id == ResolutionVote.ballot_box_id)
        .correlate(ResolutionVote)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(AgendaItem, ResolutionVote, turnout)
        .join(ResolutionVote, ResolutionVote.item_id == AgendaItem.id)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(AgendaItem.position)
    ).all()
    return [Resolution(*row) for row in rows]


def voting(meeting_id: int) -> MeetingVoting | None:
    return db.session.get(MeetingVoting, meeting_id)


@dataclass(frozen=True)
class MyBallot:
    tracker: bytes
    by_proxy: bool


def ballots_of(member_id: int, meeting_id: int) -> dict[int, MyBallot]:
    """The member's current ballot on each resolution (its tracker) and whether their proxy
    cast it: never how."""
    rows = db.session.execute(
        select(ResolutionVote.item_id, Ballot.tracker, MeetingBallot.by_proxy)
        .join(BoxVoter, BoxVoter.box_id == ResolutionVote.ballot_box_id)
        .join(Ballot, Ballot.id == BoxVoter.ballot_id)
        .outerjoin(
            MeetingBallot,
            (MeetingBallot.item_id == ResolutionVote.item_id)
            & (MeetingBallot.member_id == BoxVoter.member_id),
        )
        .where(ResolutionVote.meeting_id == meeting_id, BoxVoter.member_id == member_id)
    ).all()
    return {item: MyBallot(tracker, bool(by_proxy)) for item, tracker, by_proxy in rows}


def proxy_of(meeting_id: int, appointer_id: int) -> tuple[Proxy, str] | None:
    """The member's proxy in force and the holder's name."""
    row = db.session.execute(
        select(Proxy, Member.display_name)
        .outerjoin(Member, Member.id == Proxy.holder_id)
        .where(
            Proxy.meeting_id == meeting_id,
            Proxy.appointer_id == appointer_id,
            Proxy.revoked_at.is_(None),
        )
    ).first()
    return (row[0], row[1] or "the chair of the meeting") if row else None


@dataclass(frozen=True)
class Held:
    proxy: Proxy
    appointer: str
    voted: frozenset[int]  # the items the proxy has a current ballot on for them


def held(meeting_id: int, holder_id: int, chair: bool) -> list[Held]:
    """The proxies in force that this member holds (and, for the chair, those to the chair)."""
    whose = Proxy.holder_id == holder_id
    if chair:
        whose = or_(whose, Proxy.to_chair)
    rows = db.session.execute(
        select(Proxy, Member.display_name)
        .join(Member, Member.id == Proxy.appointer_id)
        .where(Proxy.meeting_id == meeting_id, Proxy.revoked_at.is_(None), whose)
        .order_by(Proxy.id)
    ).all()
    voted: dict[int, set[int]] = {}
    if rows:
        for proxy_id, item_id in db.session.execute(
            select(MeetingBallot.proxy_id, MeetingBallot.item_id).where(
                MeetingBallot.proxy_id.in_([proxy.id for proxy, _ in rows])
            )
        ):
            voted.setdefault(proxy_id, set()).add(item_id)
    return [Held(proxy, name, frozenset(voted.get(proxy.id, ()))) for proxy, name in rows]


def attendance(meeting_id: int) -> int:
    return db.session.scalar(select(func.count()).where(Attendance.meeting_id == meeting_id))


def checked_in(meeting_id: int, member_id: int) -> bool:
    return (
        db.session.scalar(
            select(Attendance.membership_id)
            .join(Membership, Membership.id == Attendance.membership_id)
            .where(Attendance.meeting_id == meeting_id, Membership.account_id == member_id)
        )
        is not None
    )


def quorum(meeting_id: int) -> dict:
    """Present, needed and reached: as it stood when voting closed, else now."""
    found = voting(meeting_id)
    settings = rules.VotingRules.from_config(current_app.config)
    if found is not None and found.closed_at is not None:
        present_now, needed = found.present, found.needed
    else:
        present_now = present(meeting_id, settings.proxies_count_for_quorum)
        needed = settings.quorum(current_members())
    return {"present": present_now, "needed": needed, "reached": present_now >= needed}


def meeting_context(meeting) -> dict:
    """What the meeting's page shows of voting: each resolution's state and turnout, the
    quorum, and the results once counted."""
    if meeting.is_draft:
        return {"resolutions": []}
    now = utcnow()
    return {
        "resolutions": resolutions(meeting.id), "quorum": quorum(meeting.id),
        "phase": lambda vote: rules.phase(
            now, meeting.starts_at, vote.window_opened_at, vote.closed_at
        ),
        "outcomes": OUTCOME_LABELS,
    }  # fmt: skip
