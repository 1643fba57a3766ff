"""Applying, admission, the registers and leaving: the rules and the writes, each audited.
Callers commit. Every change of state is a conditional UPDATE (or a unique index), so that
two officers acting at once, or a form sent twice, change nothing twice."""

import csv
import io
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from coop.accounts.models import Member
from coop.accounts.permissions import require_contributor
from coop.audit import services as audit
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.membership import queries, rules, signals
from coop.membership.models import (
    NAME_MAX,
    NOTE_MAX,
    Application,
    ApplicationState,
    Ceased,
    EntryKind,
    Inspection,
    Membership,
    Office,
    OfficerEntry,
    OfficeTerm,
    PaymentMethod,
    RegisterEntry,
)
from coop.membership.permissions import (
    current_membership,
    require_board,
    require_registrar,
    require_secretary,
    require_treasurer,
)
from coop.money import decimal_pounds, pounds
from coop.notifications.services import notify
from coop.uktime import uk_today as today
from coop.uktime import utcnow
from coop.validation import optional_text, plain_text, required_text, spreadsheet_safe

NOTICES_PURPOSE = "notices and documents under the Act"


def _settings() -> rules.Rules:
    return rules.Rules.from_config(current_app.config)


# Applying ----------------------------------------------------------------------------------


def apply(
    actor: Member,
    legal_name: str,
    postal_address: str,
    shares: int | None,
    eligible: bool,
    agrees_to_rules: bool,
    notices_by_email: bool,
) -> Application:
    """A supporter asks to become a member: their details for the register, their statement
    of eligibility and agreement to the rules (the version recorded), and the share(s) they
    will pay for. One pending application at a time; none from a current member."""
    require_contributor(actor)
    settings = _settings()
    legal_name = required_text(legal_name, "legal_name", NAME_MAX, "your full legal name")
    postal_address = rules.postal_address(postal_address, "postal_address")
    shares = settings.checked_shares(shares, "shares")
    if not eligible:
        raise Invalid(
            "Membership is open only to those who meet the rules' conditions.", "eligible"
        )
    if not agrees_to_rules:
        raise Invalid("To become a member you must agree to the rules.", "agrees_to_rules")
    if current_membership(actor.id) is not None:
        raise Conflict("You are already a member of the co-operative.")
    application = Application(
        account_id=actor.id,
        legal_name=legal_name,
        postal_address=postal_address,
        notices_by_email=bool(notices_by_email),
        eligible=True,
        rules_version=settings.rules_version,
        shares=shares,
        amount_due_pence=shares * settings.share_pence,
    )
    try:
        with db.session.begin_nested():  # a SAVEPOINT: the unique index settles a race
            db.session.add(application)
    except IntegrityError:
        raise Conflict("You have already applied: your application is with the board.") from None
    audit.record(actor, "membership.apply", "application", application.id, shares=shares)
    return application


def withdraw_application(actor: Member, application_id: int) -> None:
    application = _application(application_id)
    if application.account_id != actor.id:
        raise NotFound("We could not find that application.")
    _decide(actor, application_id, ApplicationState.WITHDRAWN, "")
    audit.record(actor, "membership.withdraw_application", "application", application_id)


def record_payment(
    actor: Member,
    application_id: int,
    method: str,
    amount_pence: int | None,
    paid_on: date | None,
    reference: str,
) -> Application:
    """The treasurer records the share's payment (bank transfer, cheque or cash). Once."""
    require_treasurer(actor)
    if method not in set(PaymentMethod):
        raise Invalid("Choose how the payment was made.", "method")
    reference = optional_text(reference, "reference", 100, "the reference")
    application = _application(application_id)
    if amount_pence is None or amount_pence != application.amount_due_pence:
        due = pounds(application.amount_due_pence)
        raise Invalid(f"The amount due for the share(s) is {due}.", "amount")
    paid_on = rules.past_or_today(paid_on, today(), "paid_on", "the date it was received")
    moved = db.session.execute(
        update(Application)
        .where(
            Application.id == application_id,
            Application.state == ApplicationState.PENDING,
            Application.payment_method.is_(None),
        )
        .values(
            payment_method=method,
            payment_reference=reference,
            amount_paid_pence=amount_pence,
            paid_on=paid_on,
        )
    ).rowcount
    if not moved:
        raise Conflict("A payment is already recorded for this application, or it was decided.")
    audit.record(
        actor, "membership.payment", "application", application_id,
        method=method, amount_pence=amount_pence,
    )  # fmt: skip
    db.session.refresh(application)
    return application


def admit(actor: Member, application_id: int, reason: str = "") -> Membership:
    """The board admits a paid application: the member enters the register today."""
    require_board(actor)
    reason = optional_text(reason, "reason", NOTE_MAX, "the note")
    application = _application(application_id)
    if application.state != ApplicationState.PENDING:
        raise Conflict("This application has already been decided.")
    if not application.is_paid:
        raise Conflict("The share must be paid (and the payment recorded) before admission.")
    account = db.session.get(Member, application.account_id)
    on = today()
    membership = Membership(account_id=application.account_id, admitted_on=on)
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError:
        raise Conflict("This person is already a member of the co-operative.") from None
    _decide(actor, application_id, ApplicationState.ADMITTED, reason, membership_id=membership.id)
    _enter(
        actor,
        RegisterEntry(
            membership_id=membership.id,
            kind=EntryKind.ADMITTED,
            name=application.legal_name,
            postal_address=application.postal_address,
            electronic_address=account.email if application.notices_by_email else None,
            electronic_purposes=NOTICES_PURPOSE if application.notices_by_email else "",
            shares=application.shares,
            paid_pence=application.amount_paid_pence,
            admitted_on=on,
        ),
    )
    audit.record(actor, "membership.admit", "application", application_id, membership=membership.id)
    notify(
        account,
        f"Welcome: the board admitted you as a member of the co-operative (membership number "
        f"{membership.id}). You can now vote on binding proposals and at general meetings.",
        "membership.mine",
    )
    return membership


def refuse(actor: Member, application_id: int, reason: str) -> Application:
    """The board refuses an application, with a reason the applicant is told; a share
    already paid is to be returned, and the message says so."""
    require_board(actor)
    reason = required_text(reason, "reason", NOTE_MAX, "the reason")
    application = _application(application_id)
    _decide(actor, application_id, ApplicationState.REFUSED, reason)
    audit.record(actor, "membership.refuse", "application", application_id, reason=reason)
    paid = " Your payment will be returned to you." if application.amount_paid_pence else ""
    notify(
        db.session.get(Member, application.account_id),
        f"The board did not admit you as a member of the co-operative. Reason: {reason}.{paid}",
        "membership.mine",
    )
    return application


def _decide(actor: Member, application_id: int, state: str, reason: str, **values) -> None:
    """Move a pending application to `state`, once: a second decision finds it decided."""
    moved = db.session.execute(
        update(Application)
        .where(Application.id == application_id, Application.state == ApplicationState.PENDING)
        .values(state=state, decided_at=utcnow(), decided_by_id=actor.id, reason=reason, **values)
    ).rowcount
    if not moved:
        raise Conflict("This application has already been decided.")


# The register of members --------------------------------------------------------------------


def latest_entry(membership_id: int) -> RegisterEntry:
    entry = db.session.scalar(
        select(RegisterEntry)
        .where(RegisterEntry.membership_id == membership_id)
        .order_by(RegisterEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        raise NotFound("We could not find that member in the register.")
    return entry


def _enter(actor: Member | None, entry: RegisterEntry) -> RegisterEntry:
    entry.recorded_by_id = actor.id if actor is not None else None
    entry.recorded_by_name = actor.display_name if actor is not None else audit.COMMAND_LINE
    db.session.add(entry)
    db.session.flush()
    return entry


def _next_entry(
    actor: Member | None, previous: RegisterEntry, kind: str, **changes
) -> RegisterEntry:
    """A new entry: the previous one as it was, with `changes`."""
    copied = {
        name: getattr(previous, name)
        for name in (
            "membership_id", "name", "postal_address", "electronic_address",
            "electronic_purposes", "shares", "paid_pence", "other_property", "admitted_on",
            "resignation_notice_on", "ceased_on", "ceased_reason",
        )
    }  # fmt: skip
    return _enter(actor, RegisterEntry(**{**copied, "kind": kind, "note": "", **changes}))


def change_details(
    actor: Member, membership_id: int, name: str, postal_address: str, notices_by_email: bool
) -> RegisterEntry:
    """The member (their own entry) or the secretary records a new name or address."""
    membership = _membership(membership_id)
    if membership.account_id != actor.id:
        require_secretary(actor)
    if membership.ceased_on is not None:
        raise Conflict("This membership has ended; its entry is kept as it was.")
    name = required_text(name, "name", NAME_MAX, "the full legal name")
    postal_address = rules.postal_address(postal_address, "postal_address")
    account = db.session.get(Member, membership.account_id) if membership.account_id else None
    email = account.email if (notices_by_email and account is not None) else None
    previous = latest_entry(membership_id)
    if (name, postal_address, email) == (
        previous.name,
        previous.postal_address,
        previous.electronic_address,
    ):
        raise Invalid("Nothing has changed.", "name")
    entry = _next_entry(
        actor, previous, EntryKind.DETAILS,
        name=name, postal_address=postal_address, electronic_address=email,
        electronic_purposes=NOTICES_PURPOSE if email else "",
    )  # fmt: skip
    audit.record(actor, "register.details", "membership", membership_id)
    return entry


# Leaving --------------------------------------------------------------------------------------


def give_notice(actor: Member) -> Membership:
    """A member resigns: the date of their notice is recorded (it counts for the Act,
    s.124(2)(e)); the board approves the withdrawal of the share and its refund."""
    membership = current_membership(actor.id)
    if membership is None:
        raise NotFound("You are not a member of the co-operative.")
    on = today()
    moved = db.session.execute(
        update(Membership)
        .where(
            Membership.id == membership.id,
            Membership.ceased_on.is_(None),
            Membership.resignation_notice_on.is_(None),
        )
        .values(resignation_notice_on=on)
    ).rowcount
    if not moved:
        raise Conflict("Your resignation is already with the board.")
    previous = latest_entry(membership.id)
    _next_entry(actor, previous, EntryKind.RESIGNATION_NOTICE, resignation_notice_on=on)
    audit.record(actor, "membership.resign", "membership", membership.id)
    return membership


def approve_resignation(
    actor: Member, membership_id: int, refund_pence: int | None, method: str, note: str
) -> Membership:
    """The board approves a resignation; the share's refund (as the rules allow) is recorded
    with it, and the membership ends today."""
    require_board(actor)
    membership = _membership(membership_id)
    if membership.resignation_notice_on is None:
        raise Conflict("This member has not resigned.")
    previous = latest_entry(membership_id)
    if refund_pence is None or not 0 <= refund_pence <= previous.paid_pence:
        paid = pounds(previous.paid_pence)
        raise Invalid(f"The refund is an amount from £0 to {paid}.", "refund")
    if refund_pence and method not in set(PaymentMethod):
        raise Invalid("Choose how the refund is paid.", "method")
    note = optional_text(note, "note", NOTE_MAX, "the note")
    refund = f"Refund {pounds(refund_pence)}" + (
        f" by {method.replace('_', ' ')}" if refund_pence else ""
    )
    return _cease(
        actor, membership, Ceased.RESIGNED, today(), f"{refund}. {note}".strip(), paid_pence=0
    )


def record_cessation(
    actor: Member, membership_id: int, reason: str, on: date | None, note: str
) -> Membership:
    """The secretary records a death, or cessation for non-payment where the rules provide
    for it. Expulsion is decided only by a general meeting (the next step's hook: its
    resolution calls `_cease` itself)."""
    require_secretary(actor)
    membership = _membership(membership_id)
    if reason == Ceased.DIED:
        pass
    elif reason == Ceased.NON_PAYMENT:
        if not _settings().non_payment_ceases:
            raise NotAllowed("The rules do not end a membership for non-payment.", "reason")
    elif reason == Ceased.EXPELLED:
        raise NotAllowed("Only a general meeting can expel a member, by the rules' process.")
    else:
        raise Invalid("Choose why the membership ends.", "reason")
    on = rules.past_or_today(on, today(), "on", "the date")
    if on < membership.admitted_on:
        raise Invalid("The date cannot be before the member was admitted.", "on")
    note = optional_text(note, "note", NOTE_MAX, "the note")
    return _cease(actor, membership, reason, on, note)


def _cease(
    actor: Member, membership: Membership, reason: str, on: date, note: str, **changes
) -> Membership:
    moved = db.session.execute(
        update(Membership)
        .where(Membership.id == membership.id, Membership.ceased_on.is_(None))
        .values(ceased_on=on, ceased_reason=reason)
    ).rowcount
    if not moved:
        raise Conflict("This membership has already ended.")
    previous = latest_entry(membership.id)
    _next_entry(
        actor, previous, EntryKind.CEASED, ceased_on=on, ceased_reason=reason, note=note, **changes
    )
    audit.record(actor, "membership.cease", "membership", membership.id, reason=reason)
    if membership.account_id is not None:
        signals.ceased.send(membership.account_id)  # their ballots in members' votes go
    account = db.session.get(Member, membership.account_id) if membership.account_id else None
    if account is not None and reason != Ceased.DIED:
        notify(
            account,
            "Your membership of the co-operative has ended. You remain a supporter of the "
            "network unless you delete your account.",
            "membership.mine",
        )
    db.session.refresh(membership)
    return membership


# The register of officers -------------------------------------------------------------------


def appoint(
    actor: Member,
    email: str,
    office: str,
    name: str,
    postal_address: str,
    took_office_on: date | None,
    note: str = "",
) -> OfficeTerm:
    """The secretary (or, for the first secretary, an admin) records an appointment: the
    officer's account gets the board's powers on the platform while the term lasts."""
    require_registrar(actor)
    if office not in set(Office):
        raise Invalid("Choose the office.", "office")
    account = db.session.scalar(select(Member).where(Member.email == (email or "").strip().lower()))
    if account is None or not account.is_verified:
        raise Invalid("There is no confirmed account with this email address.", "email")
    name = required_text(name, "name", NAME_MAX, "the officer's full name")
    postal_address = rules.postal_address(postal_address, "postal_address")
    took_office_on = rules.past_or_today(took_office_on, today(), "took_office_on", "the date")
    note = optional_text(note, "note", NOTE_MAX, "the note")
    term = OfficeTerm(account_id=account.id, office=office, took_office_on=took_office_on)
    try:
        with db.session.begin_nested():
            db.session.add(term)
    except IntegrityError:
        raise Conflict(
            "That office is held: record the end of the current term first.", "office"
        ) from None
    _officer_entry(
        actor,
        OfficerEntry(
            term_id=term.id, kind="appointed", name=name, postal_address=postal_address,
            electronic_address=account.email, office=office, took_office_on=took_office_on,
            note=note,
        ),
    )  # fmt: skip
    audit.record(actor, "register.appoint", "office_term", term.id, office=office)
    return term


def end_term(actor: Member, term_id: int, left_on: date | None, note: str) -> OfficeTerm:
    require_registrar(actor)
    term = db.session.get(OfficeTerm, term_id)
    if term is None:
        raise NotFound("We could not find that term of office.")
    left_on = rules.past_or_today(left_on, today(), "left_on", "the date")
    if left_on < term.took_office_on:
        raise Invalid("The date cannot be before the term began.", "left_on")
    note = optional_text(note, "note", NOTE_MAX, "the note")
    moved = db.session.execute(
        update(OfficeTerm)
        .where(OfficeTerm.id == term_id, OfficeTerm.left_office_on.is_(None))
        .values(left_office_on=left_on)
    ).rowcount
    if not moved:
        raise Conflict("This term of office has already ended.")
    previous = db.session.scalar(
        select(OfficerEntry).where(OfficerEntry.term_id == term_id).order_by(OfficerEntry.id.desc())
    )
    _officer_entry(
        actor,
        OfficerEntry(
            term_id=term_id, kind="left", name=previous.name,
            postal_address=previous.postal_address,
            electronic_address=previous.electronic_address, office=previous.office,
            took_office_on=previous.took_office_on, left_office_on=left_on, note=note,
        ),
    )  # fmt: skip
    audit.record(actor, "register.end_term", "office_term", term_id)
    db.session.refresh(term)
    return term


def _officer_entry(actor: Member, entry: OfficerEntry) -> None:
    entry.recorded_by_id = actor.id
    entry.recorded_by_name = actor.display_name
    db.session.add(entry)


# Inspection (s.103) --------------------------------------------------------------------------


def request_inspection(actor: Member) -> Inspection:
    """A member asks to inspect the duplicate register; one open request at a time."""
    if current_membership(actor.id) is None:
        raise NotAllowed("Only members of the co-operative can inspect the register.")
    waiting = db.session.scalar(
        select(Inspection).where(
            Inspection.account_id == actor.id,
            (Inspection.fulfilled_at.is_(None)) | (Inspection.open_until > utcnow()),
        )
    )
    if waiting is not None:
        raise Conflict(
            "Your request is already with the secretary, or the register is open to you."
        )
    inspection = Inspection(account_id=actor.id)
    db.session.add(inspection)
    db.session.flush()
    audit.record(actor, "register.inspection_request", "inspection", inspection.id)
    return inspection


def fulfil_inspection(actor: Member, inspection_id: int) -> Inspection:
    require_secretary(actor)
    now = utcnow()
    until = now + timedelta(days=_settings().inspection_days)
    moved = db.session.execute(
        update(Inspection)
        .where(Inspection.id == inspection_id, Inspection.fulfilled_at.is_(None))
        .values(fulfilled_at=now, fulfilled_by_id=actor.id, open_until=until)
    ).rowcount
    if not moved:
        if db.session.get(Inspection, inspection_id) is None:
            raise NotFound("We could not find that request.")
        raise Conflict("This request has already been fulfilled.")
    inspection = db.session.get(Inspection, inspection_id)
    audit.record(actor, "register.inspection_open", "inspection", inspection_id)
    notify(
        db.session.get(Member, inspection.account_id),
        "The secretary has opened the register of members to you for inspection.",
        "membership.inspect",
    )
    return inspection


def may_inspect(actor: Member) -> bool:
    if current_membership(actor.id) is None:
        return False
    return (
        db.session.scalar(
            select(Inspection.id).where(
                Inspection.account_id == actor.id, Inspection.open_until > utcnow()
            )
        )
        is not None
    )


# Reading the registers: every read by an officer is audited --------------------------------


def board_application(actor: Member, application_id: int) -> Application:
    require_board(actor)
    application = _application(application_id)
    audit.record(actor, "membership.read_application", "application", application_id)
    return application


def read_register(actor: Member, query: str, page: int):
    require_secretary(actor)
    query = plain_text(query, "q", "the search")  # a NUL byte is a 400, not a 500
    audit.record(actor, "register.read", query=query[:100], page=page)
    return queries.register_page(query, page)


def member_history(actor: Member, membership_id: int) -> list[RegisterEntry]:
    require_board(actor)
    entries = queries.history(membership_id)
    if not entries:
        raise NotFound("We could not find that member in the register.")
    audit.record(actor, "register.read_member", "membership", membership_id)
    return entries


REGISTER_COLUMNS = (
    "Membership number", "Name", "Postal address", "Electronic address",
    "Electronic address for", "Shares", "Amount paid (£)", "Other property", "Admitted",
    "Resignation notice", "Ceased", "Why ceased",
)  # fmt: skip
OFFICER_COLUMNS = (
    "Term", "Name", "Postal address", "Electronic address", "Office", "Took office",
    "Left office",
)  # fmt: skip


def register_csv(actor: Member) -> str:
    """The register of members as it stands, every member past and present (s.30(2))."""
    require_secretary(actor)
    audit.record(actor, "register.export", format="csv")
    rows = [
        (
            e.membership_id, e.name, e.postal_address.replace("\n", ", "),
            e.electronic_address or "", e.electronic_purposes, e.shares,
            decimal_pounds(e.paid_pence), e.other_property, e.admitted_on.isoformat(),
            _iso(e.resignation_notice_on), _iso(e.ceased_on), e.ceased_reason or "",
        )
        for e in queries.register_rows()
    ]  # fmt: skip
    return _csv(REGISTER_COLUMNS, rows)


def register_for_print(actor: Member) -> list[RegisterEntry]:
    require_secretary(actor)
    audit.record(actor, "register.export", format="print")
    return queries.register_rows()


def read_officers(actor: Member, export: str = "") -> list[OfficerEntry]:
    require_secretary(actor)
    audit.record(actor, "register.read_officers", format=export or "page")
    return queries.officer_rows()


def officers_csv(actor: Member) -> str:
    rows = [
        (
            e.term_id, e.name, e.postal_address.replace("\n", ", "),
            e.electronic_address or "", e.office, e.took_office_on.isoformat(),
            _iso(e.left_office_on),
        )
        for e in read_officers(actor, "csv")
    ]  # fmt: skip
    return _csv(OFFICER_COLUMNS, rows)


def open_for_inspection(actor: Member) -> list[RegisterEntry]:
    """The duplicate register for a member the secretary opened it to (s.103: "all entries"
    but shares and other property): names, addresses and dates of every member the register
    still holds, former members included; the template shows no shares or property."""
    if not may_inspect(actor):
        raise NotAllowed("Ask the secretary to open the register to you first.")
    audit.record(actor, "register.inspect")
    return queries.register_rows()


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _csv(header: tuple, rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
    return out.getvalue()


# Retention ------------------------------------------------------------------------------------


def forget_expired(on: date | None = None) -> int:
    """Remove what the society no longer keeps: the entries of memberships ceased and of
    terms of office ended more than COOP_REGISTER_KEEP_YEARS ago (with the application that
    led to the membership), and applications refused or withdrawn more than
    COOP_REFUSED_KEEP_DAYS ago. Returns how many rows went."""
    settings = _settings()
    on = on or today()
    before = rules.years_before(on, settings.register_keep_years)
    gone_members = select(Membership.id).where(Membership.ceased_on < before)
    gone_terms = select(OfficeTerm.id).where(OfficeTerm.left_office_on < before)
    removed = 0
    for statement in (
        delete(Application).where(Application.membership_id.in_(gone_members)),
        delete(RegisterEntry).where(RegisterEntry.membership_id.in_(gone_members)),
        delete(Membership).where(Membership.id.in_(gone_members)),
        delete(OfficerEntry).where(OfficerEntry.term_id.in_(gone_terms)),
        delete(OfficeTerm).where(OfficeTerm.id.in_(gone_terms)),
        delete(Application).where(
            Application.state.in_([ApplicationState.REFUSED, ApplicationState.WITHDRAWN]),
            Application.decided_at < utcnow() - timedelta(days=settings.refused_keep_days),
        ),
        delete(Inspection).where(Inspection.open_until < utcnow() - timedelta(days=365)),
    ):
        removed += db.session.execute(statement).rowcount
    return removed


# Lookups ---------------------------------------------------------------------------------------


def _application(application_id: int) -> Application:
    application = db.session.get(Application, application_id, populate_existing=True)
    if application is None:
        raise NotFound("We could not find that application.")
    return application


def _membership(membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id, populate_existing=True)
    if membership is None:
        raise NotFound("We could not find that member in the register.")
    return membership
