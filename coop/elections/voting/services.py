"""An election's vote: the secretary sets its window (and whether an independent scrutineer
runs it); when nominations close the candidates are fixed, in an order drawn from the lot
seed, and either elected unopposed or put to a ranked secret ballot; members cast and
change their ballot until the close. Callers commit.

Secrecy (docs/elections.md, "The ballot"): a ranking is encrypted in the member's request
(coop/ballots/mix.py) and only the ciphertext, its proof and tracker are written, into a
coop/ballots box: one current ballot per member, the same guarantees as a proposal's vote.
Nothing is audited or logged of a choice. Exactly once: casting locks the box row and checks
the window and the member's membership under that lock (coop/ballots/services.cast), so
parallel casts leave one current ballot, and a cast that meets the close writes nothing."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, bindparam, exists, select

from coop.accounts.models import Member
from coop.audit import services as audit
from coop.ballots import mix
from coop.ballots import services as ballots
from coop.ballots.models import BallotBox, BoxVoter
from coop.elections import queries as election_queries
from coop.elections import services as elections
from coop.elections.models import Election
from coop.elections.rules import Window
from coop.elections.voting import notices
from coop.elections.voting.models import (
    CANDIDATES_MAX,
    Candidate,
    ElectionVote,
    Runner,
    VoteState,
)
from coop.elections.voting.rules import (
    RankingError,
    ballot_order,
    election_context,
    read_marks,
    read_ranking,
)
from coop.errors import Conflict, Invalid, NotAllowed
from coop.extensions import db
from coop.meetings.models import Meeting
from coop.membership import signals as membership_signals
from coop.membership.models import Membership
from coop.membership.permissions import is_coop_member, require_secretary
from coop.uktime import from_uk_local, utcnow
from coop.uktime import uk_when as when

log = logging.getLogger(__name__)

NOT_A_MEMBER = "Only members of the co-operative vote in board elections."


def default_days() -> int:
    """The usual length of the vote, offered when the secretary sets it up."""
    return current_app.config["COOP_ELECTION_VOTING_DAYS"]


def vote_of(election_id: int, lock: bool = False) -> ElectionVote | None:
    statement = select(ElectionVote).where(ElectionVote.election_id == election_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(statement)


def candidates_of(vote: ElectionVote) -> list[Candidate]:
    return list(
        db.session.scalars(
            select(Candidate).where(Candidate.vote_id == vote.id).order_by(Candidate.position)
        )
    )


def context_of(vote: ElectionVote, election: Election) -> bytes:
    """The context the vote's ballots are sealed, mixed and opened under: its box and the
    election's parameters as fixed when the box opened (rules.election_context)."""
    paper = [(c.nomination_id, c.name) for c in candidates_of(vote)]
    return election_context(vote.ballot_box_id, paper, election.seats, election.method,
                            election.lot_seed)  # fmt: skip


# Setting up the vote -----------------------------------------------------------------------------


def _moment(local: datetime | None, field: str, what: str) -> datetime:
    if local is None:
        raise Invalid(f"Enter {what}.", field)
    if not 2000 <= local.year <= 2999:
        raise Invalid("Enter a date from the year 2000 to 2999.", field)
    return from_uk_local(local.replace(tzinfo=None, second=0, microsecond=0))


def set_up_vote(
    actor: Member,
    election_id: int,
    opens_local: datetime | None,
    closes_local: datetime | None,
    runner: str,
    now: datetime | None = None,
) -> ElectionVote:
    """The secretary sets when voting opens and closes (UK time): after nominations close,
    and closing no later than the meeting starts. Changeable until voting opens. Where
    nominations have closed already the candidates are fixed at once."""
    require_secretary(actor)
    now = now or utcnow()
    election = elections.readable_election(actor, election_id)
    if runner not in set(Runner):
        raise Invalid("Choose who runs the ballot.", "runner")
    opens = _moment(opens_local, "voting_opens_at", "when voting opens")
    closes = _moment(closes_local, "voting_closes_at", "when voting closes")
    nominations_end = election.closed_at or election.nominations_close_at
    if opens < nominations_end:
        raise Invalid(
            f"Voting must open after nominations close, on {when(nominations_end)}.",
            "voting_opens_at",
        )
    if closes <= opens:
        raise Invalid("Voting must close after it opens.", "voting_closes_at")
    if closes <= now:
        raise Invalid("Voting must close in the future.", "voting_closes_at")
    _, meeting = election_queries.item_and_meeting(election)
    if closes > meeting.starts_at:
        raise Invalid(
            f"Voting must close by the start of the meeting, {when(meeting.starts_at)}.",
            "voting_closes_at",
        )
    vote = vote_of(election_id, lock=True)
    if vote is None:
        vote = ElectionVote(election_id=election_id, created_by_id=actor.id)
        db.session.add(vote)
    elif vote.counted_at is not None or now >= vote.voting_opens_at:
        raise Conflict("Voting has opened or the result is in: its details are fixed.")
    elif vote.candidates_fixed_at is not None and runner != vote.runner:
        raise Conflict("The candidates are on the ballot paper: who runs the ballot is fixed.")
    vote.voting_opens_at, vote.voting_closes_at, vote.runner = opens, closes, runner
    db.session.flush()
    audit.record(actor, "election.voting_set_up", "election", election_id, runner=runner,
                 opens=opens.isoformat(), closes=closes.isoformat())  # fmt: skip
    fix_candidates(election_id, now)
    return vote


def fix_candidates_on_read(election_id: int) -> bool:
    """As `fix_candidates`, for a page read: an election whose candidates cannot be fixed
    (too many) is left for the secretary's page, which says why; the read goes on. Nothing
    was written when that is refused."""
    try:
        return fix_candidates(election_id)
    except Conflict:
        return False


def fix_candidates(election_id: int, now: datetime | None = None) -> bool:
    """Once nominations have closed: the candidates are the valid nominations (accepted, not
    withdrawn, still members, enough seconders), put on the paper in the seed's order. No
    more candidates than seats: elected unopposed (none: the seats are unfilled). Otherwise
    a ballot box is opened (unless a scrutineer runs the ballot). True if it did the work;
    safe to run twice or at once (the vote's row is locked)."""
    now = now or utcnow()
    vote = vote_of(election_id, lock=True)
    election = db.session.get(Election, election_id)
    if vote is None or vote.candidates_fixed_at is not None:
        return False
    if elections.window(election, now) != Window.CLOSED:
        return False
    rows = [row for row in election_queries.nominations(election) if row.valid]
    if len(rows) > CANDIDATES_MAX:
        raise Conflict(
            f"There are {len(rows)} valid nominations, and a ballot paper holds at most "
            f"{CANDIDATES_MAX} candidates, so the candidates cannot be fixed. Settle under the "
            "society's rules who stands (candidates may withdraw while nominations are open)."
        )
    by_id = {row.nomination.id: row.nomination for row in rows}
    for position, nomination_id in enumerate(ballot_order(election.lot_seed, list(by_id))):
        db.session.add(
            Candidate(
                vote_id=vote.id,
                nomination_id=nomination_id,
                position=position,
                name=by_id[nomination_id].candidate_name,
            )
        )
    vote.candidates_fixed_at = now
    if len(rows) <= election.seats:
        vote.state, vote.counted_at = VoteState.UNOPPOSED, now
        db.session.flush()
        for candidate in candidates_of(vote):
            candidate.elected = True
    else:
        vote.state = VoteState.OPEN
        if vote.runner == Runner.PLATFORM:
            box = ballots.open_box(())
            db.session.flush()
            vote.ballot_box_id = box.id
    db.session.flush()
    audit.record(None, "election.candidates_fixed", "election", election_id,
                 candidates=len(rows), seats=election.seats, state=vote.state)  # fmt: skip
    item, _ = election_queries.item_and_meeting(election)
    notices.tell_members(election, item.title, vote, candidates_of(vote))
    return True


def due_to_fix(now: datetime | None = None) -> list[int]:
    """Elections whose nominations have closed and whose candidates are not fixed yet."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(ElectionVote.election_id)
            .join(Election, Election.id == ElectionVote.election_id)
            .where(
                ElectionVote.candidates_fixed_at.is_(None),
                (Election.nominations_close_at <= now) | Election.closed_at.is_not(None),
            )
        )
    )


# Casting a ballot -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    tracker: bytes


def window_state(vote: ElectionVote | None, now: datetime | None = None) -> str:
    """ "none" (not set up), "waiting", "open", "closed" (past its time, not yet counted),
    "unopposed" or "counted"."""
    now = now or utcnow()
    if vote is None:
        return "none"
    if vote.state in (VoteState.UNOPPOSED, VoteState.COUNTED):
        return str(vote.state)
    if vote.state == VoteState.WAITING or now < vote.voting_opens_at:
        return "waiting"
    return "open" if now < vote.voting_closes_at else "closed"


def read_ballot(choices: Sequence[str | None], method: str, candidates: int, seats: int):
    try:
        if method == "fptp":
            return read_marks([c or "" for c in choices], candidates, seats)
        return read_ranking(choices, candidates)
    except RankingError as error:
        raise Invalid(str(error), error.field) from None
    except ValueError as error:  # check_ranking's own refusal
        raise Invalid(str(error), "preference_1") from None


def cast_ballot(
    actor: Member, election_id: int, choices: Sequence[str | None], now: datetime | None = None
) -> Cast:
    """Record or change this member's ballot: for STV a ranking (one value per preference,
    the ballot-paper position of a candidate or empty), for first past the post the
    positions marked. Encrypted here; the box is locked only to append it."""
    now = now or utcnow()
    election = elections.readable_election(actor, election_id)
    if not is_coop_member(actor):
        raise NotAllowed(NOT_A_MEMBER)
    vote = vote_of(election_id)
    state = window_state(vote, now)
    if state != "open" or vote.runner != Runner.PLATFORM or vote.ballot_box_id is None:
        raise Conflict(_closed_message(vote, state))
    count = len(candidates_of(vote))
    ranking = read_ballot(choices, election.method, count, election.seats)
    box = db.session.get(BallotBox, vote.ballot_box_id)
    context = context_of(vote, election)
    blob, proof = mix.seal_ranking(box.public_key, ranking, count, context)
    sealed = ballots.Sealed(box.id, box.public_key, blob, proof,
                            mix.blob_tracker(context, blob, proof))  # fmt: skip
    if ballots.cast(sealed, actor.id, _STILL_OPEN, {"vote_id": vote.id, "now": now}) is None:
        if not is_coop_member(actor):
            raise NotAllowed(NOT_A_MEMBER)
        raise Conflict("Voting has closed.")
    audit.record(actor, "election.ballot", "election", election_id)  # never what it says
    return Cast(sealed.tracker)


def _closed_message(vote: ElectionVote | None, state: str) -> str:
    if state == "waiting" and vote is not None and vote.candidates_fixed_at is not None:
        return f"Voting opens on {when(vote.voting_opens_at)}."
    if vote is not None and vote.runner == Runner.SCRUTINEER:
        return "The independent scrutineer runs this ballot: vote as they tell you."
    if state in ("none", "waiting"):
        return "Voting has not opened yet."
    if state == "unopposed":
        return "There is no ballot: the candidates were elected unopposed."
    return "Voting has closed."


# Checked under the box's lock: the vote still open at `now`, the member still a member.
_NOW = bindparam("now", type_=ElectionVote.voting_opens_at.type)
_STILL_OPEN = exists().where(
    ElectionVote.id == bindparam("vote_id", type_=Integer),
    ElectionVote.ballot_box_id == BallotBox.id,
    ElectionVote.state == VoteState.OPEN,
    ElectionVote.voting_opens_at <= _NOW,
    ElectionVote.voting_closes_at > _NOW,
    exists().where(
        Membership.account_id == bindparam("member_id", type_=Integer),
        Membership.ceased_on.is_(None),
    ),
)


def my_tracker(actor: Member, vote: ElectionVote | None) -> bytes | None:
    if vote is None or vote.ballot_box_id is None:
        return None
    return ballots.my_tracker(vote.ballot_box_id, actor.id)


def meeting_of(election: Election) -> Meeting:
    return election_queries.item_and_meeting(election)[1]


def suggested_window(election: Election) -> tuple[datetime, datetime]:
    """From the close of nominations, the usual number of days, ending by the meeting."""
    opens = election.closed_at or election.nominations_close_at
    # The form shows whole minutes: the next one, so the offered time is after the close.
    opens = opens.replace(second=0, microsecond=0) + timedelta(minutes=1)
    closes = min(opens + timedelta(days=default_days()), meeting_of(election).starts_at)
    return opens, closes


# A membership that ends ---------------------------------------------------------------------


@membership_signals.ceased.connect
def ballots_of_former_member(account_id: int, **_) -> int:
    """A member who stops being a member of the co-operative no longer votes: their ballot
    is taken out of every election's box still open, as a public removal entry (the list
    still adds up, the recount checks it). Runs inside the transaction that ends the
    membership. The number of ballots removed. Audited without the ballot's content."""
    return remove_ballots_of_former_members(account_id)


def remove_ballots_of_former_members(account_id: int | None = None, box_id: int | None = None):
    """Take out of open election boxes (of one member, or of one box) every current ballot
    whose member is no longer a member of the co-operative. The count runs it on its box
    before closing it, so a cessation that crossed a cast in flight is caught too."""
    current = exists().where(
        Membership.account_id == BoxVoter.member_id, Membership.ceased_on.is_(None)
    )
    statement = (
        select(BoxVoter.box_id, BoxVoter.member_id, ElectionVote.election_id)
        .join(ElectionVote, ElectionVote.ballot_box_id == BoxVoter.box_id)
        .join(BallotBox, BallotBox.id == BoxVoter.box_id)
        .where(BallotBox.closed_at.is_(None), ~current)
        .order_by(BoxVoter.box_id, BoxVoter.member_id)
    )
    if account_id is not None:
        statement = statement.where(BoxVoter.member_id == account_id)
    if box_id is not None:
        statement = statement.where(BoxVoter.box_id == box_id)
    removed = 0
    for box, member_id, election_id in db.session.execute(statement).all():
        if ballots.remove(box, member_id):
            removed += 1
            audit.record(None, "election.ballot_removed", "election", election_id,
                         member=member_id, reason="no longer a member")  # fmt: skip
    return removed
