"""Erasure that erases at once, beyond the tables: with the page cache on, as in production,
no kept page or fragment shows an erased name after the commit, on Redis or in the folder of
the embedded default, and no file of that folder holds it; on SQLite the database file and
its WAL no longer hold the erased rows (secure_delete, then a checkpoint)."""

import logging
import sqlite3
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import update

from coop import cache, pagecache
from coop.accounts.models import Member
from coop.comments.services import add_comment
from coop.db.dialects import checkpoint_sqlite
from coop.extensions import db
from coop.ideas.models import Idea
from coop.uktime import utcnow
from tests.factories import client_for
from tests.ideas.helpers import idea_page
from tests.support import make_idea, make_member, on_postgresql
from tests.support import submit as submit_form

# Distinctive, so that a match in raw bytes can only be the erased member.
NAME, EMAIL = "Quillon Vexworthy", "quillon.vexworthy@example.org"
OTHER = "olive@example.org"


@pytest.fixture(params=["folder", "redis"])
def cached_app(request, app_factory):
    """The app with kept pages, on the folder of `make run` or on Redis as in production."""
    if request.param == "folder":
        return app_factory(PAGE_CACHE_SECONDS=120, REDIS_URL=None)
    redis_url = request.getfixturevalue("redis_url")
    prefix = f"coop-pages-test-{uuid.uuid4().hex}:"
    return app_factory(
        PAGE_CACHE_SECONDS=120, REDIS_URL=redis_url, PAGE_CACHE_BACKEND={"CACHE_KEY_PREFIX": prefix}
    )


def leaver_with_contributions(app) -> tuple[int, int]:
    """The leaver wrote an idea and commented on another member's; returns both ideas."""
    make_member(app, email=EMAIL, name=NAME)
    make_member(app, email=OTHER, name="Olive Other")
    theirs = make_idea(app, EMAIL, "Night buses", "Buses all night.")
    others = make_idea(app, OTHER, "Cleaner rivers", "Fund river wardens.")
    with app.app_context():
        add_comment(db.session.get(Member, _id(app, EMAIL)), db.session.get(Idea, others), "Yes!")
        db.session.commit()
    return theirs, others


def _id(app, email: str) -> int:
    from coop.accounts.services import find_by_email

    with app.app_context():
        return find_by_email(email).id


def pages_of(app, ideas) -> list[str]:
    paths = ["/", "/ideas", "/ideas?sort=discussed", "/api/v1/ideas", "/ideas.atom"]
    return [*paths, *(idea_page(app, idea) for idea in ideas)]


def read_all(client, paths) -> str:
    """Every page as `client` sees it, once to keep it and once served as kept."""
    seen = []
    for path in paths:
        for _ in range(2):
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, path
            seen.append(response.get_data(as_text=True))
    return "\n".join(seen)


def erase_account(app, contributions: str) -> None:
    client = client_for(app, EMAIL)
    data = {"contributions": contributions, "password": "correct horse battery staple"}
    assert submit_form(client, "/account/delete", data).status_code == 302


@pytest.mark.parametrize("contributions", ["keep", "delete"])
def test_an_erased_name_leaves_every_kept_page_and_fragment_at_once(cached_app, contributions):
    ideas = leaver_with_contributions(cached_app)
    paths = pages_of(cached_app, ideas)
    visitor, member = cached_app.test_client(), client_for(cached_app, OTHER)
    assert NAME in read_all(visitor, paths) and NAME in read_all(member, paths)

    erase_account(cached_app, contributions)

    assert NAME not in read_all(visitor, paths)
    assert NAME not in read_all(member, paths)


def test_purging_unconfirmed_accounts_leaves_kept_pages_at_once(cached_app):
    make_member(cached_app, email=EMAIL, name=NAME, verified=False)
    with cached_app.app_context():
        db.session.execute(update(Member).values(created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    visitor = cached_app.test_client()
    visitor.get("/ideas")
    with cached_app.test_request_context("/ideas"):
        assert cache.lookup(pagecache._key())[1] is not None

    assert cached_app.extensions["celery"].tasks["coop.privacy.purge_unverified"].apply().get()

    with cached_app.test_request_context("/ideas"):
        assert cache.lookup(pagecache._key())[1] is None


def cache_files_holding(app, *needles: str) -> list[Path]:
    folder = Path(app.config["INSTANCE_DIR"]) / "page-cache"
    found = []
    for path in folder.iterdir():
        raw = path.read_bytes()
        if any(needle.encode() in raw for needle in needles):
            found.append(path)
    return found


@pytest.mark.parametrize("contributions", ["keep", "delete"])
def test_no_file_of_the_folder_cache_keeps_an_erased_name(app_factory, contributions):
    app = app_factory(PAGE_CACHE_SECONDS=120, REDIS_URL=None)
    ideas = leaver_with_contributions(app)
    paths = pages_of(app, ideas)
    visitor, member = app.test_client(), client_for(app, OTHER)
    read_all(visitor, paths)
    read_all(member, paths)
    assert cache_files_holding(app, NAME)  # the name was kept, pages and fragments

    erase_account(app, contributions)

    assert cache_files_holding(app, NAME) == []
    read_all(visitor, paths)
    read_all(member, paths)
    assert cache_files_holding(app, NAME) == []


def test_reading_an_expired_entry_deletes_its_file(app_factory):
    app = app_factory(PAGE_CACHE_SECONDS=120, REDIS_URL=None)
    make_member(app, email=EMAIL, name=NAME)
    make_idea(app, EMAIL, "Night buses", "Buses all night.")
    app.test_client().get("/ideas")
    with app.test_request_context("/ideas"):
        key = pagecache._key()
    kept = Path(app.extensions["coop.cache"].cache._get_filename(key))
    assert kept in cache_files_holding(app, NAME)

    later = time_machine.travel(utcnow() + timedelta(seconds=200))
    with later, app.test_request_context("/ideas"):
        assert cache.lookup(key)[1] is None

    assert not kept.exists()


def database_files(app) -> dict[str, bytes]:
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    return {
        file.name: file.read_bytes()
        for file in (path, path.with_name(path.name + "-wal"))
        if file.exists()
    }


def holding(files: dict[str, bytes], *needles: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, raw in files.items():
        for needle in needles:
            if needle.encode() in raw or needle.lower().encode() in raw:
                found.setdefault(name, []).append(needle)
    return found


@pytest.mark.parametrize("contributions", ["keep", "delete"])
def test_the_sqlite_file_and_its_wal_no_longer_hold_an_erased_account(app, contributions):
    if on_postgresql(app):
        pytest.skip("SQLite's files; PostgreSQL keeps dead rows until vacuum (README)")
    leaver_with_contributions(app)
    assert holding(database_files(app), NAME, EMAIL)  # the scan finds what is there

    erase_account(app, contributions)

    assert holding(database_files(app), NAME, EMAIL) == {}


def test_the_sqlite_files_no_longer_hold_purged_accounts(app):
    if on_postgresql(app):
        pytest.skip("SQLite's files")
    make_member(app, email=EMAIL, name=NAME, verified=False)
    with app.app_context():
        db.session.execute(update(Member).values(created_at=utcnow() - timedelta(days=8)))
        db.session.commit()

    assert app.extensions["celery"].tasks["coop.privacy.purge_unverified"].apply().get() == 1

    assert holding(database_files(app), NAME, EMAIL) == {}


def test_a_checkpoint_with_a_reader_open_neither_raises_nor_waits_long(app, caplog):
    if on_postgresql(app):
        with app.app_context():
            assert checkpoint_sqlite() is True  # nothing to do there
        return
    make_member(app, email=EMAIL, name=NAME)
    reader = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    reader.isolation_level = None
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM members").fetchone()  # holds its snapshot
    try:
        with app.app_context(), caplog.at_level(logging.DEBUG, "coop.db.dialects"):
            started = time.monotonic()
            assert checkpoint_sqlite() is False
            assert time.monotonic() - started < 2
        assert len([r for r in caplog.records if r.name == "coop.db.dialects"]) == 1
    finally:
        reader.execute("COMMIT")
        reader.close()
    with app.app_context():
        assert checkpoint_sqlite(db.session) is True
