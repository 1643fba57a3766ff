"""Two-step sign-in (TOTP from an authenticator app, RFC 6238) with single-use recovery
codes. Organisers and admins have no powers until they have set it up."""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
from flask import current_app
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from coop.accounts.models import Member
from coop.errors import Conflict, Invalid
from coop.extensions import UTCDateTime, db, utcnow

RECOVERY_CODES = 10


class RecoveryCode(db.Model):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(member: Member, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=member.email, issuer_name=current_app.config["SITE_NAME"]
    )


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def enable(member: Member, secret: str, code: str) -> list[str]:
    """Turn on two-step sign-in after the member proved their app works; returns the
    recovery codes, shown once."""
    if member.totp_secret:
        raise Conflict("Two-step sign-in is already set up.")
    if not pyotp.TOTP(secret).verify(code.strip(), valid_window=1):
        raise Invalid("That code does not match. Check your app's clock and try again.", "code")
    member.totp_secret = secret
    member.end_all_sessions()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(member_id=member.id, code_hash=_hash(c)) for c in codes)
    return codes


def _accept_totp(member: Member, code: str) -> bool:
    """A code from the app, one 30-second step either side for clock drift; each step is
    accepted once, so a code seen over a shoulder or in a log cannot be replayed."""
    if not member.totp_secret:
        return False
    totp = pyotp.TOTP(member.totp_secret)
    now = totp.timecode(datetime.now(UTC))
    replay_safe = current_app.config["TOTP_REPLAY_PROTECTION"]
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if replay_safe and member.totp_last_step is not None and step <= member.totp_last_step:
                return False
            member.totp_last_step = step
            return True
    return False


def verify(member: Member, code: str) -> None:
    """Accept a current authenticator code, or spend one recovery code."""
    code = (code or "").strip()
    if _accept_totp(member, code):
        return
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.member_id == member.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    ).rowcount
    if not spent:
        raise Invalid("That code is not right, or that recovery code was already used.", "code")


def recovery_codes_left(member: Member) -> int:
    rows = db.session.scalars(
        select(RecoveryCode.code_hash).where(
            RecoveryCode.member_id == member.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    return len(rows)
