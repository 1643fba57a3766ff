"""Two-step sign-in (TOTP from an authenticator app, RFC 6238) with single-use recovery
codes. Organisers and admins have no powers until they have set it up.

Turning it on or off, and new recovery codes, need the member's password typed again, so a
session left open (or stolen) cannot swap in an attacker's authenticator. An admin may reset
a member's two-step sign-in (a lost phone): a reason is required, it goes into the audit
log, and the member is emailed.

Recovery codes are kept as Argon2id hashes (each with its own salt) of the SHA-256 of the
code: a copy of the database does not give them up, where an unsalted SHA-256 of a 48-bit
code falls to a graphics card in hours. The SHA-256 step is what codes were stored as before
migration 0011, which hashed each stored value again, so codes issued earlier keep working.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from functools import cache

import pyotp
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from coop.accounts.models import Member, RecoveryCode
from coop.accounts.permissions import require_admin
from coop.audit import services as audit
from coop.errors import Conflict, Invalid, NotAllowed
from coop.extensions import db
from coop.mail.services import absolute_url, queue_email
from coop.security import verify_password
from coop.uktime import utcnow
from coop.validation import required_text

RECOVERY_CODES = 10
# 48 random bits per code: OWASP's minimum Argon2id makes each guess at a stolen hash cost
# 19 MiB and two passes, and checking a code against ten hashes stays well under a second.
CODE_HASHER = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
WRONG_PASSWORD = "Your password is not right."  # noqa: S105 - a message


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(member: Member, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=member.email, issuer_name=current_app.config["SITE_NAME"]
    )


@cache
def _code_hasher() -> PasswordHasher:
    return PasswordHasher(**CODE_HASHER, type=Type.ID)


def code_digest(code: str) -> str:
    """The code's SHA-256, as codes were stored before migration 0011 (and are hashed now)."""
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def hash_code(code: str) -> str:
    return hash_digest(code_digest(code))


def hash_digest(digest: str) -> str:
    return _code_hasher().hash(digest)


def _matches(code_hash: str, digest: str) -> bool:
    try:
        return _code_hasher().verify(code_hash, digest)
    except (VerificationError, InvalidHashError):
        return False


def _check_password(member: Member, password: str | None) -> None:
    if not verify_password(member.password_hash, password or ""):
        raise Invalid(WRONG_PASSWORD, "password")


def _issue_codes(member: Member) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.member_id == member.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(member_id=member.id, code_hash=hash_code(c)) for c in codes)
    return codes


def enable(member: Member, secret: str, code: str, password: str | None) -> list[str]:
    """Turn on two-step sign-in after the member typed their password again and proved their
    app works; returns the recovery codes, shown once. Every session ends (the caller signs
    this one in again)."""
    _check_password(member, password)
    if member.totp_secret:
        raise Conflict("Two-step sign-in is already set up.")
    if not pyotp.TOTP(secret).verify((code or "").strip(), valid_window=1):
        raise Invalid("That code does not match. Check your app's clock and try again.", "code")
    member.totp_secret = secret
    member.totp_last_step = None
    member.end_all_sessions()
    _notify(member, "on")
    return _issue_codes(member)


def disable(member: Member, password: str | None) -> None:
    """Turn two-step sign-in off (the password typed again); organisers' powers stop with
    it. Every session ends (the caller signs this one in again)."""
    _check_password(member, password)
    if not member.totp_secret:
        raise Conflict("Two-step sign-in is already off.")
    _clear(member)
    _notify(member, "off")


def new_recovery_codes(member: Member, password: str | None) -> list[str]:
    """Replace every recovery code (used or not) with ten new ones."""
    _check_password(member, password)
    if not member.totp_secret:
        raise Conflict("Turn on two-step sign-in first.")
    _notify(member, "codes")
    return _issue_codes(member)


def reset_by_admin(actor: Member | None, email: str, reason: str) -> Member:
    """An admin (or, with actor None, the command line) turns off a member's two-step
    sign-in, for a member who lost their authenticator and recovery codes. Audited; the
    member is emailed; every session of theirs ends. An admin cannot reset their own: ask
    another admin (or the command line), so a stolen admin session cannot do it either."""
    from coop.accounts.services import member_by_email_or_404

    if actor is not None:
        require_admin(actor)
    reason = required_text(reason, "reason", 500, "the reason for this reset")
    member = member_by_email_or_404(email)
    if actor is not None and member.id == actor.id:
        raise NotAllowed("You cannot reset your own two-step sign-in. Ask another admin.")
    if not member.totp_secret:
        raise Conflict(f"{member.display_name} has no two-step sign-in to reset.", "email")
    audit.record(actor, "two_step.reset", "member", member.id, reason=reason)
    _clear(member)
    _notify(member, "reset")
    return member


def _clear(member: Member) -> None:
    member.totp_secret = None
    member.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.member_id == member.id))
    member.end_all_sessions()


SUBJECTS = {
    "on": "Two-step sign-in is on",
    "off": "Two-step sign-in was turned off",
    "codes": "New recovery codes were made",
    "reset": "An admin reset your two-step sign-in",
}


def _notify(member: Member, change: str) -> None:
    queue_email(
        member.email,
        SUBJECTS[change],
        "accounts/email/two_step_changed",
        member_id=member.id,
        member=member,
        change=change,
        reset_link=absolute_url("accounts.forgot_password"),
    )


def _accept_totp(member: Member, code: str) -> bool:
    """A code from the app, one 30-second step either side for clock drift; each step is
    accepted once, so a code seen over a shoulder or in a log cannot be replayed.

    The check and the record of the step are one conditional UPDATE: two requests with the
    same code at the same moment cannot both read the old step and both pass."""
    if not member.totp_secret:
        return False
    totp = pyotp.TOTP(member.totp_secret)
    now = totp.timecode(datetime.now(UTC))
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return _claim_step(member, step)
    return False


def _claim_step(member: Member, step: int) -> bool:
    statement = update(Member).where(Member.id == member.id).values(totp_last_step=step)
    if current_app.config["TOTP_REPLAY_PROTECTION"]:
        statement = statement.where(
            or_(Member.totp_last_step.is_(None), Member.totp_last_step < step)
        )
    # On the session's connection but not through the ORM: the page cache (coop/cache.py)
    # takes an ORM UPDATE of members for a change of name and would drop every kept page.
    claimed = db.session.connection().execute(statement).rowcount == 1
    if claimed:
        db.session.expire(member, ["totp_last_step"])
    return claimed


def verify(member: Member, code: str) -> None:
    """Accept a current authenticator code, or spend one recovery code."""
    code = (code or "").strip()
    if _accept_totp(member, code):
        return
    if not _spend_recovery_code(member, code):
        raise Invalid("That code is not right, or that recovery code was already used.", "code")


def _spend_recovery_code(member: Member, code: str) -> bool:
    if not code:
        return False
    digest = code_digest(code)
    unused = db.session.execute(
        select(RecoveryCode.id, RecoveryCode.code_hash).where(
            RecoveryCode.member_id == member.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    for code_id, code_hash in unused:
        if _matches(code_hash, digest):
            # Spent only if nobody spent it meanwhile: the UPDATE is the single use.
            return bool(
                db.session.execute(
                    update(RecoveryCode)
                    .where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
                    .values(used_at=utcnow())
                ).rowcount
            )
    return False


def recovery_codes_left(member: Member) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.member_id == member.id, RecoveryCode.used_at.is_(None))
    )
