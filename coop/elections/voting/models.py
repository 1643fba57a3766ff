"""The vote of a board election: its window, its candidates in ballot-paper order, and once
counted the anonymised ballot set (the mixed ballots, each with its decryption) and the
result. Or, where an independent scrutineer runs the ballot, the result they certified.

What is never here: which member cast which ranking. Members' encrypted ballots are in a
coop/ballots box (one current ballot each, with its tracker, on the box's public list);
the count re-encrypts and shuffles them (coop/ballots/mix.py) before anything is decrypted,
so a decrypted ranking below is tied to no entry of that list and to no member."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime, one_of
from coop.extensions import db
from coop.uktime import utcnow

SCRUTINEER_MAX = 120
CANDIDATES_MAX = 60  # a ballot paper anyone can rank on one page
EXCLUDED_MAX = 200


class Runner(StrEnum):
    PLATFORM = "platform"  # secret ballot here, mixed and counted here
    SCRUTINEER = "scrutineer"  # an independent scrutineer runs it; the secretary enters the result


class VoteState(StrEnum):
    WAITING = "waiting"  # set up; the candidates are fixed when nominations close
    OPEN = "open"  # candidates fixed, a ballot box (or the scrutineer's ballot) under way
    UNOPPOSED = "unopposed"  # no more candidates than seats: elected without a ballot
    COUNTED = "counted"  # counted here, or the scrutineer's result certified


class ElectionVote(db.Model):
    __tablename__ = "election_votes"
    __table_args__ = (
        CheckConstraint(one_of("runner", Runner), name="runner"),
        CheckConstraint(one_of("state", VoteState), name="state"),
        CheckConstraint("voting_opens_at < voting_closes_at", name="window"),
        CheckConstraint(
            "runner = 'scrutineer' OR (scrutineer_name = '' AND report_name IS NULL)",
            name="scrutineer",
        ),
        CheckConstraint(f"length(scrutineer_name) <= {SCRUTINEER_MAX}", name="scrutineer_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("elections.id", ondelete="RESTRICT"), unique=True
    )
    runner: Mapped[str] = mapped_column(String(16), default=Runner.PLATFORM)
    voting_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=VoteState.WAITING)
    ballot_box_id: Mapped[int | None] = mapped_column(
        ForeignKey("ballot_boxes.id", ondelete="RESTRICT"), unique=True
    )
    candidates_fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ballots_counted: Mapped[int | None]  # ballots in the box at the close
    ballots_invalid: Mapped[int | None]  # of those, the ones that decoded to no ranking
    mix_proof: Mapped[bytes | None] = mapped_column(LargeBinary)
    scrutineer_name: Mapped[str] = mapped_column(String(SCRUTINEER_MAX), default="")
    report_name: Mapped[str | None] = mapped_column(String(40))  # stored PDF, random name
    certified_by_id: Mapped[int | None]  # the secretary who entered it, kept like the audit log
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None]


class Candidate(db.Model):
    """A candidate on the ballot paper, at a position drawn from the election's lot seed
    (0-based: a ranking lists positions). The name is kept as it was on the paper."""

    __tablename__ = "election_candidates"
    __table_args__ = (
        UniqueConstraint("vote_id", "position", name="uq_election_candidates_position"),
        UniqueConstraint("vote_id", "nomination_id", name="uq_election_candidates_nomination"),
        CheckConstraint(f"position >= 0 AND position < {CANDIDATES_MAX}", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("election_votes.id", ondelete="CASCADE"), index=True
    )
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="RESTRICT"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    elected: Mapped[bool] = mapped_column(default=False)
    # Why the count excluded them before its first stage ("" if it did not): a candidate
    # no longer a member of the co-operative when the votes were counted.
    excluded_reason: Mapped[str] = mapped_column(String(EXCLUDED_MAX), default="")


class MixedBallot(db.Model):
    """One ballot of the anonymised set, in the mix's output order: the re-encrypted
    ciphertext, its decryption share and proof, and the ranking it decodes to (positions
    joined by commas; empty for a blank ballot, NULL when it decodes to no ranking)."""

    __tablename__ = "election_mixed_ballots"
    __table_args__ = (UniqueConstraint("vote_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("election_votes.id", ondelete="CASCADE"))
    position: Mapped[int]
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    share: Mapped[bytes] = mapped_column(LargeBinary)
    proof: Mapped[bytes] = mapped_column(LargeBinary)
    ranking: Mapped[str | None] = mapped_column(Text)
