"""Closing an election's vote and counting it: the box is closed, the ballots that count
are shuffled and re-encrypted with a proof (coop/ballots/mix.py), each mixed ballot is
decrypted with proofs, the rankings are counted (STV or first past the post, any lot drawn
from the seed published when the election was set up), and everything a recount needs is
kept; then the key is destroyed. Its own unit of work, like a proposal's close.

Exactly once: the vote's row is claimed by one UPDATE (counted_at set where it was empty
and the window has passed); a second closer waits on that row and then finds nothing to
claim. The mix's permutation and randomness live only inside mix.mix: what is stored ties
no ranking to an entry of the list or to a member. If the key is missing or the mix fails,
everything rolls back and the next run tries again."""

import logging
from datetime import datetime

from sqlalchemy import select, update

from coop.accounts.models import Member
from coop.audit import services as audit
from coop.ballots import keys, mix
from coop.ballots import services as ballots
from coop.ballots.crypto import CryptoError
from coop.ballots.keys import KeyMissing
from coop.ballots.models import BallotBox
from coop.ballots.record import counted
from coop.db.dialects import checkpoint_sqlite
from coop.elections import services as elections
from coop.elections.models import Election, Nomination
from coop.elections.voting.models import (
    Candidate,
    ElectionVote,
    MixedBallot,
    Runner,
    VoteState,
)
from coop.elections.voting.recount import FORMAT, Tally, tally
from coop.elections.voting.rules import unique_names
from coop.elections.voting.services import (
    candidates_of,
    context_of,
    remove_ballots_of_former_members,
    vote_of,
)
from coop.errors import Conflict
from coop.extensions import db
from coop.membership.models import Membership
from coop.membership.permissions import require_secretary
from coop.uktime import utcnow

log = logging.getLogger(__name__)

# Where COUNT_DUE_VOTES_ON_READ counts in a web request (development), only a vote this
# small: mixing and opening take about a second per few dozen ballots, and a larger count is
# the beat task's (or the secretary's "Count the votes now").
COUNT_ON_READ_MAX_BALLOTS = 50

CEASED = "No longer a member of the co-operative when the votes were counted"


def close_vote(election_id: int, now: datetime | None = None, actor: Member | None = None) -> bool:
    """Count a platform-run vote whose window has ended. True if this call counted it.
    Commits (or rolls back)."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(ElectionVote)
        .where(
            ElectionVote.election_id == election_id,
            ElectionVote.state == VoteState.OPEN,
            ElectionVote.runner == Runner.PLATFORM,
            ElectionVote.counted_at.is_(None),
            ElectionVote.voting_closes_at <= now,
        )
        .values(counted_at=now, state=VoteState.COUNTED)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return False
    vote = vote_of(election_id)
    election = db.session.get(Election, election_id)
    try:
        _count(vote, election, now)
    except (KeyMissing, CryptoError, ValueError):
        log.exception("Election %s could not be counted", election_id)
        db.session.rollback()
        return False
    audit.record(actor, "election.count", "election", election_id, ballots=vote.ballots_counted,
                 invalid=vote.ballots_invalid)  # fmt: skip
    db.session.commit()
    ballots.destroy_spent_keys()
    checkpoint_sqlite()
    return True


def _count(vote: ElectionVote, election: Election, now: datetime) -> Tally:
    box = db.session.get(BallotBox, vote.ballot_box_id)
    remove_ballots_of_former_members(box_id=box.id)  # any that crossed a cessation
    ballots.close(box.id, now)  # waits for any ballot being cast
    candidates = candidates_of(vote)
    n, context = len(candidates), context_of(vote, election)
    cast = [entry.ciphertext for entry in counted(ballots.entries(box.id))]
    secret = keys.load(box.public_key)
    mixed = mix.mix(box.public_key, cast, n, context) if cast else mix.Mixed([], b"")
    opened = mix.open_mixed(secret, box.public_key, mixed.blobs, n, context)
    if not mix.verify_opened(box.public_key, mixed.blobs, opened, n, context):
        raise CryptoError("the vote's key did not open its mixed ballots")
    for position, (blob, ranking, share, proof) in enumerate(
        zip(mixed.blobs, opened.rankings, opened.shares, opened.proofs, strict=True)
    ):
        db.session.add(
            MixedBallot(
                vote_id=vote.id, position=position, ciphertext=blob, share=share, proof=proof,
                ranking=None if ranking is None else ",".join(map(str, ranking)),
            )
        )  # fmt: skip
    _exclude_former_members(candidates)
    names = [c.name for c in candidates]
    result = tally(election.method, _ids(names), opened.rankings, election.seats,
                   election.lot_seed, _excluded(candidates))  # fmt: skip
    elected = set(result.elected)
    for candidate, name in zip(candidates, _ids(names), strict=True):
        candidate.elected = name in elected
    vote.mix_proof = mixed.proof
    vote.ballots_counted = len(cast)
    vote.ballots_invalid = len(cast) - result.valid
    db.session.flush()
    return result


def _ids(names: list[str]) -> list[str]:
    return unique_names(names)


def _exclude_former_members(candidates: list[Candidate]) -> None:
    """A candidate who is no longer a member of the co-operative at the count cannot sit
    on the board: excluded before the first stage, their ballots passing to the next
    preference (as for a candidate who withdraws or dies after the papers are issued)."""
    current = set(
        db.session.scalars(
            select(Nomination.id)
            .join(Membership, Membership.id == Nomination.membership_id)
            .where(
                Nomination.id.in_([c.nomination_id for c in candidates]),
                Membership.ceased_on.is_(None),
            )
        )
    )
    for candidate in candidates:
        if candidate.nomination_id not in current:
            candidate.excluded_reason = CEASED


def _excluded(candidates: list[Candidate]) -> frozenset[int]:
    return frozenset(c.position for c in candidates if c.excluded_reason)


def small_enough_to_count_on_read(election_id: int) -> bool:
    vote = vote_of(election_id)
    box = db.session.get(BallotBox, vote.ballot_box_id) if vote and vote.ballot_box_id else None
    return box is not None and box.entries <= COUNT_ON_READ_MAX_BALLOTS


def count_now(actor: Member, election_id: int, now: datetime | None = None) -> None:
    """The secretary counts a vote whose window has passed (the scheduled task does it
    within a minute anyway). Commits."""
    require_secretary(actor)
    now = now or utcnow()
    elections.readable_election(actor, election_id)
    vote = vote_of(election_id)
    if vote is None or vote.runner != Runner.PLATFORM or vote.state != VoteState.OPEN:
        raise Conflict("There is no ballot here to count.")
    if now < vote.voting_closes_at:
        raise Conflict("Voting has not closed yet: it is counted after the close.")
    if not close_vote(election_id, now, actor):
        raise Conflict("The count could not be made now: it was counted already, or the "
                       "vote's key is missing (the log says which).")  # fmt: skip


def due_vote_ids(now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(ElectionVote.election_id).where(
                ElectionVote.state == VoteState.OPEN,
                ElectionVote.runner == Runner.PLATFORM,
                ElectionVote.voting_closes_at <= now,
            )
        )
    )


def current_tally(vote: ElectionVote, election: Election) -> Tally | None:
    """The count of a counted vote, run again from its stored rankings (fast and pure), for
    the results page and its CSV."""
    if vote.state != VoteState.COUNTED or vote.runner != Runner.PLATFORM:
        return None
    candidates = candidates_of(vote)
    names = _ids([c.name for c in candidates])
    rankings = [
        _ranking(r)
        for r in db.session.scalars(
            select(MixedBallot.ranking)
            .where(MixedBallot.vote_id == vote.id)
            .order_by(MixedBallot.position)
        )
    ]
    return tally(election.method, names, rankings, election.seats, election.lot_seed,
                 _excluded(candidates))  # fmt: skip


def ballot_set(vote: ElectionVote, election: Election) -> dict:
    """The anonymised ballot set as published (recount.py reads it)."""
    box = db.session.get(BallotBox, vote.ballot_box_id)
    candidates = candidates_of(vote)
    mixed = list(
        db.session.scalars(
            select(MixedBallot).where(MixedBallot.vote_id == vote.id).order_by(MixedBallot.position)
        )
    )
    entries = ballots.entries(box.id)
    return {
        "format": FORMAT,
        "election": election.id,
        "box": box.id,
        "method": election.method,
        "seats": election.seats,
        "seed": election.lot_seed,
        "candidates": [
            {"nomination": c.nomination_id, "name": c.name, "excluded": c.excluded_reason}
            for c in candidates
        ],
        "public_key": box.public_key.hex(),
        "entries": [
            {
                "seq": e.seq,
                "tracker": e.tracker.hex(),
                "chain": e.chain.hex(),
                "replaces": e.replaces,
                "ciphertext": e.ciphertext.hex() if e.ciphertext else None,
                "proof": e.proof.hex() if e.proof else None,
            }
            for e in entries
        ],
        "mix": {
            "ballots": [m.ciphertext.hex() for m in mixed],
            "proof": (vote.mix_proof or b"").hex(),
        },
        "opened": [
            {
                "ranking": None if m.ranking is None else list(_ranking(m.ranking)),
                "share": m.share.hex(),
                "proof": m.proof.hex(),
            }
            for m in mixed
        ],
        "result": {
            "elected": [
                name
                for c, name in zip(candidates, _ids([c.name for c in candidates]), strict=True)
                if c.elected
            ],
            "valid_ballots": (vote.ballots_counted or 0) - (vote.ballots_invalid or 0),
        },
    }


def _ranking(text: str | None) -> tuple[int, ...] | None:
    """A stored ranking: None for a ballot that opened as no ranking, () for a blank one."""
    if text is None:
        return None
    return tuple(int(p) for p in text.split(",")) if text else ()
