"""Applications, memberships and the statutory registers.

The registers are append-only: a change is a new entry, a complete copy of what the register
says of that person from then on, so the register as it stood on any date can be read back.
The database refuses to change an entry, and removes one only once its membership has ceased
or its term of office has ended (the retention task's work: docs/membership.md)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime, one_of
from coop.extensions import db
from coop.uktime import utcnow

NAME_MAX = 200
ADDRESS_MAX = 500
NOTE_MAX = 1000


class ApplicationState(StrEnum):
    PENDING = "pending"
    ADMITTED = "admitted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"
    CASH = "cash"


PAYMENT_LABELS = {
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.CASH: "Cash",
}


class Ceased(StrEnum):
    RESIGNED = "resigned"
    DIED = "died"
    EXPELLED = "expelled"
    NON_PAYMENT = "non_payment"


CEASED_LABELS = {
    Ceased.RESIGNED: "Resigned",
    Ceased.DIED: "Died",
    Ceased.EXPELLED: "Expelled",
    Ceased.NON_PAYMENT: "Ceased for non-payment",
}


class Office(StrEnum):
    SECRETARY = "secretary"
    CHAIR = "chair"
    TREASURER = "treasurer"
    BOARD_MEMBER = "board_member"


OFFICE_LABELS = {
    Office.SECRETARY: "Secretary",
    Office.CHAIR: "Chair",
    Office.TREASURER: "Treasurer",
    Office.BOARD_MEMBER: "Board member",
}
SINGLE_OFFICES = (Office.SECRETARY, Office.CHAIR, Office.TREASURER)  # one holder at a time


class Application(db.Model):
    """A supporter's application for membership: who they are for the register, their
    declarations, the share they pay for, and the board's decision."""

    __tablename__ = "membership_applications"
    __table_args__ = (
        CheckConstraint(one_of("state", ApplicationState), name="state"),
        CheckConstraint(one_of("payment_method", PaymentMethod), name="payment_method"),
        CheckConstraint("shares >= 1", name="shares"),
        CheckConstraint("eligible", name="eligible"),
        Index(
            "uq_membership_applications_pending",
            "account_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    legal_name: Mapped[str] = mapped_column(String(NAME_MAX))
    postal_address: Mapped[str] = mapped_column(Text)
    notices_by_email: Mapped[bool] = mapped_column(default=False)
    eligible: Mapped[bool]  # the applicant's statement that they meet the rules' conditions
    rules_version: Mapped[str] = mapped_column(String(40))
    shares: Mapped[int]
    amount_due_pence: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default=ApplicationState.PENDING)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The share's payment, as the treasurer records it.
    payment_method: Mapped[str | None] = mapped_column(String(16))
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    amount_paid_pence: Mapped[int] = mapped_column(default=0)
    paid_on: Mapped[date | None] = mapped_column(Date)
    # The board's decision (and, for a refused application already paid, the refund).
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None]  # kept when the account goes, like the audit log
    reason: Mapped[str] = mapped_column(Text, default="")
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )

    @property
    def is_paid(self) -> bool:
        return self.amount_paid_pence >= self.amount_due_pence


class Membership(db.Model):
    """A member of the co-operative; the id is the membership number. What the register
    says of them is in their RegisterEntry rows; this row says only whether they are a
    member now, for the checks that ask (votes, general meetings)."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint(one_of("ceased_reason", Ceased), name="ceased_reason"),
        Index(
            "uq_memberships_current_account",
            "account_id",
            unique=True,
            sqlite_where=text("ceased_on IS NULL"),
            postgresql_where=text("ceased_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The account goes if the person deletes it; the register does not (docs/membership.md).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    admitted_on: Mapped[date] = mapped_column(Date)
    resignation_notice_on: Mapped[date | None] = mapped_column(Date)  # s.124(2)(e)
    ceased_on: Mapped[date | None] = mapped_column(Date)
    ceased_reason: Mapped[str | None] = mapped_column(String(16))

    @property
    def is_current(self) -> bool:
        return self.ceased_on is None


class EntryKind(StrEnum):
    ADMITTED = "admitted"
    DETAILS = "details"
    RESIGNATION_NOTICE = "resignation_notice"
    CEASED = "ceased"


class RegisterEntry(db.Model):
    """One entry of the register of members (s.30(2)): everything the register says of the
    member from `recorded_at` on. Never changed; removed only after the membership ceased."""

    __tablename__ = "register_entries"
    __table_args__ = (
        CheckConstraint(one_of("kind", EntryKind), name="kind"),
        CheckConstraint(one_of("ceased_reason", Ceased), name="ceased_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    postal_address: Mapped[str] = mapped_column(Text)
    electronic_address: Mapped[str | None] = mapped_column(String(254))  # s.30(2)(b)
    electronic_purposes: Mapped[str] = mapped_column(String(200), default="")
    shares: Mapped[int]
    paid_pence: Mapped[int]
    other_property: Mapped[str] = mapped_column(Text, default="")  # s.30(2)(d)
    admitted_on: Mapped[date] = mapped_column(Date)
    resignation_notice_on: Mapped[date | None] = mapped_column(Date)
    ceased_on: Mapped[date | None] = mapped_column(Date)
    ceased_reason: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None]
    recorded_by_name: Mapped[str] = mapped_column(String(80))


class OfficeTerm(db.Model):
    """A person's term in an office of the society; the register of officers' entries
    (OfficerEntry) say what the register holds of it. A current term gives the board's
    powers on the platform (coop/membership/permissions.py)."""

    __tablename__ = "office_terms"
    __table_args__ = (
        CheckConstraint(one_of("office", Office), name="office"),
        Index(
            "uq_office_terms_single_holder",
            "office",
            unique=True,
            sqlite_where=text(f"left_office_on IS NULL AND {one_of('office', SINGLE_OFFICES)}"),
            postgresql_where=text(f"left_office_on IS NULL AND {one_of('office', SINGLE_OFFICES)}"),
        ),
        Index(
            "uq_office_terms_current",
            "account_id",
            "office",
            unique=True,
            sqlite_where=text("left_office_on IS NULL"),
            postgresql_where=text("left_office_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    office: Mapped[str] = mapped_column(String(16))
    took_office_on: Mapped[date] = mapped_column(Date)
    left_office_on: Mapped[date | None] = mapped_column(Date)


class OfficerEntry(db.Model):
    """One entry of the register of officers (s.30(3)), as RegisterEntry is for members."""

    __tablename__ = "officer_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('appointed', 'details', 'left')", name="kind"),
        CheckConstraint(one_of("office", Office), name="office"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(
        ForeignKey("office_terms.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    postal_address: Mapped[str] = mapped_column(Text)
    electronic_address: Mapped[str | None] = mapped_column(String(254))
    office: Mapped[str] = mapped_column(String(16))
    took_office_on: Mapped[date] = mapped_column(Date)
    left_office_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None]
    recorded_by_name: Mapped[str] = mapped_column(String(80))


class Inspection(db.Model):
    """A member's request to inspect the duplicate register (s.103), and its fulfilment:
    the secretary opens it to them for a number of days (COOP_INSPECTION_DAYS)."""

    __tablename__ = "register_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_by_id: Mapped[int | None]
    open_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
