"""A short-lived cache of the public pages as visitors see them.

A visitor with no session of ours gets the same bytes as every other visitor, so the
response to a GET of a public page (the list below) is kept for PAGE_CACHE_SECONDS in the
cache (Redis with REDIS_URL, else a folder in the instance: Flask-Caching) and later
visitors get it without the view running: no SQL, no templates. It is never used for
anyone signed in or carrying a session (a page may hold their CSRF token), and a response
that sets a cookie is never kept.

Kept pages go out of date together: each is stored with the *generation* it was rendered
at, and every committed change to public content moves the generation on (the session
events below notice writes to the tables the pages show), so the next visitor sees the
change at once. A page also stops being served when a vote opens or closes, since pages
show which votes are open. Responses carry an ETag, so browsers revalidate with a 304.
"""

import hashlib
import logging
import time
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, current_app, g, request
from flask_caching import Cache
from sqlalchemy import event, func, inspect, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

log = logging.getLogger(__name__)
GENERATION = "generation"
CHANGED = "coop.public_content_changed"
CACHEABLE = {
    "site.home", "ideas.index", "ideas.show", "proposals.index", "proposals.show",
    "updates.index", "updates.show", "common_ground.explainer", "privacy.notice",
}  # fmt: skip
CACHEABLE_BLUEPRINTS = {"api", "feeds"}  # the same for everyone, cookies or not
# What public pages show; a write elsewhere (sessions, emails, digests, the audit log)
# leaves kept pages as they are. Members: only a new name or an account deleted.
PUBLIC_TABLES = {
    "ideas", "comments", "proposals", "updates", "topics", "idea_scores",
    "idea_counts", "reactions",
}  # fmt: skip
NOT_KEPT = {"Set-Cookie", "Content-Length", "Date", "Vary"}


def register_page_cache(app: Flask) -> None:
    seconds = app.config["PAGE_CACHE_SECONDS"]
    if not seconds:
        return
    if app.config["REDIS_URL"]:
        settings = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": app.config["REDIS_URL"]}
    else:
        folder = Path(app.config["INSTANCE_DIR"]) / "page-cache"
        settings = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(folder)}
    settings.update(CACHE_KEY_PREFIX="coop-pages:", CACHE_DEFAULT_TIMEOUT=seconds)
    settings.update(app.config.get("PAGE_CACHE_BACKEND", {}))
    app.extensions["coop.page_cache"] = Cache(app, config=settings)
    app.before_request(_serve_kept_page)
    app.after_request(_keep_page)


def _cache() -> Cache | None:
    return current_app.extensions.get("coop.page_cache")


def _is_cacheable() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return False
    if request.endpoint not in CACHEABLE and request.blueprint not in CACHEABLE_BLUEPRINTS:
        return False
    config = current_app.config
    cookies = request.cookies
    return config["SESSION_COOKIE_NAME"] not in cookies and (
        config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies
    )


def _key() -> str:
    # The host too: a page built for one Host header is never served for another.
    what = f"{request.host}|{request.full_path}".encode()
    return "page:" + hashlib.sha256(what).hexdigest()


def _serve_kept_page() -> Response | None:
    if not _is_cacheable():
        return None
    key = _key()
    try:
        generation, kept = _cache().get_many(GENERATION, key)
    except Exception:  # a cache outage costs speed, never a page
        log.exception("page cache unavailable")
        return None
    g.page_cache = (key, generation or 0)
    if kept is None or kept[0] != (generation or 0) or kept[1] <= time.time():
        return None
    g.page_cache = None  # served from the cache: nothing to keep
    _, _, status, headers, body = kept
    response = current_app.response_class(body, status=status, headers=headers)
    return response.make_conditional(request)


def _keep_page(response: Response) -> Response:
    found = g.pop("page_cache", None)
    if not found or not _is_cacheable():
        return response
    if response.status_code != 200 or response.direct_passthrough:
        return response
    if "Set-Cookie" in response.headers:
        return response
    response.add_etag()
    response.headers.setdefault("Cache-Control", "no-cache")
    key, generation = found
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    until = min(time.time() + seconds, _next_vote_change(generation))
    headers = [(k, v) for k, v in response.headers.items() if k not in NOT_KEPT]
    kept = (generation, until, response.status_code, headers, response.get_data())
    try:
        _cache().set(key, kept, timeout=max(int(until - time.time()) + 1, 1))
    except Exception:
        log.exception("page cache unavailable")
    return response.make_conditional(request)


def _next_vote_change(generation: int) -> float:
    """When the next vote opens or closes (as a timestamp): pages kept before then must
    not be served after it. Remembered per generation: a new or changed proposal moves it."""
    remembered = current_app.extensions.setdefault("coop.next_vote_change", {})
    now = time.time()
    found = remembered.get(generation)
    if found is None or found <= now:
        remembered.clear()
        found = remembered[generation] = _read_next_vote_change()
    return found


def _read_next_vote_change() -> float:
    from coop.extensions import db, utcnow
    from coop.proposals.models import Proposal

    now = utcnow()
    live = Proposal.withdrawn_at.is_(None), Proposal.closed_at.is_(None)
    moments = union_all(
        select(func.min(Proposal.opens_at).label("at")).where(*live, Proposal.opens_at > now),
        select(func.min(Proposal.closes_at).label("at")).where(*live, Proposal.closes_at > now),
    ).subquery()
    soonest: datetime | None = db.session.scalar(select(func.min(moments.c.at)))
    return soonest.timestamp() if soonest else float("inf")


# Which commits change what visitors see.


def _writes_public_content(statement) -> bool:
    if not isinstance(statement, UpdateBase):
        return True  # raw SQL: assume it does
    return getattr(statement.table, "name", None) in PUBLIC_TABLES


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _writes_public_content(
        state.statement
    ):
        state.session.info[CHANGED] = True


@event.listens_for(Session, "after_flush")
def _note_flushed_write(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in PUBLIC_TABLES or (table == "members" and _member_shown_changed(obj, session)):
            session.info[CHANGED] = True
            return


def _member_shown_changed(member, session: Session) -> bool:
    return member in session.deleted or inspect(member).attrs.display_name.history.has_changes()


@event.listens_for(Session, "after_commit")
def _new_generation(session: Session) -> None:
    if not session.info.pop(CHANGED, False):
        return
    try:
        cache = current_app.extensions.get("coop.page_cache")
    except RuntimeError:  # no app context: no cache to tell
        return
    if cache is None:
        return
    try:
        cache.cache.inc(GENERATION)
    except Exception:
        log.exception("page cache unavailable: kept pages may be shown until they expire")


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(CHANGED, None)
