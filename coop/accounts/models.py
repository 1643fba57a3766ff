import secrets
from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, update
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.uktime import utcnow


class Role(StrEnum):
    MEMBER = "member"
    ORGANISER = "organiser"
    ADMIN = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Member(UserMixin, db.Model):
    """A supporter who joined the network. Only the display name is ever public."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'organiser', 'admin')", name="role"),
        CheckConstraint("length(display_name) BETWEEN 1 AND 60", name="display_name_length"),
        CheckConstraint("digest_frequency IN ('daily', 'weekly', 'none')", name="digest_frequency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(60))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Rotated with every session ended at once: reset and change-of-email links made before
    # die with it, and a half-done two-step sign-in must start again.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    privacy_notice_version: Mapped[str] = mapped_column(String(20))
    political_opinions_consent: Mapped[bool] = mapped_column(default=False)
    email_updates_consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Moderation: contributions approved so far (newcomers are pre-moderated), sanctions.
    approved_contributions: Mapped[int] = mapped_column(default=0)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step sign-in (coop/accounts/second_factor.py); required for organiser powers.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]  # a code is accepted once (RFC 6238, 5.2)
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest_frequency: Mapped[str] = mapped_column(String(8), default="weekly")

    # The sign-in (MemberSession.key) this object was loaded for; set by coop/accounts/sessions.py.
    session_key = None
    session_id = None
    unread_notifications = 0  # loaded with the signed-in member (coop/accounts/signins.py)

    def get_id(self) -> str:
        """What the session and the "remember me" cookie hold: the member (coop/limits.py
        reads it) and the server-side record of this sign-in, which sign-out revokes."""
        return f"{self.id}:{self.session_key}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > utcnow()

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None

    @property
    def accepted_current_notice(self) -> bool:
        return self.privacy_notice_version == current_app.config["PRIVACY_NOTICE_VERSION"]

    @property
    def can_contribute(self) -> bool:
        return (
            self.is_verified
            and self.political_opinions_consent
            and self.accepted_current_notice
            and not self.is_suspended
            and not self.is_banned
        )

    @property
    def has_organiser_role(self) -> bool:
        return self.role in (Role.ORGANISER, Role.ADMIN)

    @property
    def needs_second_factor(self) -> bool:
        return self.has_organiser_role and not self.totp_secret

    @property
    def is_organiser(self) -> bool:
        """Organiser powers: the role, two-step sign-in set up, and no sanction in force."""
        return (
            self.has_organiser_role
            and bool(self.totp_secret)
            and not self.is_suspended
            and not self.is_banned
        )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN and self.is_organiser

    @property
    def role_badge(self) -> str | None:
        """Shown beside the name on contributions, so nobody passes for staff by name."""
        return {Role.ORGANISER: "Organiser", Role.ADMIN: "Admin"}.get(self.role)

    def end_all_sessions(self) -> None:
        self.session_token = new_session_token()
        db.session.execute(
            update(MemberSession)
            .where(MemberSession.member_id == self.id, MemberSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


class MemberSession(db.Model):
    """One sign-in, kept on the server so that signing out ends it for every copy of its
    cookies. No IP address: the device is a browser and system name from the user agent.

    `last_seen_at` is written at most once a minute (not on every request), and `expires_at`
    is when it ends unused: REMEMBER_DAYS after signing in with "remember me", otherwise
    IDLE_TIMEOUT after it was last seen."""

    __tablename__ = "member_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, never reused (SQLite may reuse a deleted row's id): a cookie names one sign-in.
    key: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    device: Mapped[str] = mapped_column(String(60))
    remembered: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """A single-use code for two-step sign-in, kept as a slow hash (accounts/second_factor.py)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
