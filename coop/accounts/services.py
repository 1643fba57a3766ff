"""Joining, verifying, signing in and managing an account. Callers commit."""

import hashlib
import hmac
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coop.accounts import names
from coop.accounts.models import Member, Role
from coop.accounts.permissions import require_admin
from coop.audit import services as audit
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.mail.requests import queue_request
from coop.mail.services import absolute_url, queue_email
from coop.privacy.services import record_joining_consents
from coop.security import (
    check_password_policy,
    hash_password,
    make_token,
    needs_rehash,
    read_token,
    verify_password,
)
from coop.uktime import utcnow
from coop.validation import required_text

VERIFY, RESET, CHANGE_EMAIL = "verify-email", "reset-password", "change-email"
WRONG_CREDENTIALS = "That email address and password do not match an account."


def normalise_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid("Enter a valid email address, like name@example.org.", "email") from error


def email_or_none(raw: str) -> str | None:
    """The address in its normal form, or None when it is not an address."""
    try:
        return normalise_email(raw)
    except Invalid:
        return None


def find_by_email(email: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.email == email))


def join(
    display_name: str,
    email: str,
    password: str,
    notice_version: str,
    political_opinions: bool,
    email_updates: bool,
) -> Member | None:
    """Create an unverified member and email the verification link.

    When the address already belongs to a member, nothing is created and that member is
    told someone tried to join with it; the caller answers the same either way.
    """
    display_name = names.check_new_name(display_name)
    email = normalise_email(email)
    check_password_policy(password, email, email.split("@")[0], display_name)
    if notice_version != current_app.config["PRIVACY_NOTICE_VERSION"]:
        raise Invalid("The privacy notice has changed. Please read it again.", "accept_privacy")
    if not political_opinions:
        raise Invalid(
            "Taking part means sharing your views, so we need this consent.", "political_consent"
        )
    password_hash = hash_password(password)  # also on the existing-address path: same timing
    existing = find_by_email(email)
    if existing is not None:
        _send_join_attempt_notice(existing)
        return None
    member = Member(
        display_name=display_name, email=email, password_hash=password_hash, role=Role.MEMBER
    )
    try:
        with db.session.begin_nested():  # a SAVEPOINT: losing the race undoes only this
            db.session.add(member)
            record_joining_consents(member, notice_version, political_opinions, email_updates)
    except IntegrityError:  # the same address joined a moment ago: answer as for any
        existing = find_by_email(email)
        if existing is not None:
            _send_join_attempt_notice(existing)
        return None
    send_verification(member)
    return member


def _send_join_attempt_notice(member: Member) -> None:
    """An unconfirmed account may have been opened by someone else with this address and a
    password of their choosing: its owner gets a link to choose their own password (which
    confirms the address and ends every session), never one confirming the account as it is."""
    queue_email(
        member.email,
        "Someone tried to join with your email address",
        "accounts/email/join_attempt",
        member_id=member.id,
        member=member,
        set_password_link=None if member.is_verified else _reset_link(member),
        reset_link=absolute_url("accounts.forgot_password"),
        minutes=current_app.config["RESET_TOKEN_MINUTES"],
    )


def _verification_link(member: Member) -> str:
    token = make_token(VERIFY, {"m": member.id, "e": member.email})
    return absolute_url("accounts.verify_email", token=token)


def send_verification(member: Member) -> None:
    queue_email(
        member.email,
        "Confirm your email address",
        "accounts/email/verify",
        member_id=member.id,
        member=member,
        link=_verification_link(member),
        hours=current_app.config["VERIFY_TOKEN_HOURS"],
    )


def request_verification_email(email: str) -> None:
    """Answer alike for any address: the lookup happens in the worker, after the request."""
    _after_commit("coop.accounts.send_verification_email", email)


def send_verification_email(email: str) -> None:
    member = find_by_email(email)
    if member is not None and not member.is_verified:
        send_verification(member)


def _after_commit(task_name: str, email: str) -> None:
    try:
        address = normalise_email(email)
    except Invalid:
        return
    queue_request(db.session, task_name, address)  # durable: an outbox row the sweep retries


def member_of_verification(token: str) -> Member:
    """The account a confirmation link is for, if the link is good and still unused."""
    payload = read_token(VERIFY, token, current_app.config["VERIFY_TOKEN_HOURS"] * 3600)
    member = db.session.get(Member, payload.get("m"))
    if member is None or member.email != payload.get("e"):
        raise Invalid("This link is no longer valid. Sign in to ask for a new one.")
    if member.is_verified:
        raise Conflict("This link has already been used: your email address is confirmed.")
    return member


def verify_email(token: str, password: str | None, signed_in: Member | None = None) -> Member:
    """Confirm the address, for whoever shows the account's password (or is signed in to
    the account). Without that, the owner of an address that someone else joined with
    could be led to confirm an account whose password the other person holds. Every
    session of the account ends: whoever joined with this address may not be its owner,
    and must not stay signed in to the confirmed account (the caller signs the confirming
    browser in again when it was signed in to this account)."""
    member = member_of_verification(token)
    knows_it = signed_in is not None and getattr(signed_in, "id", None) == member.id
    if not knows_it and not verify_password(member.password_hash, password or ""):
        raise Invalid(
            "That is not the password of this account. If you did not join, do not confirm: "
            "choose your own password with “Forgotten your password?” instead.",
            "password",
        )
    member.email_verified_at = utcnow()
    member.end_all_sessions()
    return member


@cache
def _dummy_hash(_params: tuple) -> str:
    return hash_password("not a real password, only used to spend the same time")


def authenticate(email: str, password: str) -> Member:
    config = current_app.config
    try:
        member = find_by_email(normalise_email(email))
    except Invalid:
        member = None
    if member is None:
        params = (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"])
        verify_password(_dummy_hash(params), password)
        raise Invalid(WRONG_CREDENTIALS)
    if not verify_password(member.password_hash, password):
        raise Invalid(WRONG_CREDENTIALS)
    if member.is_banned:
        raise Invalid("This account is banned. You can write to the organisers to ask why.")
    if needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    member.last_sign_in_at = utcnow()
    return member


def _account_fingerprint(member: Member) -> str:
    """Changes whenever the password, the email address or the session token changes, so a
    reset or change-of-email link dies with any of those (and after its first use)."""
    state = f"{member.password_hash}|{member.email}|{member.session_token}"
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def request_password_reset(email: str) -> None:
    """Answer alike for any address: the lookup happens in the worker, after the request."""
    _after_commit("coop.accounts.send_password_reset_email", email)


def send_password_reset_email(email: str) -> None:
    member = find_by_email(email)
    if member is None:
        return
    queue_email(
        member.email,
        "Reset your password",
        "accounts/email/reset",
        member_id=member.id,
        member=member,
        link=_reset_link(member),
        minutes=current_app.config["RESET_TOKEN_MINUTES"],
    )


def _reset_link(member: Member) -> str:
    token = make_token(RESET, {"m": member.id, "f": _account_fingerprint(member)})
    return absolute_url("accounts.reset_password", token=token)


def _member_for_token(payload: dict, lock: bool = False) -> Member | None:
    member_id = payload.get("m")
    if not isinstance(member_id, int):
        return None
    member = db.session.get(Member, member_id, with_for_update=lock)
    fingerprint = str(payload.get("f", ""))
    if member is None or not hmac.compare_digest(fingerprint, _account_fingerprint(member)):
        return None
    return member


def member_for_reset(token: str, lock: bool = False) -> Member:
    payload = read_token(RESET, token, current_app.config["RESET_TOKEN_MINUTES"] * 60)
    member = _member_for_token(payload, lock)
    if member is None:
        raise Invalid("This link has already been used. Ask for a new one if you need it.")
    return member


def reset_password(token: str, new_password: str) -> Member:
    member = member_for_reset(token, lock=True)
    _set_password(member, new_password)
    # Following the emailed link proves the member controls the address.
    member.email_verified_at = member.email_verified_at or utcnow()
    return member


def _set_password(member: Member, new_password: str) -> None:
    check_password_policy(
        new_password, member.email, member.email.split("@")[0], member.display_name
    )
    member.password_hash = hash_password(new_password)
    member.end_all_sessions()
    queue_email(
        member.email,
        "Your password was changed",
        "accounts/email/password_changed",
        member_id=member.id,
        member=member,
        reset_link=absolute_url("accounts.forgot_password"),
    )


def change_password(member: Member, current_password: str, new_password: str) -> None:
    if not verify_password(member.password_hash, current_password):
        raise Invalid("Your current password is not right.", "current_password")
    _set_password(member, new_password)


def request_email_change(member: Member, password: str, new_email: str) -> None:
    if not verify_password(member.password_hash, password):
        raise Invalid("Your password is not right.", "password")
    new_email = normalise_email(new_email)
    if new_email == member.email:
        raise Invalid("That is already your email address.", "email")
    payload = {"m": member.id, "f": _account_fingerprint(member), "new": new_email}
    token = make_token(CHANGE_EMAIL, payload)
    queue_email(
        new_email,
        "Confirm your new email address",
        "accounts/email/change_email",
        member_id=member.id,
        member=member,
        link=absolute_url("accounts.confirm_email_change", token=token),
        hours=current_app.config["VERIFY_TOKEN_HOURS"],
    )


def confirm_email_change(token: str) -> Member:
    payload = read_token(CHANGE_EMAIL, token, current_app.config["VERIFY_TOKEN_HOURS"] * 3600)
    member = _member_for_token(payload, lock=True)
    if member is None:
        raise Invalid(
            "This link has already been used, or the account changed since it was sent "
            "(a new password or signing out everywhere). Ask for a new one."
        )
    new_email = str(payload.get("new"))
    if find_by_email(new_email) is not None:
        raise Conflict("Another account already uses that email address.")
    old_email = member.email
    member.email = new_email
    member.email_verified_at = utcnow()
    member.end_all_sessions()  # also kills any older link made for the same address
    try:
        db.session.flush()
    except IntegrityError as error:  # the address was claimed at the same moment
        raise Conflict("Another account already uses that email address.") from error
    queue_email(
        old_email,
        "Your email address was changed",
        "accounts/email/email_changed",
        member_id=member.id,
        member=member,
    )
    return member


def sign_out_everywhere(member: Member) -> None:
    member.end_all_sessions()


def member_by_email_or_404(email: str) -> Member:
    member = find_by_email(normalise_email(email))
    if member is None:
        raise NotFound(f"No member has the email address {email}.", "email")
    return member


def set_role(email: str, role: Role, actor: Member | None = None, reason: str = "") -> Member:
    """Change a member's role. From the command line the actor is None; on the web it is an
    admin, who cannot change their own role (nobody locks the network out by mistake)."""
    if actor is not None:
        require_admin(actor)
    reason = required_text(reason, "reason", 500, "the reason for this change")
    if role not in set(Role):
        raise Invalid("Choose a role.", "role")
    member = member_by_email_or_404(email)
    if actor is not None and member.id == actor.id:
        raise NotAllowed("You cannot change your own role. Ask another admin.")
    if member.role != role:
        audit.record(actor, "role.change", "member", member.id, reason=reason,
                     previous=member.role, new=role)  # fmt: skip
        member.role = role
    return member


def staff() -> list[Member]:
    """Organisers and admins, for the roles page."""
    return list(
        db.session.scalars(
            select(Member)
            .where(Member.role.in_([Role.ORGANISER, Role.ADMIN]))
            .order_by(Member.role, Member.display_name)
        )
    )


def create_verified_member(
    display_name: str, email: str, password: str, role: Role = Role.MEMBER
) -> Member:
    """For the command line: an account that needs no emailed link (an admin, demo data)."""
    display_name = names.normalise(display_name)
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise Conflict("A member already has that email address.", "email")
    check_password_policy(password, email, display_name)
    member = Member(
        display_name=display_name,
        email=email,
        password_hash=hash_password(password),
        role=role,
        email_verified_at=utcnow(),
    )
    db.session.add(member)
    record_joining_consents(
        member, current_app.config["PRIVACY_NOTICE_VERSION"], True, email_updates=False
    )
    db.session.flush()
    if role != Role.MEMBER:
        audit.record(None, "role.change", "member", member.id, reason="Created with this role",
                     previous=None, new=role)  # fmt: skip
    return member
