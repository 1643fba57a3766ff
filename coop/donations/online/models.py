"""A donor's checkout (their declaration, waiting for the money) and every Stripe event
received, kept once each by its id."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime, one_of
from coop.donations.models import NAME_MAX
from coop.extensions import db
from coop.uktime import utcnow


class Frequency(StrEnum):
    ONCE = "once"
    MONTHLY = "monthly"


class CheckoutState(StrEnum):
    OPEN = "open"  # sent to Stripe's page, not paid yet
    PAID = "paid"  # a one-off gift paid, or a monthly gift's subscription started
    EXPIRED = "expired"  # abandoned: Stripe ended the session unpaid
    ENDED = "ended"  # a monthly gift's subscription ended


class Checkout(db.Model):
    """What a donor declared before paying, and the Stripe session that takes the money.
    `reference` (random, public) is the Checkout Session's client_reference_id."""

    __tablename__ = "donation_checkouts"
    __table_args__ = (
        CheckConstraint(one_of("frequency", Frequency), name="frequency"),
        CheckConstraint(one_of("state", CheckoutState), name="state"),
        CheckConstraint("amount_pence > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("donation_recipients.id", ondelete="RESTRICT")
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    frequency: Mapped[str] = mapped_column(String(8))
    amount_pence: Mapped[int]
    donor_kind: Mapped[str] = mapped_column(String(32))
    donor_name: Mapped[str] = mapped_column(String(NAME_MAX))
    donor_address: Mapped[str] = mapped_column(Text)
    company_number: Mapped[str | None] = mapped_column(String(16))
    declarations: Mapped[dict] = mapped_column(JSON, default=dict)
    email: Mapped[str] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(8), default=CheckoutState.OPEN)
    session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentEvent(db.Model):
    """A Stripe event, kept by its id: the second delivery of an event finds it here and
    changes nothing. Only what the ledger needs: the id, its type and what came of it."""

    __tablename__ = "payment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
