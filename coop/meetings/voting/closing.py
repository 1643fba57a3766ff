"""Closing voting on a meeting's resolutions and counting them: by the chair, one resolution
or all of them at the end of the meeting, or by the safety task that closes what nobody
closed (COOP_GM_VOTING_CLOSES_AFTER_HOURS after the start). Callers commit, then destroy the
spent keys (coop.ballots.services.destroy_spent_keys).

Exactly once: a resolution is claimed by a conditional UPDATE of its row, so two closings at
once (the chair's double click, the chair and the task) count it once; the box's close waits
for every ballot in flight. An inquorate meeting transacts no business: its resolutions are
counted (the record stays checkable) but none is carried, and the result says why.

The confirmation of a two-stage special resolution (s.111(2) of the Act) is carried only if
its first stage was carried at the earlier meeting: counted all the same, it is otherwise
"not carried: the first stage was not passed". While the first stage's voting is still
open, the confirmation's cannot close (409): close the first meeting's voting first."""

import logging
from datetime import datetime

from sqlalchemy import select, update

from coop.accounts.models import Member
from coop.audit import services as audit
from coop.ballots import services as ballots
from coop.ballots.crypto import CryptoError
from coop.ballots.keys import KeyMissing
from coop.ballots.models import BallotBox
from coop.errors import Conflict, Unavailable
from coop.extensions import db
from coop.meetings import minutes
from coop.meetings.models import AgendaItem, ItemKind, Meeting
from coop.meetings.voting import queries, rules
from coop.meetings.voting.models import MeetingVoting, Outcome, ResolutionVote
from coop.meetings.voting.services import require_chair, settings
from coop.proposals.models import CHOICES, Choice
from coop.uktime import utcnow

log = logging.getLogger(__name__)


def close_voting(
    actor: Member | None, meeting_id: int, item_id: int | None = None, now: datetime | None = None
) -> int:
    """Close and count one resolution (`item_id`) or every one still open, which ends the
    meeting's voting and check-in. `actor` None: the safety task. How many were counted."""
    if actor is not None:
        require_chair(actor, meeting_id)
    now = now or utcnow()
    meeting = db.session.get(Meeting, meeting_id)
    if now < meeting.starts_at:
        raise Conflict("Voting closes at the meeting, not before it starts.")
    statement = select(ResolutionVote.item_id).where(
        ResolutionVote.meeting_id == meeting_id, ResolutionVote.closed_at.is_(None)
    )
    if item_id is not None:
        statement = statement.where(ResolutionVote.item_id == item_id)
    rules_now = settings()
    present = queries.present(meeting_id, rules_now.proxies_count_for_quorum)
    needed = rules_now.quorum(queries.current_members())
    open_ids = db.session.scalars(statement.order_by(ResolutionVote.item_id)).all()
    _first_stages_closed(open_ids)
    counted = 0
    for open_id in open_ids:
        counted += _count(open_id, now, present, needed)
    if item_id is not None and not counted:
        raise Conflict("Voting on this resolution has closed already.")
    left = db.session.scalar(
        select(ResolutionVote.item_id)
        .where(ResolutionVote.meeting_id == meeting_id, ResolutionVote.closed_at.is_(None))
        .limit(1)
    )
    ended = 0
    if item_id is None or left is None:
        ended = db.session.execute(
            update(MeetingVoting)
            .where(MeetingVoting.meeting_id == meeting_id, MeetingVoting.closed_at.is_(None))
            .values(closed_at=now, closed_by_id=actor.id if actor else None, present=present,
                    needed=needed)
        ).rowcount  # fmt: skip
    if not counted and not ended:
        raise Conflict("Voting at this meeting has closed already.")
    audit.record(actor, "meeting.close_voting", "meeting", meeting_id, item=item_id,
                 counted=counted, present=present, needed=needed)  # fmt: skip
    return counted


def _first_stage(item: AgendaItem, lock: bool = False) -> ResolutionVote | None:
    """The vote on the first stage this item confirms, if it is a confirmation; `lock`: its
    row locked, so a closing of the first stage in flight is waited for."""
    if item.confirms_id is None:
        return None
    statement = select(ResolutionVote).where(ResolutionVote.item_id == item.confirms_id)
    if lock:
        statement = statement.with_for_update()
    return db.session.scalar(statement.execution_options(populate_existing=True))


def _first_stages_closed(item_ids) -> None:
    """Refuse (409) before anything is claimed if a confirmation's first stage is open."""
    for item_id in item_ids:
        first = _first_stage(db.session.get(AgendaItem, item_id))
        if first is not None and first.closed_at is None:
            raise Conflict(
                "The first stage of a resolution this meeting confirms is still being voted "
                "on at the earlier meeting: close that meeting's voting first."
            )


def _count(item_id: int, now: datetime, present: int, needed: int) -> int:
    claimed = db.session.execute(
        update(ResolutionVote)
        .where(ResolutionVote.item_id == item_id, ResolutionVote.closed_at.is_(None))
        .values(closed_at=now, outcome=Outcome.NOT_CARRIED)
    ).rowcount
    if not claimed:
        return 0  # another closing counted it
    vote = db.session.get(ResolutionVote, item_id, populate_existing=True)
    item = db.session.get(AgendaItem, item_id)
    ballots.close(vote.ballot_box_id, now)  # waits for any ballot being cast
    box = db.session.get(BallotBox, vote.ballot_box_id, populate_existing=True)
    try:
        counts = dict(zip(CHOICES, ballots.count(box), strict=True))
    except (KeyMissing, CryptoError):
        log.exception("Resolution %s could not be counted", item_id)
        raise Unavailable(
            "The votes could not be counted: the key store is unavailable. Nothing was "
            "closed; try again once it is back."
        ) from None
    vote.votes_for = counts[Choice.FOR]
    vote.votes_against = counts[Choice.AGAINST]
    vote.votes_abstain = counts[Choice.ABSTAIN]
    vote.present, vote.needed = present, needed
    vote.outcome = rules.outcome(
        vote.votes_for, vote.votes_against, item.majority, item.majority_more_than,
        quorate=present >= needed,
    )  # fmt: skip
    if item.confirms_id is not None:
        first = _first_stage(item, lock=True)
        if first is not None and first.closed_at is None:
            raise Conflict("The first stage of this resolution is still being voted on.")
        if first is None or first.outcome != Outcome.CARRIED:
            vote.outcome = Outcome.FIRST_FAILED  # s.111(2): nothing passed to confirm
    if item.kind == ItemKind.MINUTES and vote.outcome == Outcome.CARRIED:
        minutes.approve(item_id, now)  # the minutes it links are approved, and fixed
    db.session.flush()
    return 1


def due_meeting_ids(now: datetime | None = None) -> list[int]:
    """Meetings whose voting nobody closed by the safety time after their start."""
    now = now or utcnow()
    latest_start = now - settings().closes_after
    return list(
        db.session.scalars(
            select(MeetingVoting.meeting_id)
            .join(Meeting, Meeting.id == MeetingVoting.meeting_id)
            .where(MeetingVoting.closed_at.is_(None), Meeting.starts_at <= latest_start)
            .order_by(MeetingVoting.meeting_id)
        )
    )


def close_due(now: datetime | None = None) -> int:
    """The safety task's work: each due meeting closed in its own transaction. Commits."""
    closed = 0
    for meeting_id in due_meeting_ids(now):
        try:
            close_voting(None, meeting_id, None, now)
            db.session.commit()
            closed += 1
        except (Conflict, Unavailable):
            db.session.rollback()  # closed meanwhile, or the keys are away: the next run
    ballots.destroy_spent_keys()
    return closed
