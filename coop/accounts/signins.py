"""Sign-ins kept on the server (MemberSession): opened at sign-in, seen at most once a minute,
revoked by signing out, by "sign out everywhere" and by anything that ends every session (a
new password, a confirmed address, a sanction). Callers commit.

Against whom it holds: someone holding a copy of a session or "remember me" cookie (a shared
computer, a stolen backup, malware that has since gone). Once the sign-in is revoked the
copy opens nothing, whatever its signature says. Where it stops: until the owner signs out,
a copy works like the original (the cookies are bearer tokens); the list of sessions on the
account page is how the owner finds one they do not recognise.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, Select, String, bindparam, case, delete, func, or_, select, update

from coop.accounts.models import Member, MemberSession
from coop.db import dialects
from coop.extensions import db
from coop.notifications.models import Notification
from coop.uktime import utcnow

SEEN_EVERY = timedelta(minutes=1)  # how coarse last_seen_at is: not a write per request
# The server-side idle limit is a little longer than the cookie's (coop/accounts/sessions.py
# counts in steps of 30 seconds, this in steps of a minute), so that the cookie's check ends an
# idle session first, with its message.
IDLE_SLACK = timedelta(minutes=2)

BROWSERS = (
    ("Edg/", "Edge"), ("EdgA/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"), ("FxiOS", "Firefox"), ("CriOS", "Chrome"), ("Chromium", "Chromium"),
    ("Chrome/", "Chrome"), ("Safari/", "Safari"),
)  # fmt: skip
SYSTEMS = (
    ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("CrOS", "ChromeOS"),
    ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
)  # fmt: skip


def device_name(user_agent: str | None) -> str:
    """ "Firefox on Linux": enough for a member to recognise a device, too little to track
    one (no version, no address)."""
    agent = user_agent or ""
    browser = next((name for mark, name in BROWSERS if mark in agent), None)
    system = next((name for mark, name in SYSTEMS if mark in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return "An unknown browser"


def _ends(remembered: bool, now: datetime) -> datetime:
    config = current_app.config
    if remembered:
        return now + config["REMEMBER_COOKIE_DURATION"]
    return now + config["IDLE_TIMEOUT"] + IDLE_SLACK


def open_session(member: Member, user_agent: str | None, remembered: bool) -> MemberSession:
    """A new sign-in for `member`; their ended ones are cleared away at the same time, so the
    table holds about one row per device in use."""
    now = utcnow()
    db.session.execute(
        delete(MemberSession).where(
            MemberSession.member_id == member.id,
            or_(MemberSession.revoked_at.is_not(None), MemberSession.expires_at <= now),
        )
    )
    record = MemberSession(
        member_id=member.id,
        device=device_name(user_agent),
        remembered=remembered,
        created_at=now,
        last_seen_at=now,
        expires_at=_ends(remembered, now),
    )
    db.session.add(record)
    db.session.flush()
    return record


def touch(key: str) -> None:
    """Note that the sign-in is in use (and push back its idle end), on a connection of its
    own, committed at once: a page that only reads has no commit of its own to carry it.

    At most once a SEEN_EVERY, whoever asks: the browser's cookie spares most requests the
    statement, and the row's own time spares the write to every copy of a cookie that does
    not keep the browser's answer (several tabs, a script). A write that lands is not waited
    for on disk (PostgreSQL's synchronous_commit off for this transaction): a crash loses at
    most a last-seen time, never a sign-in."""
    now = utcnow()
    idle_end = now + current_app.config["IDLE_TIMEOUT"] + IDLE_SLACK
    with db.engine.begin() as connection:
        moved = connection.execute(
            update(MemberSession)
            .where(
                MemberSession.key == key,
                MemberSession.revoked_at.is_(None),
                MemberSession.expires_at > now,
                MemberSession.last_seen_at <= now - SEEN_EVERY,
            )
            .values(
                last_seen_at=now,
                expires_at=case(
                    (MemberSession.remembered, MemberSession.expires_at), else_=idle_end
                ),
            )
        )
        if moved.rowcount and dialects.has_asynchronous_commit(connection):
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def end_now(key: str) -> None:
    """Revoke a sign-in on a connection of its own, committed at once (see `touch`)."""
    with db.engine.begin() as connection:
        connection.execute(
            update(MemberSession)
            .where(MemberSession.key == key, MemberSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def revoke(member: Member, session_id: int) -> bool:
    """End one of the member's own sign-ins; False when there was no such open one."""
    ended = db.session.execute(
        update(MemberSession)
        .where(
            MemberSession.id == session_id,
            MemberSession.member_id == member.id,
            MemberSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    ).rowcount
    return bool(ended)


def revoke_key(key: str) -> None:
    db.session.execute(
        update(MemberSession)
        .where(MemberSession.key == key, MemberSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def active(member: Member) -> list[MemberSession]:
    """The member's sign-ins still open, the most recently used first."""
    return list(
        db.session.scalars(
            select(MemberSession)
            .where(
                MemberSession.member_id == member.id,
                MemberSession.revoked_at.is_(None),
                MemberSession.expires_at > utcnow(),
            )
            .order_by(MemberSession.last_seen_at.desc(), MemberSession.id.desc())
        )
    )


def signed_in_member_statement() -> Select:
    """The member of an open sign-in, with their unread count as every page's header shows
    it: one statement, as before sign-ins were kept (a join on the sign-in's unique key)."""
    unread = (
        select(func.count())
        .where(Notification.member_id == Member.id, Notification.read_at.is_(None))
        .correlate_except(Notification)
        .scalar_subquery()
    )
    return (
        select(Member, MemberSession.id, unread)
        .join(MemberSession, MemberSession.member_id == Member.id)
        .where(
            MemberSession.key == bindparam("key", type_=String),
            MemberSession.member_id == bindparam("member_id", type_=Integer),
            MemberSession.revoked_at.is_(None),
            MemberSession.expires_at > bindparam("now"),
        )
    )
