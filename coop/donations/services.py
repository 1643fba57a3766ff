"""The treasurer's ledger: recipients, thresholds, gifts from receipt to acceptance or return,
reportable donations. Every change and every view of donors' details is audited. Callers
commit. A gift's status moves by conditional UPDATE, so two treasurers (or a form sent
twice) never decide it twice."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, extract, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from coop.accounts.models import Member
from coop.accounts.permissions import require_organiser
from coop.audit import services as audit
from coop.donations import rules
from coop.donations.models import (
    ADDRESS_MAX,
    NAME_MAX,
    NOTE_MAX,
    PERMISSIBLE,
    DonorKind,
    Gift,
    GiftEvent,
    Method,
    Recipient,
    Regime,
    ReturnedTo,
    Status,
    Threshold,
)
from coop.donations.online import payments
from coop.donations.online.models import Checkout
from coop.errors import Conflict, Invalid, NotFound
from coop.extensions import db
from coop.membership.models import Office, OfficeTerm
from coop.membership.permissions import offices_of, require_treasurer
from coop.money import decimal_pounds, pounds
from coop.notifications.services import notify
from coop.uktime import uk_day, utcnow
from coop.uktime import uk_today as today
from coop.validation import optional_text, required_text, spreadsheet_safe

UNDECIDED = (Status.RECEIVED, Status.CHECKING)


# Recipients and thresholds ---------------------------------------------------------------


def add_recipient(actor: Member, name: str, description: str, regime: str) -> Recipient:
    require_treasurer(actor)
    name = required_text(name, "name", NAME_MAX, "the recipient's name")
    description = optional_text(description, "description", 500, "the description")
    if regime not in set(Regime):
        raise Invalid("Choose the recipient's status under the law.", "regime")
    recipient = Recipient(name=name, description=description, regime=regime)
    try:
        with db.session.begin_nested():
            db.session.add(recipient)
    except IntegrityError:
        raise Conflict("There is already a recipient of that name.", "name") from None
    audit.record(actor, "donations.add_recipient", "recipient", recipient.id, regime=regime)
    return recipient


def recipients(active_only: bool = True) -> list[Recipient]:
    statement = select(Recipient).order_by(Recipient.id)
    if active_only:
        statement = statement.where(Recipient.active)
    return list(db.session.scalars(statement))


def add_threshold(
    actor: Member, regime: str, kind: str, amount_pence: int | None, effective_from, source: str
) -> Threshold:
    """A figure the law sets, from a date, with its source (a new row: history is kept)."""
    require_treasurer(actor)
    if regime not in set(Regime):
        raise Invalid("Choose the status it applies to.", "regime")
    if kind not in ("donation", "reporting"):
        raise Invalid("Choose which threshold it is.", "kind")
    if amount_pence is None or not 0 < amount_pence <= 10_000_000_00:
        raise Invalid("Enter the amount in pounds.", "amount")
    if effective_from is None:
        raise Invalid("Enter the date it takes effect.", "effective_from")
    source = required_text(source, "source", 1000, "where the figure comes from")
    threshold = Threshold(
        regime=regime, kind=kind, amount_pence=amount_pence, effective_from=effective_from,
        source=source,
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(threshold)
    except IntegrityError:
        raise Conflict("A figure already takes effect on that date.", "effective_from") from None
    audit.record(actor, "donations.add_threshold", "threshold", threshold.id, amount=amount_pence)
    return threshold


def figure(regime: str, kind: str, on: date) -> rules.Figure | None:
    return figures()(regime, kind, on)


def figures():
    """Every threshold, read once: a function (regime, kind, day) -> the figure in force,
    for pages and exports that look up a figure for many gifts."""
    table: dict[tuple[str, str], list[rules.Figure]] = {}
    for t in db.session.scalars(select(Threshold)):
        table.setdefault((t.regime, t.kind), []).append(
            rules.Figure(t.amount_pence, t.effective_from, t.source)
        )
    return lambda regime, kind, on: rules.in_force(table.get((regime, kind), []), on)


def all_thresholds() -> list[Threshold]:
    return list(
        db.session.scalars(
            select(Threshold).order_by(Threshold.regime, Threshold.kind, Threshold.effective_from)
        )
    )


# Gifts -------------------------------------------------------------------------------------


def record_gift(
    actor: Member,
    recipient_id: int | None,
    donor_kind: str,
    donor_name: str,
    donor_address: str,
    number: str,
    confirmed: list[str],
    amount_pence: int | None,
    received_on: date | None,
    method: str,
    reference: str,
) -> Gift:
    """The treasurer records money received (bank transfer, cheque, cash), with what the
    donor declared. Money from a source that is not permissible is recorded too: it must be
    returned within 30 days, and the ledger shows the clock."""
    require_treasurer(actor)
    recipient = db.session.get(Recipient, recipient_id) if recipient_id else None
    if recipient is None or not recipient.active:
        raise Invalid("Choose whom the gift is for.", "recipient_id")
    declared = declaration(donor_kind, donor_name, donor_address, number, confirmed)
    if amount_pence is None or not 0 < amount_pence <= 10_000_000_00:
        raise Invalid("Enter the amount in pounds and pence.", "amount")
    if received_on is None or received_on > today():
        raise Invalid("Enter the date it was received (not in the future).", "received_on")
    if method not in set(Method) or method == Method.CARD:
        raise Invalid("Choose how it was received.", "method")  # cards come from Stripe
    reference = optional_text(reference, "reference", 100, "the reference")
    gift = Gift(
        recipient_id=recipient.id,
        donor_kind=declared.kind,
        donor_name=declared.name,
        donor_address=declared.address,
        company_number=declared.number,
        declarations=declared.declarations,
        donor_key=rules.donor_key(declared.kind, declared.name, declared.address, declared.number),
        amount_pence=amount_pence,
        received_on=received_on,
        method=method,
        reference=reference,
        recorded_by_id=actor.id,
    )
    db.session.add(gift)
    db.session.flush()
    _event(actor, gift, Status.RECEIVED, f"Received by {method.replace('_', ' ')}")
    audit.record(actor, "donations.record", "gift", gift.id, amount=amount_pence)
    return gift


@dataclass(frozen=True)
class Declared:
    kind: str
    name: str
    address: str
    number: str | None  # a company's or partnership's registered number
    declarations: dict[str, bool]  # what the donor confirmed, of what their kind must
    missing: list[str]  # what they must still confirm, in words


def declaration(kind: str, name: str, address: str, number: str, confirmed: list[str]) -> Declared:
    """Who gave, as the donor (or the treasurer for them) declared it: the same checks on
    the donate page and in the ledger."""
    if kind not in set(DonorKind):
        raise Invalid("Choose who is giving.", "donor_kind")
    name = required_text(name, "donor_name", NAME_MAX, "the donor's full name")
    address = required_text(address, "donor_address", ADDRESS_MAX, "the address")
    address = "\n".join(line.strip() for line in address.splitlines() if line.strip())
    company = None
    if kind in rules.NEEDS_NUMBER:
        company = rules.company_number(number)
        if company is None:
            what = rules.NEEDS_NUMBER[kind]
            raise Invalid(f"Enter the {what} as on Companies House (8 characters).", "number")
    known = set(rules.DECLARATIONS.get(kind, {}))
    declarations = {key: True for key in confirmed if key in known}
    missing = rules.missing_declarations(kind, declarations)
    return Declared(kind, name, address, company, declarations, missing)


def gift_from_card(checkout, payment_intent: str, card: str | None, received_on: date) -> Gift:
    """A card payment Stripe confirmed, as a gift in the ledger with the donor's own
    declaration (coop/donations/online)."""
    gift = Gift(
        recipient_id=checkout.recipient_id,
        account_id=checkout.account_id,
        donor_kind=checkout.donor_kind,
        donor_name=checkout.donor_name,
        donor_address=checkout.donor_address,
        company_number=checkout.company_number,
        declarations=checkout.declarations,
        donor_key=rules.donor_key(
            checkout.donor_kind, checkout.donor_name, checkout.donor_address,
            checkout.company_number,
        ),
        amount_pence=checkout.amount_pence,
        received_on=received_on,
        method=Method.CARD,
        reference=payment_intent,
        payment_reference=payment_intent,
        card_fingerprint=card,
        checkout_id=checkout.id,
    )  # fmt: skip
    db.session.add(gift)
    db.session.flush()
    db.session.add(
        GiftEvent(gift_id=gift.id, status=Status.RECEIVED, by_name="Stripe",
                  note="Paid by card on Stripe Checkout, with the donor's own declaration")
    )  # fmt: skip
    return gift


def start_check(actor: Member, gift_id: int) -> Gift:
    require_treasurer(actor)
    _move(gift_id, (Status.RECEIVED,), Status.CHECKING)
    gift = _gift(gift_id)
    _event(actor, gift, Status.CHECKING, "Permissibility check begun")
    audit.record(actor, "donations.check", "gift", gift_id)
    return gift


def accept(actor: Member, gift_id: int, check_method: str, check_evidence: str) -> Gift:
    """Accept a gift. A donation (over the threshold in force on the day it was received)
    needs a permissible donor, their complete declaration and a recorded check: how it was
    checked (e.g. the electoral register, Companies House) and the evidence."""
    require_treasurer(actor)
    gift = _gift(gift_id)
    recipient = db.session.get(Recipient, gift.recipient_id)
    threshold = figure(recipient.regime, "donation", gift.received_on)
    check_method = optional_text(check_method, "check_method", NOTE_MAX, "how it was checked")
    check_evidence = optional_text(check_evidence, "check_evidence", NOTE_MAX, "the evidence")
    if rules.is_donation(gift.amount_pence, threshold):
        if gift.donor_kind not in PERMISSIBLE:
            raise Conflict("This source is not permissible: the gift must be returned.")
        missing = rules.missing_declarations(gift.donor_kind, gift.declarations)
        if missing:
            raise Conflict("The donor has not declared: " + "; ".join(missing) + ".")
        if not check_method:
            raise Invalid("Say how the donor's permissibility was checked.", "check_method")
        if not check_evidence:
            raise Invalid("Record the evidence of the check.", "check_evidence")
    before = _accepted_total(gift)
    _move(
        gift_id, UNDECIDED, Status.ACCEPTED,
        check_method=check_method, check_evidence=check_evidence, checked_by_id=actor.id,
        checked_at=utcnow(), decided_on=today(),
    )  # fmt: skip
    gift = _gift(gift_id)
    _event(actor, gift, Status.ACCEPTED, check_method)
    audit.record(actor, "donations.accept", "gift", gift_id, amount=gift.amount_pence)
    reporting = figure(recipient.regime, "reporting", gift.received_on)
    after = before + (gift.amount_pence if rules.is_donation(gift.amount_pence, threshold) else 0)
    if rules.crosses(before, after, reporting):
        tell_treasurers(
            f"With gift {gift.id}, its donor's gifts to {recipient.name} in "
            f"{gift.received_on.year} total {pounds(after)}, over the reporting threshold of "
            f"{pounds(reporting.amount_pence)}: report them to the Electoral Commission."
        )
    return gift


def return_gift(actor: Member, gift_id: int, returned_to: str, note: str) -> Gift:
    """Return a gift that is not permissible (PPERA s.56(2)): to the donor, to whoever paid
    it on their behalf, or, when the donor cannot be identified, to the Electoral Commission."""
    require_treasurer(actor)
    if returned_to not in set(ReturnedTo):
        raise Invalid("Choose where the money goes back to.", "returned_to")
    note = required_text(note, "note", NOTE_MAX, "how and when it was returned")
    gift = _gift(gift_id)
    if returned_to == ReturnedTo.COMMISSION and gift.donor_kind != DonorKind.OTHER:
        raise Invalid(
            "Only a gift whose donor cannot be identified goes to the Electoral Commission.",
            "returned_to",
        )
    _move(gift_id, UNDECIDED, Status.RETURNED, returned_to=returned_to, decided_on=today())
    gift = _gift(gift_id)
    if gift.method == Method.CARD and gift.payment_reference:
        # To the card it came from, before the commit: if the commit then fails, Stripe's
        # idempotency key makes the next attempt the same refund, not a second one.
        refund = payments.refund(gift.payment_reference, gift.id)
        note = f"{note} (refunded to the card through Stripe: {refund})"
        checkout = db.session.get(Checkout, gift.checkout_id) if gift.checkout_id else None
        if checkout is not None and checkout.subscription_id and checkout.state != "ended":
            # A donor whose gift cannot be kept is not charged again next month.
            payments.cancel_subscription(checkout.subscription_id)
            checkout.state = "ended"
            note += "; the monthly gift is stopped"
    _event(actor, gift, Status.RETURNED, note)
    audit.record(actor, "donations.return", "gift", gift_id, returned_to=returned_to)
    return gift


def returned_by_stripe(gift_id: int, note: str) -> bool:
    """An undecided gift refunded in full in Stripe (its dashboard, say) is returned to the
    donor; False when it was already decided."""
    moved = db.session.execute(
        update(Gift)
        .where(Gift.id == gift_id, Gift.status.in_(UNDECIDED))
        .values(status=Status.RETURNED, returned_to=ReturnedTo.DONOR, decided_on=today())
    ).rowcount
    if moved:
        db.session.add(
            GiftEvent(gift_id=gift_id, status=Status.RETURNED, note=note, by_name="Stripe")
        )
    return bool(moved)


def _move(gift_id: int, from_statuses, to_status: str, **values) -> None:
    moved = db.session.execute(
        update(Gift)
        .where(Gift.id == gift_id, Gift.status.in_(from_statuses))
        .values(status=to_status, **values)
    ).rowcount
    if not moved:
        _gift(gift_id)  # 404 first
        raise Conflict("This gift has already been decided, or is not at that step.")


def _event(actor: Member, gift: Gift, status: str, note: str) -> None:
    db.session.add(
        GiftEvent(gift_id=gift.id, status=status, note=note, by_id=actor.id,
                  by_name=actor.display_name)
    )  # fmt: skip


def _accepted_total(gift: Gift) -> int:
    """Accepted donations from this gift's source to its recipient in its calendar year
    (gifts at or under the donation threshold are not donations and not added up)."""
    recipient = db.session.get(Recipient, gift.recipient_id)
    threshold = figure(recipient.regime, "donation", gift.received_on)
    floor = threshold.amount_pence if threshold else 0
    return db.session.scalar(
        select(func.coalesce(func.sum(Gift.amount_pence), 0)).where(
            Gift.recipient_id == gift.recipient_id,
            Gift.donor_key == gift.donor_key,
            Gift.status == Status.ACCEPTED,
            Gift.amount_pence > floor,
            extract("year", Gift.received_on) == gift.received_on.year,
        )
    )


def tell_treasurers(message: str) -> None:
    """A notice to the treasurer and the secretary, in the app. It names gifts by number,
    never donors: notices are kept longer than a gift may be."""
    holders = db.session.scalars(
        select(Member)
        .join(OfficeTerm, OfficeTerm.account_id == Member.id)
        .where(
            OfficeTerm.office.in_([Office.TREASURER, Office.SECRETARY]),
            OfficeTerm.left_office_on.is_(None),
        )
    )
    for holder in holders:
        notify(holder, message, "donations.ledger")


# Reading -----------------------------------------------------------------------------------


@dataclass
class LedgerLine:
    gift: Gift
    recipient: Recipient
    days_left: int
    looks_split: bool
    checked_before: date | None = None  # an undecided donation whose source passed a check then


def ledger(actor: Member, status: str | None = None) -> list[LedgerLine]:
    """Gifts with their donors, the 30-day clock and splitting flags: the treasurer only,
    and audited (donors' details reveal political opinions)."""
    require_treasurer(actor)
    status = status if status in set(Status) else None  # anything else: every gift
    audit.record(actor, "donations.read_ledger", status=status or "all")
    statement = select(Gift, Recipient).join(Recipient, Recipient.id == Gift.recipient_id)
    if status is not None:
        statement = statement.where(Gift.status == status)
    rows = db.session.execute(statement.order_by(Gift.received_on.desc(), Gift.id.desc())).all()
    on = today()
    in_force = figures()
    split = _looking_split(in_force)
    last_checks = _last_checks()
    lines = []
    for gift, recipient in rows:
        line = LedgerLine(gift, recipient, rules.days_left(gift.received_on, on), gift.id in split)
        threshold = in_force(recipient.regime, "donation", gift.received_on)
        if gift.status in UNDECIDED and rules.is_donation(gift.amount_pence, threshold):
            line.checked_before = last_checks.get(gift.donor_key)
        lines.append(line)
    return lines


def _last_checks() -> dict[str, date]:
    """Each source's latest recorded check: a new donation from it still needs its own
    (a donor may have left the register, a company stopped trading), and the ledger says
    so, with the date the last one was made."""
    rows = db.session.execute(
        select(Gift.donor_key, func.max(Gift.checked_at))
        .where(Gift.status == Status.ACCEPTED, Gift.checked_at.is_not(None))
        .group_by(Gift.donor_key)
    ).all()
    return {key: uk_day(at) for key, at in rows}


def _looking_split(in_force) -> set[int]:
    """Gifts (of any status) that look like one gift split under the donation threshold:
    several from one source to one recipient within a month, where a source is any of
    rules.same_source_keys (one query for the whole ledger)."""
    rows = db.session.execute(
        select(
            Gift.id, Gift.recipient_id, Recipient.regime, Gift.donor_key, Gift.donor_address,
            Checkout.email, Gift.card_fingerprint, Gift.amount_pence, Gift.received_on,
        )
        .join(Recipient, Recipient.id == Gift.recipient_id)
        .outerjoin(Checkout, Checkout.id == Gift.checkout_id)
    ).all()  # fmt: skip
    groups: dict[tuple, list] = {}
    for row in rows:
        keys = rules.same_source_keys(row.donor_key, row.donor_address, row.email,
                                      row.card_fingerprint)  # fmt: skip
        for key in keys:
            groups.setdefault((row.recipient_id, key), []).append(row)
    flagged: set[int] = set()
    for group in groups.values():
        threshold = in_force(group[0].regime, "donation", group[0].received_on)
        if len(group) > 1 and rules.looks_split(
            [(r.amount_pence, r.received_on) for r in group], threshold
        ):
            low = threshold.amount_pence * 7 // 10
            flagged.update(r.id for r in group if low <= r.amount_pence <= threshold.amount_pence)
    return flagged


def forget_expired(on: date | None = None) -> int:
    """Gifts kept DONATION_KEEP_YEARS after the end of the year they were received in (the
    six years PPERA s.41(4) asks of a party's accounting records; the policy for any other
    recipient: docs/donations.md), then removed with their history and checkouts (a daily
    task). How many gifts."""
    on = on or today()
    before = date(on.year - current_app.config["DONATION_KEEP_YEARS"], 1, 1)
    expired = select(Gift.id).where(Gift.received_on < before)
    checkouts = select(Gift.checkout_id).where(Gift.received_on < before)
    checkout_ids = [c for c in db.session.scalars(checkouts) if c is not None]
    db.session.execute(delete(GiftEvent).where(GiftEvent.gift_id.in_(expired)))
    removed = db.session.execute(delete(Gift).where(Gift.received_on < before)).rowcount
    still_used = select(Gift.checkout_id).where(Gift.checkout_id.is_not(None))
    cutoff = datetime.combine(before, time(), UTC)  # a payment that never matched, too
    db.session.execute(
        delete(Checkout).where(
            or_(Checkout.id.in_(checkout_ids), Checkout.created_at < cutoff),
            Checkout.id.not_in(still_used),
        )
    )
    return removed


def gift_page(actor: Member, gift_id: int) -> tuple[Gift, Recipient, list[GiftEvent]]:
    require_treasurer(actor)
    gift = _gift(gift_id)
    audit.record(actor, "donations.read_gift", "gift", gift_id)
    events = list(
        db.session.scalars(
            select(GiftEvent).where(GiftEvent.gift_id == gift_id).order_by(GiftEvent.id)
        )
    )
    return gift, db.session.get(Recipient, gift.recipient_id), events


@dataclass
class Total:
    recipient: str
    year: int
    accepted_pence: int
    gifts: int


def totals(actor: Member) -> list[Total]:
    """Accepted gifts by recipient and year, no donor: what organisers may see."""
    if not offices_of(actor) & {Office.TREASURER, Office.SECRETARY}:
        require_organiser(actor)
    year = extract("year", Gift.received_on)
    rows = db.session.execute(
        select(Recipient.name, year, func.sum(Gift.amount_pence), func.count())
        .join(Recipient, Recipient.id == Gift.recipient_id)
        .where(Gift.status == Status.ACCEPTED)
        .group_by(Recipient.name, year)
        .order_by(year.desc(), Recipient.name)
    ).all()
    return [Total(name, int(y), int(total), count) for name, y, total, count in rows]


REPORT_COLUMNS = (
    "Recipient", "Recipient status", "Donor", "Donor status", "Company number",
    "Donor address", "Amount (£)", "Received", "Accepted", "Nature", "Year's total from the "
    "donor (£)",
)  # fmt: skip


def reportable_csv(actor: Member, year: int) -> str:
    """Every accepted donation from a source whose donations to that recipient in `year`
    add up to more than the reporting threshold in force: the fields of a report to the
    Electoral Commission (their donations form), one row per donation."""
    require_treasurer(actor)
    if not 2000 <= year <= 2100:
        raise Invalid("Choose a year.", "year")
    audit.record(actor, "donations.export", year=year)
    gifts = db.session.execute(
        select(Gift, Recipient)
        .join(Recipient, Recipient.id == Gift.recipient_id)
        .where(Gift.status == Status.ACCEPTED, extract("year", Gift.received_on) == year)
        .order_by(Recipient.id, Gift.donor_key, Gift.received_on, Gift.id)
    ).all()
    in_force = figures()
    sources: dict[tuple, list[Gift]] = {}
    for gift, recipient in gifts:
        threshold = in_force(recipient.regime, "donation", gift.received_on)
        if rules.is_donation(gift.amount_pence, threshold):
            sources.setdefault((recipient, gift.donor_key), []).append(gift)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for (recipient, _key), donations in sources.items():
        total = sum(g.amount_pence for g in donations)
        reporting = in_force(recipient.regime, "reporting", date(year, 12, 31))
        if reporting is None or total <= reporting.amount_pence:
            continue
        for g in donations:
            writer.writerow([spreadsheet_safe(str(cell)) for cell in (
                recipient.name, recipient.regime, g.donor_name, g.donor_kind,
                g.company_number or "", g.donor_address.replace("\n", ", "),
                decimal_pounds(g.amount_pence), g.received_on.isoformat(),
                g.decided_on.isoformat() if g.decided_on else "", "Cash", decimal_pounds(total),
            )])  # fmt: skip
    return out.getvalue()


def undecided_reminders(on: date | None = None) -> int:
    """Tell the treasurers about gifts still undecided on day 20 of their 30 (a beat task)."""
    on = on or today()
    due = list(
        db.session.scalars(
            select(Gift).where(
                Gift.status.in_(UNDECIDED),
                Gift.received_on == on - timedelta(days=rules.REMIND_ON_DAY),
            )
        )
    )
    for gift in due:
        left = rules.DECIDE_WITHIN_DAYS - rules.REMIND_ON_DAY
        tell_treasurers(
            f"Gift {gift.id} ({pounds(gift.amount_pence)}) has {left} days left to be "
            "accepted or returned."
        )
    return len(due)


def _gift(gift_id: int) -> Gift:
    gift = db.session.get(Gift, gift_id, populate_existing=True)
    if gift is None:
        raise NotFound("We could not find that gift.")
    return gift


def gifts_of_account(account_id: int) -> list[Gift]:
    return list(
        db.session.scalars(select(Gift).where(Gift.account_id == account_id).order_by(Gift.id))
    )
