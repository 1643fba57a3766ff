"""Who is signed in: session versions that can be revoked, and an idle timeout."""

import hmac
from datetime import UTC, datetime
from functools import cache

from flask import current_app, flash, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import Integer, Select, bindparam, select
from sqlalchemy.orm import undefer

from coop.accounts.models import Member
from coop.extensions import db, login_manager
from coop.notifications.models import Notification  # noqa: F401 - Member.unread_notifications

login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_member(user_id: str) -> Member | None:
    member_id, _, token = user_id.partition(":")
    if not member_id.isdigit():
        return None
    member = db.session.scalar(_signed_in_member(), {"member_id": int(member_id)})
    if member is None or not hmac.compare_digest(member.session_token, token):
        return None
    if member.is_banned:
        return None
    return member


@cache  # built once (a third less time than a get() with options): every signed-in request
def _signed_in_member() -> Select:
    """The member with their unread count, as every page's header shows it."""
    return (
        select(Member)
        .options(undefer(Member.unread_notifications))
        .where(Member.id == bindparam("member_id", type_=Integer))
    )


def start_session(member: Member, remember: bool) -> None:
    """A fresh session at sign-in: nothing from before signing in is carried over."""
    session.clear()
    login_user(member, remember=remember)
    session["remembered"] = remember
    session["seen"] = _now()


PENDING = "pending_sign_in"
SEEN_EVERY_SECONDS = 30  # how finely the idle timeout counts
PENDING_SECONDS = 300


def remember_pending_sign_in(member: Member, remember: bool, next_page: str | None) -> None:
    """The password was right; the second step is still to come. Nobody is signed in yet."""
    session.clear()
    session[PENDING] = {
        "id": member.get_id(), "remember": remember, "next": next_page, "at": _now()
    }  # fmt: skip


def pending_sign_in() -> tuple[Member, bool, str | None] | None:
    pending = session.get(PENDING)
    if not pending or _now() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    member = load_member(pending["id"])
    if member is None:
        return None
    return member, bool(pending.get("remember")), pending.get("next")


def pending_key() -> str:
    pending = session.get(PENDING) or {}
    return "account-code:" + str(pending.get("id", "")).partition(":")[0]


def end_session() -> None:
    # Clear first: logout_user() leaves the order to delete the "remember me" cookie in the
    # session, and clearing after it would cancel that order.
    session.clear()
    logout_user()


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


def expire_idle_session() -> None:
    if not current_user.is_authenticated:
        return
    if "seen" not in session:  # restored from the "remember me" cookie
        session["remembered"] = True
    if session.get("remembered"):
        return
    idle_limit = current_app.config["IDLE_TIMEOUT"].total_seconds()
    seen = session.get("seen", 0)
    if _now() - seen > idle_limit:
        end_session()
        flash("You were signed out after a period of inactivity.", "info")
        return
    if _now() - seen >= SEEN_EVERY_SECONDS:  # not every request: each would sign a cookie
        session["seen"] = _now()
