"""A board election, its nominations and their seconders.

An election belongs to one agenda item of kind "election" of a general meeting of which
notice was given (so the item can no longer be removed). Its lot seed is drawn when it is
created and shown to members from then on: the STV count (coop/elections/stv.py) draws any
lot from it, and a seed fixed before anyone could know the ballots cannot be chosen to
settle a tie. Nothing in this package changes it after creation."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime, one_of
from coop.extensions import db
from coop.uktime import utcnow

SEATS_MAX = 20
SECONDERS_MAX = 10
WORDS_MAX = 2000  # the largest statement word limit the secretary may set
STATEMENT_MAX = 20_000  # characters: a statement within any word limit fits
REASON_MAX = 1000
SEED_LENGTH = 64  # hex characters: 256 random bits


class Method(StrEnum):
    STV = "stv"
    FPTP = "fptp"


METHOD_LABELS = {
    Method.STV: "Single transferable vote (Scottish STV counting rules)",
    Method.FPTP: "First past the post",
}


class ElectionState(StrEnum):
    NOMINATIONS = "nominations"  # open, or not yet open, until the close
    CLOSED = "closed"  # closed early by the secretary (a time past the close closes it too)


class Election(db.Model):
    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint(f"seats >= 1 AND seats <= {SEATS_MAX}", name="seats"),
        CheckConstraint(one_of("method", Method), name="method"),
        CheckConstraint(one_of("state", ElectionState), name="state"),
        CheckConstraint(
            f"seconders_required >= 0 AND seconders_required <= {SECONDERS_MAX}", name="seconders"
        ),
        CheckConstraint(
            f"statement_word_limit >= 1 AND statement_word_limit <= {WORDS_MAX}", name="words"
        ),
        CheckConstraint("nominations_open_at < nominations_close_at", name="window"),
        CheckConstraint(f"length(lot_seed) = {SEED_LENGTH}", name="lot_seed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="RESTRICT"), unique=True
    )
    seats: Mapped[int]
    method: Mapped[str] = mapped_column(String(8), default=Method.STV)
    nominations_open_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nominations_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seconders_required: Mapped[int]
    statement_word_limit: Mapped[int]
    lot_seed: Mapped[str] = mapped_column(String(SEED_LENGTH))
    state: Mapped[str] = mapped_column(String(16), default=ElectionState.NOMINATIONS)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None]  # kept when the account goes, like the audit log


class Nomination(db.Model):
    """A member of the co-operative nominated to stand: by themself, or by another member,
    in which case they stand only once they accept. Accepting is confirming the
    declarations (coop/elections/rules.py), which the database insists on too."""

    __tablename__ = "nominations"
    __table_args__ = (
        UniqueConstraint("election_id", "membership_id"),
        CheckConstraint(
            "accepted_at IS NULL OR (not_bankrupt AND not_disqualified AND eligible AND consents)",
            name="declarations",
        ),
        CheckConstraint(
            "(statement_rejected_at IS NULL) = (statement_rejected_reason = '')",
            name="rejection",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("elections.id", ondelete="RESTRICT"), index=True
    )
    # The membership goes when the register forgets it (COOP_REGISTER_KEEP_YEARS after it
    # ceased); the nomination, with the name it was made under, stays as the election's record.
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )  # the candidate's account, which accepts, writes the statement and withdraws
    candidate_name: Mapped[str] = mapped_column(String(80))
    nominated_by_membership_id: Mapped[int]  # no foreign key, as for membership_id above
    nominated_by_id: Mapped[int | None]  # the nominator's account, kept like the audit log
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    not_bankrupt: Mapped[bool] = mapped_column(default=False)
    not_disqualified: Mapped[bool] = mapped_column(default=False)
    eligible: Mapped[bool] = mapped_column(default=False)
    consents: Mapped[bool] = mapped_column(default=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    statement: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    statement_rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    statement_rejected_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_self_nomination(self) -> bool:
        return self.nominated_by_membership_id == self.membership_id


class Seconding(db.Model):
    """One member of the co-operative seconding one nomination, once."""

    __tablename__ = "nomination_seconders"
    __table_args__ = (UniqueConstraint("nomination_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nominations.id", ondelete="RESTRICT"), index=True
    )
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )  # as for Nomination.membership_id
    seconded_by_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
