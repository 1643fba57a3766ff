"""Recipients, thresholds, gifts and each gift's history.

Amounts are integer pence everywhere. A gift's history (GiftEvent) is append-only, like the
audit log: who moved it to which status, when, and why."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime, one_of
from coop.extensions import db
from coop.uktime import utcnow

NAME_MAX = 200
ADDRESS_MAX = 500
NOTE_MAX = 2000


class Regime(StrEnum):
    """The recipient's status under the law, which decides its thresholds: a setting of each
    recipient, since it turns on facts about it (docs/donations.md)."""

    MEMBERS_ASSOCIATION = "members_association"  # PPERA Sch 7: a regulated donee
    REGULATED_DONEE = "regulated_donee"  # PPERA Sch 7: an MP, a councillor, a party member
    REGISTERED_PARTY = "registered_party"  # PPERA Part IV: a party's central organisation
    ACCOUNTING_UNIT = "accounting_unit"  # a registered party's accounting unit
    CANDIDATE = "candidate"  # Representation of the People Act 1983, Sch 2A


REGIME_LABELS = {
    Regime.MEMBERS_ASSOCIATION: "Members association (a regulated donee)",
    Regime.REGULATED_DONEE: "Regulated donee: an MP, a councillor, a party member",
    Regime.REGISTERED_PARTY: "Registered party (central organisation)",
    Regime.ACCOUNTING_UNIT: "Accounting unit of a registered party",
    Regime.CANDIDATE: "Candidate at an election (from the day they officially become one)",
}


class DonorKind(StrEnum):
    """The permissible donors of PPERA s.54(2) that a platform can take gifts from."""

    INDIVIDUAL = "individual"  # s.54(2)(a): on a UK electoral register
    COMPANY = "company"  # s.54(2)(b)
    TRADE_UNION = "trade_union"  # s.54(2)(d)
    BUILDING_SOCIETY = "building_society"  # s.54(2)(e)
    LLP = "llp"  # s.54(2)(f)
    FRIENDLY_SOCIETY = "friendly_society"  # s.54(2)(g): incl. registered societies
    UNINCORPORATED_ASSOCIATION = "unincorporated_association"  # s.54(2)(h)
    OTHER = "other"  # anyone else, or a donor who cannot be identified: impermissible


DONOR_LABELS = {
    DonorKind.INDIVIDUAL: "An individual on a UK electoral register",
    DonorKind.COMPANY: "A company registered in the UK and carrying on business here",
    DonorKind.TRADE_UNION: "A trade union on the list kept by the Certification Officer",
    DonorKind.BUILDING_SOCIETY: "A building society",
    DonorKind.LLP: "A limited liability partnership registered in the UK, in business here",
    DonorKind.FRIENDLY_SOCIETY: "A friendly society or a registered society",
    DonorKind.UNINCORPORATED_ASSOCIATION: "An unincorporated association of two or more people, "
    "with its main office in the UK, carrying on business or other activities here",
    DonorKind.OTHER: "Another source, or a donor we cannot identify (not permissible)",
}
PERMISSIBLE = tuple(kind for kind in DonorKind if kind != DonorKind.OTHER)


class Method(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"
    CASH = "cash"
    CARD = "card"


METHOD_LABELS = {
    Method.BANK_TRANSFER: "Bank transfer",
    Method.CHEQUE: "Cheque",
    Method.CASH: "Cash",
    Method.CARD: "Card",
}


class Status(StrEnum):
    RECEIVED = "received"
    CHECKING = "checking"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class ReturnedTo(StrEnum):
    """PPERA s.56(2): an impermissible donation goes back to the donor, to whoever paid it on
    the donor's behalf, or (its donor unidentifiable) to the Electoral Commission."""

    DONOR = "donor"
    PAYER = "payer"
    COMMISSION = "commission"


class Recipient(db.Model):
    """Whom a gift is for: the co-operative's general funds, or an MP or candidate it
    supports. The receipt names it."""

    __tablename__ = "donation_recipients"
    __table_args__ = (CheckConstraint(one_of("regime", Regime), name="regime"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    regime: Mapped[str] = mapped_column(String(24))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Threshold(db.Model):
    """A figure the law sets, from the date it took effect, with where it comes from. The
    one in force on a day is the latest that took effect on or before it."""

    __tablename__ = "donation_thresholds"
    __table_args__ = (
        CheckConstraint("kind IN ('donation', 'reporting')", name="kind"),
        CheckConstraint(one_of("regime", Regime), name="regime"),
        CheckConstraint("amount_pence > 0", name="amount"),
        Index("uq_donation_thresholds", "regime", "kind", "effective_from", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    regime: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(16))
    amount_pence: Mapped[int]
    effective_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)


class Gift(db.Model):
    """Money received for a recipient, with the donor's declaration and the treasurer's
    decision. `donor_key` identifies a source across gifts (for aggregation)."""

    __tablename__ = "gifts"
    __table_args__ = (
        CheckConstraint(one_of("donor_kind", DonorKind), name="donor_kind"),
        CheckConstraint(one_of("method", Method), name="method"),
        CheckConstraint(one_of("status", Status), name="status"),
        CheckConstraint(one_of("returned_to", ReturnedTo), name="returned_to"),
        CheckConstraint("amount_pence > 0", name="amount"),
        Index("ix_gifts_source_year", "recipient_id", "donor_key", "received_on"),
        Index("ix_gifts_status", "status", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("donation_recipients.id", ondelete="RESTRICT")
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    donor_kind: Mapped[str] = mapped_column(String(32))
    donor_name: Mapped[str] = mapped_column(String(NAME_MAX))
    donor_address: Mapped[str] = mapped_column(Text)
    company_number: Mapped[str | None] = mapped_column(String(16))
    declarations: Mapped[dict] = mapped_column(JSON, default=dict)  # what the donor confirmed
    donor_key: Mapped[str] = mapped_column(String(64))
    amount_pence: Mapped[int]
    received_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default=Status.RECEIVED)
    # The permissibility check (required to accept a gift over the donation threshold).
    check_method: Mapped[str] = mapped_column(Text, default="")
    check_evidence: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None]
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_on: Mapped[date | None] = mapped_column(Date)
    returned_to: Mapped[str | None] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None]
    # A card gift: Stripe's payment (one gift per payment, whatever event reports it) and the
    # donor's checkout with their declaration.
    payment_reference: Mapped[str | None] = mapped_column(String(255), unique=True)
    card_fingerprint: Mapped[str | None] = mapped_column(String(64))  # the same card, anyone's
    checkout_id: Mapped[int | None] = mapped_column(
        ForeignKey("donation_checkouts.id", ondelete="SET NULL"), index=True
    )


class GiftEvent(db.Model):
    """A gift's history, one row per change, never changed."""

    __tablename__ = "gift_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    gift_id: Mapped[int] = mapped_column(ForeignKey("gifts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None]
    by_name: Mapped[str] = mapped_column(String(80))
