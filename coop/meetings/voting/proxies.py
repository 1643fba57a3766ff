"""Proxies, where the society's rules allow them (COOP_GM_PROXIES): a member of the
co-operative appoints another member, or the chair of the meeting, to vote for them, until
the deadline before the meeting; revocably until then. Callers commit.

Appointments to one meeting are made one at a time (the meeting's voting row is locked), so
two at once cannot make a chain (A to B while B appoints C) or pass a holder's limit. A
revocation locks the proxy's row, as a proxy's vote does: either the vote comes first and
the revocation takes its ballots out, or the vote finds the proxy revoked."""

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from coop.accounts.models import Member
from coop.audit import services as audit
from coop.ballots import services as ballots
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.meetings import services as meetings
from coop.meetings.models import Meeting
from coop.meetings.voting import rules
from coop.meetings.voting.models import MeetingBallot, Proxy, ResolutionVote
from coop.meetings.voting.services import NOT_A_MEMBER, settings, voting_of
from coop.membership.models import Membership
from coop.membership.permissions import is_coop_member
from coop.uktime import uk_when, utcnow


def _allowed(actor: Member, meeting_id: int, now: datetime) -> Meeting:
    meeting = meetings.readable_meeting(actor, meeting_id)
    voting_of(meeting_id)  # a draft has no voting: 404 before anything else
    if not settings().proxies:
        raise NotAllowed("The society's rules do not allow voting by proxy.")
    if not is_coop_member(actor):
        raise NotAllowed(NOT_A_MEMBER)
    deadline = rules.proxy_deadline(meeting.starts_at, settings().proxy_deadline)
    if now > deadline:
        raise Conflict(
            f"Proxies for this meeting could be appointed or revoked until {uk_when(deadline)}."
        )
    return meeting


def in_force(meeting_id: int, appointer_id: int) -> Proxy | None:
    return db.session.scalar(
        select(Proxy).where(
            Proxy.meeting_id == meeting_id,
            Proxy.appointer_id == appointer_id,
            Proxy.revoked_at.is_(None),
        )
    )


def appoint(
    actor: Member, meeting_id: int, to_chair: bool, number: int | None, now: datetime | None = None
) -> Proxy:
    """Appoint the chair of the meeting, or the member with membership `number`."""
    now = now or utcnow()
    _allowed(actor, meeting_id, now)
    voting_of(meeting_id, lock=True)  # one appointment to this meeting at a time
    if in_force(meeting_id, actor.id) is not None:
        raise Conflict(
            "You have appointed a proxy for this meeting: revoke it first to choose another."
        )
    holds = select(func.count()).where(
        Proxy.meeting_id == meeting_id, Proxy.holder_id == actor.id, Proxy.revoked_at.is_(None)
    )
    if db.session.scalar(holds):
        raise Conflict("Members have appointed you as their proxy: a proxy cannot appoint one.")
    holder_id = None
    if not to_chair:
        holder_id = _holder(actor, meeting_id, number)
    proxy = Proxy(meeting_id=meeting_id, appointer_id=actor.id, holder_id=holder_id,
                  to_chair=to_chair, appointed_at=now)  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(proxy)
    except IntegrityError:
        raise Conflict("You have appointed a proxy for this meeting already.") from None
    audit.record(actor, "meeting.proxy_appoint", "meeting", meeting_id, proxy=proxy.id,
                 holder=holder_id, to_chair=to_chair)  # fmt: skip
    return proxy


def _holder(actor: Member, meeting_id: int, number: int | None) -> int:
    if number is None:
        raise Invalid("Enter the membership number of the member you appoint.", "number")
    membership = db.session.get(Membership, number)
    if membership is None or membership.ceased_on is not None or membership.account_id is None:
        raise Invalid("No member of the co-operative with an account has that number.", "number")
    if membership.account_id == actor.id:
        raise Invalid("You cannot appoint yourself.", "number")
    if in_force(meeting_id, membership.account_id) is not None:
        raise Invalid("That member has appointed a proxy themselves: choose another.", "number")
    limit = settings().proxy_max_per_holder
    held = select(func.count()).where(
        Proxy.meeting_id == meeting_id,
        Proxy.holder_id == membership.account_id,
        Proxy.revoked_at.is_(None),
    )
    if limit and db.session.scalar(held) >= limit:
        raise Invalid(f"That member holds {limit} proxies, the most the rules allow.", "number")
    return membership.account_id


def revoke(actor: Member, meeting_id: int, now: datetime | None = None) -> int:
    """Revoke the actor's proxy: any ballot the proxy cast for them is taken out (their own
    votes stand). How many ballots were taken out."""
    now = now or utcnow()
    _allowed(actor, meeting_id, now)
    proxy = db.session.scalar(
        select(Proxy)
        .where(
            Proxy.meeting_id == meeting_id,
            Proxy.appointer_id == actor.id,
            Proxy.revoked_at.is_(None),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if proxy is None:
        raise NotFound("You have no proxy in force for this meeting.")
    proxy.revoked_at = now
    db.session.flush()
    cast = db.session.execute(  # read after the lock: every vote the proxy committed
        select(ResolutionVote.ballot_box_id, MeetingBallot.item_id)
        .join(ResolutionVote, ResolutionVote.item_id == MeetingBallot.item_id)
        .where(MeetingBallot.proxy_id == proxy.id)
        .order_by(ResolutionVote.ballot_box_id)
    ).all()
    removed = sum(ballots.remove(box_id, actor.id) for box_id, _item in cast)
    db.session.execute(delete(MeetingBallot).where(MeetingBallot.proxy_id == proxy.id))
    audit.record(actor, "meeting.proxy_revoke", "meeting", meeting_id, proxy=proxy.id,
                 removed=removed)  # fmt: skip
    return removed
