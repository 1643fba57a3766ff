from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.uktime import utcnow


class KeyHolder:
    PLATFORM = "platform"  # a key file outside the database, destroyed once the total is out
    NONE = "none"  # counted before ballots were encrypted (migration 0010): no record


class BallotBox(db.Model):
    """The encrypted ballots of one vote: the public key they are encrypted under and,
    once counted, the encrypted total and its proven decryption. The private key is never
    here (see coop/ballots/keys.py)."""

    __tablename__ = "ballot_boxes"
    __table_args__ = (CheckConstraint("key_holder IN ('platform', 'none')", name="key_holder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_holder: Mapped[str] = mapped_column(String(16), default=KeyHolder.PLATFORM)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # The weight each choice adds to the encrypted total, in the order of the choices.
    weights: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The length and the head of the public list, moved under the row's lock with each entry.
    entries: Mapped[int] = mapped_column(default=0, server_default="0")
    head: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # Written when counted: ballots counted, their encrypted total, the decryption share
    # D = x·A and the proof that it used the vote's key.
    counted: Mapped[int | None]
    total: Mapped[bytes | None] = mapped_column(LargeBinary(64))
    decryption: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    decryption_proof: Mapped[bytes | None] = mapped_column(LargeBinary(64))

    @property
    def weight_list(self) -> tuple[int, ...]:
        return tuple(int(weight) for weight in self.weights.split(",")) if self.weights else ()


class Ballot(db.Model):
    """One entry of a box's public list, in the order accepted: an encrypted ballot, or the
    removal of one (its member withdrew consent). `replaces` is the position of the entry a
    changed vote or a removal supersedes. No member, no time, no choice: what ties a member
    to their current ballot is BoxVoter, and the ballot is encrypted."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("box_id", "seq", name="uq_ballots_box_seq"),
        Index("ix_ballots_box_tracker", "box_id", "tracker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("ballot_boxes.id", ondelete="CASCADE"))
    seq: Mapped[int]
    tracker: Mapped[bytes] = mapped_column(LargeBinary(32))
    chain: Mapped[bytes] = mapped_column(LargeBinary(32))
    replaces: Mapped[int | None]
    # One ciphertext (a proposal's or a resolution's choice) or a ranked ballot's several
    # (coop/ballots/mix.py), with its proof: PostgreSQL's bytea has no length either way.
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary())
    proof: Mapped[bytes | None] = mapped_column(LargeBinary())
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoxVoter(db.Model):
    """Who took part (turnout, one ballot per member, "you voted") and which entry is their
    current ballot, so that a changed vote replaces it. Deleted with the member's account:
    their ballot stays in the box and is counted, with nothing left to say whose it was."""

    __tablename__ = "box_voters"

    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_boxes.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id", ondelete="SET NULL"))
