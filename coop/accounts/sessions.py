"""Who is signed in: each sign-in is a row on the server (coop/accounts/signins.py) that the
session and "remember me" cookies name, so signing out ends it for every copy of them; and
an idle timeout."""

from datetime import UTC, datetime
from functools import cache

from flask import current_app, flash, g, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import Select

from coop.accounts import signins
from coop.accounts.models import Member
from coop.extensions import db, login_manager
from coop.uktime import utcnow

login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"

TOUCHED = "touched"


@login_manager.user_loader
def load_member(user_id: str) -> Member | None:
    """The member of an open sign-in named by "<member id>:<sign-in key>" (the session or
    the "remember me" cookie), or None once it is revoked, expired or the member banned.

    Runs in the first hook of every request, before the request's own first statement: the
    sign-in's bookkeeping (seen, ended when idle) is written there on a short transaction of
    its own, which on SQLite would otherwise wait for the request's."""
    member_id, _, key = user_id.partition(":")
    if not member_id.isdigit() or not key:
        return None
    if _idle_for_too_long():
        _write_ahead(signins.end_now, key)
        session.clear()
        flash("You were signed out after a period of inactivity.", "info")
        return None
    if _now() - session.get(TOUCHED, 0) >= signins.SEEN_EVERY.total_seconds():
        _write_ahead(signins.touch, key)
        session[TOUCHED] = _now()
    row = db.session.execute(
        _signed_in_member(), {"key": key, "member_id": int(member_id), "now": utcnow()}
    ).first()
    if row is None or row[0].is_banned:
        return None
    member = row[0]
    member.session_id, member.session_key, member.unread_notifications = row[1], key, row[2]
    return member


def _idle_for_too_long() -> bool:
    """A session without "remember me" ends after IDLE_TIMEOUT unused (its record on the
    server would end a little later by itself: this ends it now, and says why)."""
    if session.get("remembered") or "seen" not in session:
        return False
    return _now() - session["seen"] > current_app.config["IDLE_TIMEOUT"].total_seconds()


def _write_ahead(write, key: str) -> None:
    # Bookkeeping of the sign-in, not a write of the page's: a page marked read_only
    # (coop/read_only.py) may still carry it.
    read_only = g.pop("read_only", False)
    try:
        write(key)
    finally:
        if read_only:
            g.read_only = True


@cache  # built once (a third less time than a get() with options): every signed-in request
def _signed_in_member() -> Select:
    return signins.signed_in_member_statement()


def start_session(member: Member, remember: bool) -> None:
    """A fresh session at sign-in: nothing from before signing in is carried over, and a
    sign-in this browser had is ended. Callers commit (the new sign-in is a row)."""
    if current_user.is_authenticated and current_user.session_key:
        signins.revoke_key(current_user.session_key)
    record = signins.open_session(member, request.user_agent.string, remember)
    member.session_id, member.session_key = record.id, record.key
    session.clear()
    login_user(member, remember=remember)
    session["remembered"] = remember
    session["seen"] = session[TOUCHED] = _now()


PENDING = "pending_sign_in"
SEEN_EVERY_SECONDS = 30  # how finely the idle timeout counts
PENDING_SECONDS = 300


def remember_pending_sign_in(member: Member, remember: bool, next_page: str | None) -> None:
    """The password was right; the second step is still to come. Nobody is signed in yet."""
    session.clear()
    session[PENDING] = {
        "id": member.id, "token": member.session_token, "remember": remember,
        "next": next_page, "at": _now(),
    }  # fmt: skip


def pending_sign_in() -> tuple[Member, bool, str | None] | None:
    """The member half-way through signing in, unless it took too long or the account
    changed meanwhile (a new password or "sign out everywhere" rotates its token)."""
    pending = session.get(PENDING)
    if not pending or _now() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    member_id = pending.get("id")
    member = db.session.get(Member, member_id) if isinstance(member_id, int) else None
    if member is None or member.session_token != pending.get("token") or member.is_banned:
        return None
    return member, bool(pending.get("remember")), pending.get("next")


def pending_key() -> str:
    pending = session.get(PENDING) or {}
    return "account-code:" + str(pending.get("id", ""))


def end_session() -> None:
    """Sign out this browser and revoke its sign-in on the server. Callers commit."""
    if current_user.is_authenticated and current_user.session_key:
        signins.revoke_key(current_user.session_key)
    # Clear first: logout_user() leaves the order to delete the "remember me" cookie in the
    # session, and clearing after it would cancel that order.
    session.clear()
    logout_user()


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


def keep_session_alive() -> None:
    """Count the idle time of a session without "remember me" (the loader ends it)."""
    if not current_user.is_authenticated:
        return
    if "seen" not in session:  # restored from the "remember me" cookie
        session["remembered"] = True
    if not session.get("remembered") and _now() - session["seen"] >= SEEN_EVERY_SECONDS:
        session["seen"] = _now()  # not every request: each would sign a cookie
