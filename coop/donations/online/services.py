"""A donor's checkout, and what each Stripe event does to it. Callers commit: a view after
starting a checkout, the webhook view after an event, in one transaction with the event's
record, so that an event is either wholly applied and recorded or neither."""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, select, update

from coop.accounts.models import Member
from coop.accounts.services import normalise_email
from coop.db.dialects import insert_or_skip
from coop.donations import services as ledger
from coop.donations.models import PERMISSIBLE, Gift, GiftEvent, Recipient, Status
from coop.donations.online import payments
from coop.donations.online.models import Checkout, CheckoutState, Frequency, PaymentEvent
from coop.errors import Conflict, Invalid, NotFound
from coop.extensions import db
from coop.mail.services import queue_email
from coop.money import pounds
from coop.uktime import uk_day, utcnow
from coop.web import absolute_url

NOT_PERMISSIBLE = (
    "The law lets us accept gifts only from the donors listed: we cannot take this one. "
    "Nothing has been charged."
)
STRIPE = "Stripe"  # who moved a gift that a webhook recorded


@dataclass(frozen=True)
class Started:
    checkout: Checkout
    pay_at: str  # Stripe's hosted page


def start_checkout(
    actor: Member | None,
    recipient_id: int | None,
    frequency: str,
    amount_pence: int | None,
    donor_kind: str,
    donor_name: str,
    donor_address: str,
    number: str,
    confirmed: list[str],
    email: str,
    urls: Callable[[str], tuple[str, str]],
) -> Started:
    """Check who the donor is and what they declared, then open a Stripe Checkout Session.
    A source the law does not allow (PPERA s.54) or an incomplete declaration is refused
    here, before any payment. `urls(reference)` gives the pages Stripe returns to."""
    if not payments.enabled():
        raise NotFound("Online giving is not set up yet.")
    recipient = db.session.get(Recipient, recipient_id) if recipient_id else None
    if recipient is None or not recipient.active:
        raise Invalid("Choose whom your gift is for.", "recipient_id")
    if frequency not in set(Frequency):
        raise Invalid("Choose a single gift or a monthly one.", "frequency")
    config = current_app.config
    low, high = config["DONATION_MIN_PENCE"], config["DONATION_MAX_PENCE"]
    if amount_pence is None or not low <= amount_pence <= high:
        raise Invalid(f"Give between {pounds(low)} and {pounds(high)} online.", "amount")
    declared = ledger.declaration(donor_kind, donor_name, donor_address, number, confirmed)
    if declared.kind not in PERMISSIBLE:
        raise Invalid(NOT_PERMISSIBLE, "donor_kind")
    if declared.missing:
        raise Invalid("Please confirm: " + "; ".join(declared.missing) + ".", "declarations")
    checkout = Checkout(
        reference=secrets.token_urlsafe(18),
        recipient_id=recipient.id,
        account_id=actor.id if actor is not None and actor.is_authenticated else None,
        frequency=frequency,
        amount_pence=amount_pence,
        donor_kind=declared.kind,
        donor_name=declared.name,
        donor_address=declared.address,
        company_number=declared.number,
        declarations=declared.declarations,
        email=normalise_email(email),
    )
    db.session.add(checkout)
    db.session.flush()
    success, cancel = urls(checkout.reference)
    what = "A monthly gift" if frequency == Frequency.MONTHLY else "A gift"
    session = payments.start_session(
        checkout.reference, amount_pence, frequency == Frequency.MONTHLY,
        f"{what} to {recipient.name}", checkout.email, success, cancel,
    )  # fmt: skip
    checkout.session_id = session.id
    return Started(checkout, session.url)


REFERENCE = re.compile(r"[A-Za-z0-9_-]{16,40}")  # secrets.token_urlsafe's alphabet


def checkout_by_reference(reference: str) -> tuple[Checkout, Recipient]:
    if not REFERENCE.fullmatch(reference):  # a NUL byte or a megabyte never reaches the database
        raise NotFound("We could not find that gift.")
    checkout = db.session.scalar(select(Checkout).where(Checkout.reference == reference))
    if checkout is None:
        raise NotFound("We could not find that gift.")
    return checkout, db.session.get(Recipient, checkout.recipient_id)


def monthly_gift(reference: str) -> tuple[Checkout, Recipient]:
    checkout, recipient = checkout_by_reference(reference)
    if checkout.frequency != Frequency.MONTHLY:
        raise NotFound("We could not find that monthly gift.")
    return checkout, recipient


def stop_monthly(reference: str) -> Checkout:
    """The donor stops their monthly gift (the reference, from their receipt, is the key):
    Stripe cancels the subscription, then the checkout is ended. Stopping twice is fine."""
    checkout, _recipient = monthly_gift(reference)
    if checkout.state == CheckoutState.ENDED:
        return checkout
    if checkout.subscription_id is None:
        raise Conflict("This monthly gift has not started yet: nothing will be taken.")
    payments.cancel_subscription(checkout.subscription_id)
    checkout.state = CheckoutState.ENDED
    return checkout


def forget_unpaid(now=None) -> int:
    """A checkout never paid holds a name, an address and an email for nothing: removed
    after DONATION_UNPAID_KEEP_DAYS (a beat task). Paid ones stay with their gifts."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["DONATION_UNPAID_KEEP_DAYS"])
    return db.session.execute(
        delete(Checkout).where(
            Checkout.state.in_([CheckoutState.OPEN, CheckoutState.EXPIRED]),
            Checkout.created_at < cutoff,
            ~exists().where(Gift.checkout_id == Checkout.id),
        )
    ).rowcount


def checkouts_of_account(account_id: int) -> list[Checkout]:
    return list(
        db.session.scalars(
            select(Checkout).where(Checkout.account_id == account_id).order_by(Checkout.id)
        )
    )


# Stripe's events ----------------------------------------------------------------------------


def handle_event(event) -> str:
    """Apply a verified Stripe event once: its id is recorded in the same transaction, and an
    id seen before changes nothing. What came of it, in words."""
    kept = db.session.execute(
        insert_or_skip(PaymentEvent)
        .values(event_id=event.id, type=event.type, outcome="", received_at=utcnow())
        .on_conflict_do_nothing(index_elements=[PaymentEvent.event_id])
        .returning(PaymentEvent.id)
    ).scalar()
    if kept is None:
        return "already processed"
    handler = HANDLERS.get(event.type)
    # The day it happened, not the day we heard (Stripe retries for up to three days): the
    # 30-day clock and the year a gift counts in start then.
    happened = uk_day(datetime.fromtimestamp(event.created, UTC))
    outcome = handler(event.data.object.to_dict(), happened) if handler else "ignored"
    db.session.execute(
        update(PaymentEvent).where(PaymentEvent.id == kept).values(outcome=outcome[:200])
    )
    return outcome


def _session_completed(session, happened: date) -> str:
    checkout = _checkout_of(session.get("client_reference_id"))
    if checkout is None:
        return "no such checkout"
    if session.get("mode") == "subscription":  # its payments come as invoice.paid
        if not _advance(checkout, CheckoutState.PAID, subscription_id=session.get("subscription")):
            db.session.execute(
                update(Checkout)
                .where(Checkout.id == checkout.id, Checkout.subscription_id.is_(None))
                .values(subscription_id=session.get("subscription"))
            )
        return "monthly gift started"
    if session.get("payment_status") != "paid":
        return "not paid yet"  # a delayed payment: async_payment_succeeded will say
    return _gift_paid(checkout, session.get("payment_intent"), _money(session, "amount_total"),
                      happened)  # fmt: skip


def _async_payment_succeeded(session, happened: date) -> str:
    checkout = _checkout_of(session.get("client_reference_id"))
    if checkout is None or session.get("mode") != "payment":
        return "no such checkout"
    return _gift_paid(checkout, session.get("payment_intent"), _money(session, "amount_total"),
                      happened)  # fmt: skip


def _money(stripe_object: dict, field: str) -> tuple[int | None, str | None]:
    return stripe_object.get(field), (stripe_object.get("currency") or "").lower() or None


def _session_expired(session, happened: date) -> str:
    checkout = _checkout_of(session.get("client_reference_id"))
    if checkout is None:
        return "no such checkout"
    moved = _advance(checkout, CheckoutState.EXPIRED)
    return "expired" if moved else "already settled"


def _charge_refunded(charge, happened: date) -> str:
    """A refund, ours (the treasurer returned the gift) or made in Stripe's dashboard: a
    full refund of an undecided gift returns it to the donor; any other is noted, and the
    treasurers are told, since the ledger would otherwise still count money given back."""
    gift = _gift_of(charge.get("payment_intent"))
    if gift is None:
        return "no such gift"
    refunded = charge.get("amount_refunded") or 0
    note = f"Stripe confirmed a refund of {pounds(refunded)}"
    if refunded >= gift.amount_pence and ledger.returned_by_stripe(gift.id, note):
        return "returned"
    _note(gift, note)
    if gift.status != Status.RETURNED:
        ledger.tell_treasurers(f"Gift {gift.id} was refunded in Stripe ({pounds(refunded)}) "
                               "but is not returned in the ledger: look at it.")  # fmt: skip
    return "refund noted"


def _dispute_opened(dispute, happened: date) -> str:
    """A chargeback: the donor's bank takes the money back unless the dispute is won."""
    gift = _gift_of(dispute.get("payment_intent"))
    if gift is None:
        return "no such gift"
    _note(gift, f"The card's bank opened a dispute ({dispute.get('reason') or 'no reason'})")
    ledger.tell_treasurers(f"Gift {gift.id} is disputed by the card's bank: answer it in "
                           "Stripe, and do not count it until the dispute is closed.")  # fmt: skip
    return "dispute noted"


def _gift_of(payment_intent: str | None) -> Gift | None:
    if not payment_intent:
        return None
    return db.session.scalar(select(Gift).where(Gift.payment_reference == payment_intent))


def _note(gift: Gift, note: str) -> None:
    db.session.add(GiftEvent(gift_id=gift.id, status=gift.status, by_name=STRIPE, note=note))


def _invoice_paid(invoice, happened: date) -> str:
    """A monthly gift's payment, the first included: found by the reference the
    subscription carries, whichever of this and the checkout's completion comes first.
    Money taken is a gift even when it is reported after the gift was stopped."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    checkout = _checkout_of((details.get("metadata") or {}).get("reference"))
    if checkout is None or checkout.frequency != Frequency.MONTHLY:
        return "no such checkout"
    if details.get("subscription"):  # so that the donor can stop it, whatever came first
        db.session.execute(
            update(Checkout)
            .where(Checkout.id == checkout.id, Checkout.subscription_id.is_(None))
            .values(subscription_id=details["subscription"])
        )
    intent = payments.invoice_payment(invoice["id"])
    return _gift_paid(checkout, intent, _money(invoice, "amount_paid"), happened)


def _subscription_deleted(subscription, happened: date) -> str:
    checkout = _checkout_of((subscription.get("metadata") or {}).get("reference"))
    if checkout is None:
        return "no such checkout"
    db.session.execute(
        update(Checkout).where(Checkout.id == checkout.id).values(state=CheckoutState.ENDED)
    )
    return "monthly gift ended"


HANDLERS = {
    "invoice.paid": _invoice_paid,
    "charge.dispute.created": _dispute_opened,
    "customer.subscription.deleted": _subscription_deleted,
    "checkout.session.completed": _session_completed,
    "checkout.session.async_payment_succeeded": _async_payment_succeeded,
    "checkout.session.expired": _session_expired,
    "charge.refunded": _charge_refunded,
}


def _checkout_of(reference: str | None) -> Checkout | None:
    if not reference:
        return None
    return db.session.scalar(select(Checkout).where(Checkout.reference == reference))


def _advance(checkout: Checkout, to: str, **values) -> bool:
    """Only forwards: an open checkout becomes paid or expired, never back (events may come
    late or out of order)."""
    return bool(
        db.session.execute(
            update(Checkout)
            .where(Checkout.id == checkout.id, Checkout.state == CheckoutState.OPEN)
            .values(state=to, **values)
        ).rowcount
    )


def _gift_paid(
    checkout: Checkout, payment_intent: str | None, paid: tuple[int | None, str | None],
    happened: date,
) -> str:  # fmt: skip
    """The money arrived: a gift in the ledger (once per payment, whatever event says so),
    and a receipt naming the body that receives it. Money that does not match the declared
    gift (another amount or currency) is not recorded as it: the checkout, the donor's
    declaration, is kept, and the treasurers are told to settle it by hand."""
    amount, currency = paid
    if not payment_intent or amount != checkout.amount_pence or currency != "gbp":
        if _advance(checkout, CheckoutState.PAID) or checkout.state == CheckoutState.PAID:
            ledger.tell_treasurers(
                f"A card payment ({amount} in {currency or 'an unknown currency'}, Stripe "
                f"payment {payment_intent or 'unknown'}) does not match the gift declared "
                f"at checkout {checkout.id} ({pounds(checkout.amount_pence)}): record or "
                "refund it by hand."
            )
        current_app.logger.warning("A paid checkout whose amount or payment does not match")
        return "amount or payment does not match"
    exists = db.session.scalar(select(Gift.id).where(Gift.payment_reference == payment_intent))
    if exists is not None:
        return "already recorded"
    _advance(checkout, CheckoutState.PAID)
    card = payments.card_fingerprint(payment_intent)
    gift = ledger.gift_from_card(checkout, payment_intent, card, happened)
    recipient = db.session.get(Recipient, checkout.recipient_id)
    queue_email(
        checkout.email,
        f"Your gift to {recipient.name}: receipt",
        "donations/receipt_email",
        member_id=checkout.account_id,
        gift=gift,
        recipient=recipient,
        checkout=checkout,
        society=current_app.config["COOP_SOCIETY_NAME"],
        stop_url=absolute_url("giving.stop_monthly", reference=checkout.reference),
    )
    return f"gift {gift.id} recorded"
