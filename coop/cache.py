"""Kept HTML: whole pages for visitors (coop/pagecache.py) and shared fragments of pages
for members (coop/fragments.py), held for PAGE_CACHE_SECONDS in Redis (REDIS_URL) or, in
the embedded default, a folder in the instance (Flask-Caching either way).

What is kept goes out of date together: each entry is stored with the *generation* it was
rendered at, and every committed change to public content moves the generation on (the
session events below notice writes to the tables the pages show), so the next reader sees
the change at once. An entry also stops being served when a vote opens or closes, since
pages show which votes are open. A cache outage costs speed, never a page.

Counts are the exception: supports and oppositions (and the trending recount) are written
inside `counts_only()` and leave the generation alone, so kept pages may show counts up to
PAGE_CACHE_SECONDS old. Otherwise every support, many a second at a busy time, would
throw away every kept page and fragment at once, and the cache would keep nothing.

Erasure (coop/privacy/deletion/services.py) deletes members in bulk: a bulk DELETE or UPDATE of
members moves the generation like a change of name does, so an erased name leaves every
kept page and fragment at the commit. What an out-of-date entry holds is deleted, not only
left unserved: on the folder backend every older entry is deleted from disk when the
generation moves, and an expired file when it is next read (`PageFolder`); on Redis an
out-of-date entry is deleted when it is next read, or expires after PAGE_CACHE_SECONDS
(where it stops: a Redis that persists to disk may have written it there meanwhile).

The cache shares Redis with the rate limits and the task queue, so its memory is capped by
the app itself (`PAGE_CACHE_MAX_BYTES`, 64 MiB): an entry lives at most one window of
PAGE_CACHE_SECONDS + 1, so whatever is kept at any moment was stored in this window or the
one before, and storing stops for the rest of a window once half the cap was stored in it.
A flood of distinct pages (searches, pages of a list) then costs the view's time, never the
memory the limits and the queue need.
"""

import logging
import pickle
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_caching import Cache
from flask_caching.backends import FileSystemCache
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, UpdateBase

log = logging.getLogger(__name__)
GENERATION = "generation"
STORED = "stored-bytes:"  # + the window: bytes stored in it
MAX_BYTES = 64 * 2**20
CHANGED = "coop.public_content_changed"
# What public pages show; a write elsewhere (sessions, emails, digests, the audit log)
# leaves kept pages as they are. Members: only a new name or an account deleted (MEMBERS).
PUBLIC_TABLES = {
    "ideas", "comments", "proposals", "updates", "topics", "idea_scores",
    "idea_counts", "reactions",
}  # fmt: skip
MEMBERS = "members"


def register_cache(app: Flask) -> None:
    seconds = app.config["PAGE_CACHE_SECONDS"]
    if not seconds:
        return
    if app.config["REDIS_URL"]:
        settings = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": app.config["REDIS_URL"]}
    else:
        folder = Path(app.config["INSTANCE_DIR"]) / "page-cache"
        settings = {"CACHE_TYPE": "coop.cache.PageFolder", "CACHE_DIR": str(folder)}
    settings.update(CACHE_KEY_PREFIX="coop-pages:", CACHE_DEFAULT_TIMEOUT=seconds)
    settings.update(app.config.get("PAGE_CACHE_BACKEND", {}))
    app.extensions["coop.cache"] = Cache(app, config=settings)


def enabled() -> bool:
    return "coop.cache" in current_app.extensions


def lookup(key: str) -> tuple[int | None, Any]:
    """The current generation and what is kept under `key`, if it is still current. The
    generation is None when the cache cannot be reached: then nothing is to be stored."""
    try:
        generation, kept = current_app.extensions["coop.cache"].get_many(GENERATION, key)
    except Exception:
        log.exception("page cache unavailable")
        return None, None
    generation = generation or 0
    if kept is None:
        return generation, None
    if kept[0] != generation or kept[1] <= time.time():
        _forget(key)  # it may be the only copy left of words erased since
        return generation, None
    return generation, kept[2]


def _forget(key: str) -> None:
    try:
        current_app.extensions["coop.cache"].delete(key)
    except Exception:
        log.exception("page cache unavailable")


def store(key: str, generation: int, value: Any) -> None:
    """Keep `value`, rendered at `generation`, until it expires or a page changes by the
    clock (a vote opens or closes)."""
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    until = min(time.time() + seconds, _next_clock_change(generation))
    entry = (generation, until, value)
    try:
        if not _within_budget(len(pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)), seconds):
            return
        current_app.extensions["coop.cache"].set(
            key, entry, timeout=max(int(until - time.time()) + 1, 1)
        )
    except Exception:
        log.exception("page cache unavailable")


def _within_budget(size: int, seconds: int) -> bool:
    """Count `size` bytes against this window's half of PAGE_CACHE_MAX_BYTES; False (store
    nothing) once it is spent. Entries live at most `seconds + 1`, the window's length."""
    backend = current_app.extensions["coop.cache"].cache
    window = int(time.time() // (seconds + 1))
    counter = f"{STORED}{window}"
    backend.add(counter, 0, timeout=2 * (seconds + 1))
    stored = backend.inc(counter, size)
    budget = current_app.config.get("PAGE_CACHE_MAX_BYTES", MAX_BYTES) // 2
    if stored is None:
        return False
    if stored - size <= budget < stored:
        log.warning("page cache full for this window: %s bytes stored, new pages not kept", budget)
    return stored <= budget


class PageFolder(FileSystemCache):
    """The folder backend of the embedded default (Flask-Caching's, via cachelib), made to
    delete what is no longer current: cachelib leaves an expired file on disk until the
    folder holds more than its threshold of files, with whatever words it kept."""

    def get(self, key: str) -> Any:
        value = super().get(key)
        if value is None:
            self.delete(key)  # expired (or absent): no file left behind
        return value

    def inc(self, key: str, delta: int = 1) -> int | None:
        """The generation never expires: counting again from 0 would make pages kept at a
        number already used current again. Other counters (bytes stored in a window) live
        two windows."""
        value = (self.get(key) or 0) + delta
        timeout = 0 if key == GENERATION else 2 * (self.default_timeout + 1)
        return value if self.set(key, value, timeout=timeout) else None

    def delete_all_but(self, key: str) -> None:
        """Delete every entry's file except `key`'s: once the generation has moved they are
        out of date, never to be served again."""
        keep = self._get_filename(key)
        for path in self._list_dir():
            if path != keep:
                Path(path).unlink(missing_ok=True)  # another process may have been first
        self._update_count(value=0)


# What changes pages by the clock alone (a vote opening or closing), registered by the
# features that know it: each gives the next such moment as a timestamp (inf if none).
_CLOCK_CHANGES: list[Callable[[], float]] = []
INF = float("inf")


def changes_by_the_clock(next_change: Callable[[], float]) -> Callable[[], float]:
    """Register a feature's next moment at which its pages change with no write (a
    decorator); a kept page expires by then."""
    _CLOCK_CHANGES.append(next_change)
    return next_change


def _next_clock_change(generation: int) -> float:
    """When the next page changes by the clock (as a timestamp). Remembered per generation:
    a new or changed row moves it."""
    remembered = current_app.extensions.setdefault("coop.next_clock_change", {})
    found = remembered.get(generation)
    if found is None or found <= time.time():
        remembered.clear()
        found = min((upcoming() for upcoming in _CLOCK_CHANGES), default=INF)
        remembered[generation] = found
    return found


# Which commits change what readers see.

COUNTS_ONLY = "coop.counts_only"


@contextmanager
def counts_only(session: Session) -> Iterator[None]:
    """Writes in this block move counts shown on pages, no content: kept pages stay."""
    session.flush()  # changes made before the block are noticed as what they are
    session.info[COUNTS_ONLY] = True
    try:
        yield
    finally:
        session.info.pop(COUNTS_ONLY, None)


def _writes_public_content(statement) -> bool:
    if not isinstance(statement, UpdateBase):
        return True  # raw SQL: assume it does
    table = getattr(statement.table, "name", None)
    # Members in bulk: accounts erased (a new member is on no page until they write).
    return table in PUBLIC_TABLES or (table == MEMBERS and not isinstance(statement, Insert))


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state) -> None:
    if state.session.info.get(COUNTS_ONLY):
        return
    if (state.is_insert or state.is_update or state.is_delete) and _writes_public_content(
        state.statement
    ):
        state.session.info[CHANGED] = True


@event.listens_for(Session, "after_flush")
def _note_flushed_write(session: Session, _context) -> None:
    if session.info.get(COUNTS_ONLY):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in PUBLIC_TABLES or (table == MEMBERS and _member_shown_changed(obj, session)):
            session.info[CHANGED] = True
            return


def _member_shown_changed(member, session: Session) -> bool:
    return member in session.deleted or inspect(member).attrs.display_name.history.has_changes()


@event.listens_for(Session, "after_commit")
def _new_generation(session: Session) -> None:
    if not session.info.pop(CHANGED, False):
        return
    try:
        cache = current_app.extensions.get("coop.cache")
    except RuntimeError:  # no app context: no cache to tell
        return
    if cache is None:
        return
    try:
        cache.cache.inc(GENERATION)
        if isinstance(cache.cache, PageFolder):
            cache.cache.delete_all_but(GENERATION)
    except Exception:
        log.exception("page cache unavailable: kept pages may be shown until they expire")


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(CHANGED, None)
