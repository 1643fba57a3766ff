"""Public pages kept for visitors (coop/pagecache.py), on real Redis and on the folder
backend of the embedded default: served without SQL, gone the moment content changes, never
used for anyone with a session."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event

from coop import cache, pagecache
from coop.accounts.models import Role
from coop.accounts.services import find_by_email
from coop.extensions import db
from coop.moderation.services import act
from coop.uktime import utcnow
from tests.factories import client_for
from tests.ideas.helpers import counts_on_page, idea_page, react_on_page
from tests.support import count_queries, make_idea, make_member, make_proposal, sign_in


@pytest.fixture
def cached_app(app_factory, redis_url):
    prefix = f"coop-pages-test-{uuid.uuid4().hex}:"
    return app_factory(
        PAGE_CACHE_SECONDS=120,
        REDIS_URL=redis_url,
        PAGE_CACHE_BACKEND={"CACHE_KEY_PREFIX": prefix},
    )


def fetch(app, client, path: str, **headers) -> tuple[int, str, int]:
    """(status, body, SQL statements run) of one GET."""
    found = []
    queries = count_queries(app, lambda: found.append(client.get(path, headers=headers)))
    return found[0].status_code, found[0].get_data(as_text=True), queries


def test_a_visitor_gets_a_kept_page_without_any_sql(cached_app):
    make_member(cached_app, email="author@example.org")
    idea = make_idea(cached_app, "author@example.org", "Night buses")
    visitor = cached_app.test_client()
    checkouts = []
    with cached_app.app_context():
        pool = db.engine.pool
    event.listen(pool, "checkout", lambda *_: checkouts.append(1))
    paths = ["/", "/ideas", "/ideas?sort=supported", idea_page(cached_app, idea)]
    for path in [*paths, "/api/v1/ideas", "/ideas.atom"]:
        status, first, queries = fetch(cached_app, visitor, path)
        assert status == 200 and queries > 0, path
        checkouts.clear()
        status, again, queries = fetch(cached_app, visitor, path)
        assert (status, again, queries) == (200, first, 0), path
        assert checkouts == [], path  # not even a connection: the database may be down


def test_a_change_to_public_content_shows_at_once(cached_app):
    make_member(cached_app, email="author@example.org")
    make_member(cached_app, email="org@example.org", role=Role.ORGANISER)
    idea = make_idea(cached_app, "author@example.org", "Night buses")
    visitor = cached_app.test_client()
    assert "Night buses" in fetch(cached_app, visitor, "/ideas")[1]

    make_idea(cached_app, "author@example.org", "Free school meals")
    assert "Free school meals" in fetch(cached_app, visitor, "/ideas")[1]

    with cached_app.app_context():
        act(find_by_email("org@example.org"), "hide", "idea", idea, "Spam.", category="spam")
        db.session.commit()
    assert "Night buses" not in fetch(cached_app, visitor, "/ideas")[1]


def test_nobody_with_a_session_gets_or_leaves_a_kept_page(cached_app):
    make_member(cached_app, email="member@example.org", name="Mo Member")
    visitor, member, holder = (cached_app.test_client() for _ in range(3))
    assert "Mo Member" not in fetch(cached_app, visitor, "/ideas")[1]

    sign_in(member)
    _status, page, queries = fetch(cached_app, member, "/ideas")
    assert "Sign out" in page and queries > 0
    assert "Sign out" not in fetch(cached_app, visitor, "/ideas")[1]  # not kept for others

    holder.get("/join")  # a visitor whose session holds a CSRF token now
    assert holder.get("/ideas?sort=discussed").status_code == 200
    assert not kept_page(cached_app, "/ideas?sort=discussed")  # it might hold their token
    visitor.get("/ideas?sort=discussed")
    assert kept_page(cached_app, "/ideas?sort=discussed")


def kept_page(app, path: str):
    with app.test_request_context(path):
        return cache.lookup(pagecache._key())[1]


def test_browsers_revalidate_with_the_etag(cached_app):
    visitor = cached_app.test_client()
    first = visitor.get("/ideas")
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    queries = count_queries(
        cached_app,
        lambda: (
            (
                visitor.get("/ideas", headers={"If-None-Match": first.headers["ETag"]}).status_code
                == 304
            )
            or pytest.fail("no 304")
        ),
    )
    assert queries == 0


def test_public_pages_give_a_visitor_no_session_so_they_keep_getting_kept_pages(cached_app):
    make_member(cached_app, email="author@example.org")
    make_member(cached_app, email="org@example.org", role=Role.ORGANISER)
    idea = make_idea(cached_app, "author@example.org", "Night buses")
    proposal = make_proposal(cached_app, "org@example.org", "Adopt the charter?")
    visitor = cached_app.test_client()
    pages = ["/", "/ideas", idea_page(cached_app, idea), f"/proposals/{proposal}", "/updates"]
    pages.append("/common-ground")
    canonical = []
    for path in pages:
        response = visitor.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
        canonical.append(response.request.path)
    assert visitor.get_cookie(cached_app.config["SESSION_COOKIE_NAME"]) is None
    for path in canonical:
        assert fetch(cached_app, visitor, path)[2] == 0, path


def test_supports_leave_kept_pages_which_show_the_new_counts_within_their_lifetime(cached_app):
    """A support is not content: at a busy time there are many a second, and each would
    otherwise throw every kept page away. The supporter sees their own count at once."""
    make_member(cached_app, email="author@example.org")
    idea = make_idea(cached_app, "author@example.org", "Night buses")
    page = idea_page(cached_app, idea)
    make_member(cached_app, email="fan@example.org", name="Fan")
    fan = client_for(cached_app, "fan@example.org")
    visitor = cached_app.test_client()
    assert counts_on_page(fetch(cached_app, visitor, page)[1]) == (0, 0)

    assert counts_on_page(react_on_page(fan, idea, "support").get_data(as_text=True)) == (1, 0)

    _status, kept, queries = fetch(cached_app, visitor, page)
    assert queries == 0 and counts_on_page(kept) == (0, 0)
    with time_machine.travel(utcnow() + timedelta(seconds=121)):
        _status, fresh, queries = fetch(cached_app, visitor, page)
    assert queries > 0 and counts_on_page(fresh) == (1, 0)


def test_a_kept_page_is_not_served_once_a_vote_closes(cached_app):
    make_member(cached_app, email="org@example.org", role=Role.ORGANISER)
    # Closes in 36 seconds, well within the 120 seconds a page is kept.
    make_proposal(cached_app, "org@example.org", "Adopt the charter?", closes_in=0.01)
    visitor = cached_app.test_client()
    assert "Adopt the charter?" in fetch(cached_app, visitor, "/")[1]  # open for votes
    assert fetch(cached_app, visitor, "/")[2] == 0
    with time_machine.travel(utcnow() + timedelta(seconds=60)):
        _status, page, queries = fetch(cached_app, visitor, "/")
    assert queries > 0 and "Adopt the charter?" not in page.split("Votes open now")[1][:400]


def test_an_outage_of_the_cache_costs_speed_never_a_page(app_factory):
    app = app_factory(PAGE_CACHE_SECONDS=120, REDIS_URL="redis://127.0.0.1:1/0")
    make_member(app, email="author@example.org")
    make_idea(app, "author@example.org", "Night buses")
    visitor = app.test_client()
    for _ in range(2):
        status, page, queries = fetch(app, visitor, "/ideas")
        assert status == 200 and "Night buses" in page and queries > 0


def test_the_embedded_default_keeps_pages_in_a_folder(app_factory, tmp_path):
    app = app_factory(PAGE_CACHE_SECONDS=120, REDIS_URL=None)
    make_member(app, email="author@example.org")
    visitor = app.test_client()
    fetch(app, visitor, "/ideas")
    assert fetch(app, visitor, "/ideas")[2] == 0
    assert any((tmp_path / "page-cache").iterdir())
    make_idea(app, "author@example.org", "Night buses")
    assert "Night buses" in fetch(app, visitor, "/ideas")[1]
