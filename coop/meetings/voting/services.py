"""Voting on a meeting's resolutions: the boxes opened with the notice, casting (one's own
ballot, or a proxy's for their appointer), check-in and the chair's window. Callers commit.

One ballot per member per resolution: every ballot is the member's entry in the box
(BoxVoter), a proxy's included, cast under the box's lock (coop/ballots/services.py). What
is open is checked under that lock too (`_OPEN`): the resolution not closed, the meeting not
started or the chair's window open, the member (the appointer, for a proxy) current on the
register and, for a proxy, no vote of the member's own on the resolution."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Integer, and_, bindparam, delete, exists, or_, select, update

from coop.accounts.models import Member
from coop.audit import services as audit
from coop.ballots import services as ballots
from coop.ballots.models import BallotBox
from coop.db import dialects
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.meetings import services as meetings
from coop.meetings.models import RESOLUTIONS, AgendaItem, Meeting
from coop.meetings.voting import rules
from coop.meetings.voting.models import (
    Attendance,
    MeetingBallot,
    MeetingVoting,
    Proxy,
    ResolutionVote,
)
from coop.membership import signals as membership_signals
from coop.membership.models import Membership
from coop.membership.permissions import current_membership, is_coop_member, offices_of
from coop.proposals.models import CHOICES, WEIGHTS, Choice
from coop.uktime import utcnow

NOT_A_MEMBER = "Only members of the co-operative vote at general meetings."


def settings() -> rules.VotingRules:
    return rules.VotingRules.from_config(current_app.config)


def open_boxes(meeting_id: int) -> int:
    """With the notice: a ballot box for each resolution of the agenda, and the meeting's
    voting row. How many boxes."""
    db.session.add(MeetingVoting(meeting_id=meeting_id))
    items = db.session.scalars(
        select(AgendaItem).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.kind.in_(RESOLUTIONS)
        )
    ).all()
    for item in items:
        box = ballots.open_box(WEIGHTS)
        db.session.add(box)
        db.session.flush()
        db.session.add(ResolutionVote(item_id=item.id, meeting_id=meeting_id, ballot_box_id=box.id))
    db.session.flush()
    return len(items)


# The chair ------------------------------------------------------------------------------------


def voting_of(meeting_id: int, lock: bool = False) -> MeetingVoting:
    statement = select(MeetingVoting).where(MeetingVoting.meeting_id == meeting_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    voting = db.session.scalar(statement)
    if voting is None:
        raise NotFound("Voting opens when notice of the meeting is given.")
    return voting


def is_chair(actor: Member | None, meeting_id: int) -> bool:
    """The officer the secretary named to chair the meeting, or the secretary: both act as
    its chair on the platform (the secretary keeps the meeting's record, and stands in if
    the chair's connection drops)."""
    if meetings.is_secretary(actor):
        return True
    if actor is None or not actor.totp_secret or not offices_of(actor):
        return False
    chair_id = db.session.scalar(
        select(MeetingVoting.chair_id).where(MeetingVoting.meeting_id == meeting_id)
    )
    return chair_id == actor.id


def holds_chair_proxies(actor: Member | None, meeting_id: int) -> bool:
    """Who votes the proxies appointed to "the chair of the meeting": the named chair, or
    the secretary when nobody is named."""
    chair_id = db.session.scalar(
        select(MeetingVoting.chair_id).where(MeetingVoting.meeting_id == meeting_id)
    )
    if chair_id is None:
        return meetings.is_secretary(actor)
    return actor is not None and actor.id == chair_id and is_chair(actor, meeting_id)


def require_chair(actor: Member | None, meeting_id: int) -> None:
    meetings.readable_meeting(actor, meeting_id)
    if not is_chair(actor, meeting_id):
        raise NotAllowed("Only the chair of the meeting or the secretary can do that.")


def name_chair(actor: Member, meeting_id: int, chair_id: int | None) -> None:
    """The secretary names an officer to chair the meeting (None: the secretary chairs)."""
    meetings.readable_meeting(actor, meeting_id)
    if not meetings.is_secretary(actor):
        raise NotAllowed("Only the secretary can name the chair.")
    voting = voting_of(meeting_id, lock=True)
    if voting.closed_at is not None:
        raise Conflict("Voting at this meeting has closed.")
    if chair_id is not None:
        chair = db.session.get(Member, chair_id)
        if chair is None or not offices_of(chair):
            raise Invalid("Choose an officer of the society.", "chair_id")
    voting.chair_id = chair_id
    audit.record(actor, "meeting.chair", "meeting", meeting_id, chair=chair_id)


def open_window(
    actor: Member, meeting_id: int, item_id: int | None, now: datetime | None = None
) -> int:
    """The chair opens the in-meeting window, for one resolution or every open one: members
    present vote, or change their vote, until the chair closes it. Advance votes stand."""
    require_chair(actor, meeting_id)
    now = now or utcnow()
    meeting = db.session.get(Meeting, meeting_id)
    if now < meeting.starts_at:
        raise Conflict("The meeting has not started: members are still voting in advance.")
    statement = update(ResolutionVote).where(
        ResolutionVote.meeting_id == meeting_id,
        ResolutionVote.closed_at.is_(None),
        ResolutionVote.window_opened_at.is_(None),
    )
    if item_id is not None:
        statement = statement.where(ResolutionVote.item_id == item_id)
    opened = db.session.execute(statement.values(window_opened_at=now)).rowcount
    if not opened:
        raise Conflict("There is no resolution whose voting can be opened.")
    audit.record(actor, "meeting.window_open", "meeting", meeting_id, item=item_id, opened=opened)
    return opened


# Check-in --------------------------------------------------------------------------------------


def _check_in(
    actor: Member, meeting: Meeting, membership_id: int, at_door: bool, now: datetime
) -> bool:
    voting = voting_of(meeting.id)
    if not rules.check_in_open(now, meeting.starts_at, settings().check_in_opens, voting.closed_at):
        raise Conflict(
            "Check-in opens shortly before the meeting starts and closes with its voting."
        )
    added = db.session.scalar(
        dialects.insert_or_skip(Attendance.__table__)
        .values(meeting_id=meeting.id, membership_id=membership_id, at_door=at_door,
                checked_in_at=now, checked_in_by_id=actor.id)
        .on_conflict_do_nothing()
        .returning(Attendance.membership_id)
    ) is not None  # fmt: skip
    if added:
        audit.record(actor, "meeting.check_in", "meeting", meeting.id, membership=membership_id,
                     at_door=at_door)  # fmt: skip
    return bool(added)


def check_in(actor: Member, meeting_id: int, now: datetime | None = None) -> bool:
    """A member of the co-operative says they are at the meeting (online or in the room)."""
    meeting = meetings.readable_meeting(actor, meeting_id)
    voting_of(meeting_id)  # a draft has no voting: 404 before anything else
    membership = current_membership(actor.id)
    if membership is None:
        raise NotAllowed(NOT_A_MEMBER)
    return _check_in(actor, meeting, membership.id, False, now or utcnow())


def check_in_at_door(
    actor: Member, meeting_id: int, number: int | None, now: datetime | None = None
) -> bool:
    """The chair checks in a member at the door by their membership number."""
    require_chair(actor, meeting_id)
    if number is None:
        raise Invalid("Enter the membership number.", "number")
    membership = db.session.get(Membership, number)
    if membership is None or membership.ceased_on is not None:
        raise Invalid("No current member of the co-operative has that number.", "number")
    meeting = db.session.get(Meeting, meeting_id)
    return _check_in(actor, meeting, membership.id, True, now or utcnow())


def is_present(member_id: int, meeting_id: int) -> bool:
    return (
        db.session.scalar(
            select(Attendance.membership_id)
            .join(Membership, Membership.id == Attendance.membership_id)
            .where(Attendance.meeting_id == meeting_id, Membership.account_id == member_id)
        )
        is not None
    )


# Casting ---------------------------------------------------------------------------------------

_ITEM = bindparam("item_id", type_=Integer)
_MEMBER = bindparam("member_id", type_=Integer)  # bound by the lock statement: the ballot's owner
_NOW = bindparam("now", type_=Meeting.starts_at.type)
_OPEN = exists().where(
    ResolutionVote.item_id == _ITEM,
    ResolutionVote.ballot_box_id == BallotBox.id,
    ResolutionVote.closed_at.is_(None),
    Meeting.id == ResolutionVote.meeting_id,
    or_(Meeting.starts_at > _NOW, ResolutionVote.window_opened_at.is_not(None)),
    exists().where(Membership.account_id == _MEMBER, Membership.ceased_on.is_(None)),
)
_OWN_VOTE = exists().where(
    MeetingBallot.item_id == _ITEM,
    MeetingBallot.member_id == _MEMBER,
    MeetingBallot.by_proxy.is_(False),
)
_OPEN_TO_PROXY = and_(_OPEN, ~_OWN_VOTE)


@dataclass(frozen=True)
class Cast:
    tracker: bytes
    by_proxy: bool


def cast_vote(
    actor: Member,
    meeting_id: int,
    item_id: int,
    choice: str,
    proxy_id: int | None = None,
    now: datetime | None = None,
) -> Cast:
    """Record or change a vote, encrypted: the actor's own, or (`proxy_id`) the one they
    cast as proxy for the member who appointed them, as that member's ballot."""
    now = now or utcnow()
    meeting = meetings.readable_meeting(actor, meeting_id)
    if choice not in set(Choice):
        raise Invalid("Choose For, Against or Abstain.", "choice")
    vote = db.session.get(ResolutionVote, item_id)
    if vote is None or vote.meeting_id != meeting_id:
        raise NotFound("We could not find that resolution.")
    if proxy_id is None:
        if not is_coop_member(actor):
            raise NotAllowed(NOT_A_MEMBER)
        proxy, voter_id, still_open = None, actor.id, _OPEN
    else:
        proxy = _held(actor, meeting_id, proxy_id)
        voter_id, still_open = proxy.appointer_id, _OPEN_TO_PROXY
    chair_there = proxy is not None and proxy.to_chair
    started = now >= meeting.starts_at and vote.closed_at is None
    if started and not chair_there and not is_present(actor.id, meeting_id):
        raise Conflict("Check in to the meeting first: during it, members present vote.")
    box = db.session.get(BallotBox, vote.ballot_box_id)
    sealed = ballots.seal(box.id, box.public_key, WEIGHTS, CHOICES.index(Choice(choice)))
    if ballots.cast(sealed, voter_id, still_open, {"item_id": item_id, "now": now}) is None:
        _why_not(vote, meeting, voter_id, proxy, now)
    marker = dialects.insert_or_skip(MeetingBallot.__table__).values(
        item_id=item_id, member_id=voter_id, proxy_id=proxy.id if proxy else None,
        by_proxy=proxy is not None, cast_at=now,
    )  # fmt: skip
    db.session.execute(marker.on_conflict_do_update(
        index_elements=[MeetingBallot.item_id, MeetingBallot.member_id],
        set_={"proxy_id": marker.excluded.proxy_id, "by_proxy": marker.excluded.by_proxy,
              "cast_at": marker.excluded.cast_at},
    ))  # fmt: skip
    if proxy is None:
        audit.record(actor, "meeting.vote", "meeting", meeting_id, item=item_id)
    else:  # who voted for whom, never how
        audit.record(actor, "meeting.proxy_vote", "meeting", meeting_id, item=item_id,
                     proxy=proxy.id, appointer=proxy.appointer_id)  # fmt: skip
    return Cast(sealed.tracker, proxy is not None)


def _held(actor: Member, meeting_id: int, proxy_id: int) -> Proxy:
    """A proxy in force that the actor holds, its row locked until the commit: a revocation
    waits for this vote, or this vote finds the proxy revoked."""
    proxy = db.session.scalar(
        select(Proxy)
        .where(Proxy.id == proxy_id, Proxy.meeting_id == meeting_id, Proxy.revoked_at.is_(None))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if proxy is None:
        raise NotFound("You hold no such proxy: it may have been revoked.", "proxy")
    if proxy.to_chair:
        if not holds_chair_proxies(actor, meeting_id):
            raise NotFound("You hold no such proxy: it may have been revoked.", "proxy")
    elif proxy.holder_id != actor.id or not is_coop_member(actor):
        raise NotFound("You hold no such proxy: it may have been revoked.", "proxy")
    return proxy


def _why_not(vote: ResolutionVote, meeting: Meeting, voter_id: int, proxy: Proxy | None, now):
    """Nothing was written: say why."""
    db.session.refresh(vote)
    if vote.closed_at is not None:
        raise Conflict("Voting on this resolution has closed.")
    if now >= meeting.starts_at and vote.window_opened_at is None:
        raise Conflict("The meeting has started: members present vote once the chair opens voting.")
    if current_membership(voter_id) is None:
        if proxy is None:
            raise NotAllowed(NOT_A_MEMBER)
        raise Conflict("The member who appointed you is no longer a member of the co-operative.")
    if proxy is not None:
        raise Conflict("The member who appointed you has voted on this resolution themselves: "
                       "their own vote stands.")  # fmt: skip
    raise Conflict("Voting on this resolution has closed.")


def remove_ballots(member_id: int) -> int:
    """Take this member's ballots out of every resolution still open, and who cast them
    (consent withdrawn, as coop.proposals.services.remove_ballots does for proposals, which
    already sweeps every open box: this also forgets the meeting's record of who cast them,
    so the member no longer counts as having voted for the quorum)."""
    rows = db.session.execute(
        select(ResolutionVote.ballot_box_id, ResolutionVote.item_id)
        .join(MeetingBallot, MeetingBallot.item_id == ResolutionVote.item_id)
        .where(MeetingBallot.member_id == member_id, ResolutionVote.closed_at.is_(None))
        .order_by(ResolutionVote.ballot_box_id)
    ).all()
    removed = sum(ballots.remove(box_id, member_id) for box_id, _item in rows)
    if rows:
        db.session.execute(
            delete(MeetingBallot).where(
                MeetingBallot.member_id == member_id,
                MeetingBallot.item_id.in_([item for _box, item in rows]),
            )
        )
    return removed


@membership_signals.ceased.connect
def _membership_ceased(account_id: int, **_) -> None:
    """A membership ended (in the transaction that ends it): only members vote, so their
    ballots leave every resolution still open (public removal entries), with the record of
    who cast them; the proxy they appointed and the proxies they hold end. A ballot they
    already cast as proxy for a member who is still one stays: it is that member's vote
    (the member may still override it, or appoint another proxy before the deadline)."""
    removed = remove_ballots(account_id)
    now = utcnow()
    ended = db.session.execute(
        update(Proxy)
        .where(
            Proxy.revoked_at.is_(None),
            or_(Proxy.appointer_id == account_id, Proxy.holder_id == account_id),
            Proxy.meeting_id.in_(
                select(MeetingVoting.meeting_id).where(MeetingVoting.closed_at.is_(None))
            ),
        )
        .values(revoked_at=now)
    ).rowcount
    if removed or ended:
        audit.record(None, "meeting.member_ceased", "member", account_id, "membership ended",
                     removed=removed, proxies_ended=ended)  # fmt: skip
