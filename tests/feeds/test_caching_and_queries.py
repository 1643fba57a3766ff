"""Feeds and downloads are cheap to serve: a repeat request gets 304, anonymous readers may
cache them for five minutes, and each runs a fixed number of SQL statements."""

import pytest

from tests.factories import client_for
from tests.feeds.helpers import AUTHOR, DOWNLOADS, FEEDS, ORGANISER, closed_vote, people
from tests.support import count_queries, make_idea, make_member, make_topic
from tests.updates.helpers import make_update

PATHS = [*FEEDS, "/topics/housing/ideas.atom", *DOWNLOADS]


def add_content(app, housing: int, count: int, tag: str) -> None:
    """`count` ideas in Housing and in another topic, updates, and closed public and
    members-only votes."""
    other = make_topic(app, f"Topic {tag}")
    for number in range(count):
        make_idea(app, AUTHOR, title=f"Idea {tag} {number}", topic_id=housing)
        make_idea(app, AUTHOR, title=f"Other {tag} {number}", topic_id=other)
        make_update(app, f"Update {tag} {number}", author_email=ORGANISER)
        closed_vote(app, f"Public {tag} {number}?", ["for", "against"])
        closed_vote(app, f"Private {tag} {number}?", ["for"], visibility="members")


@pytest.mark.parametrize("path", PATHS)
def test_a_repeat_request_with_the_etag_gets_304_until_something_changes(app, path):
    people(app)
    housing = make_topic(app, "Housing")
    add_content(app, housing, 1, "first")
    client = app.test_client()
    first = client.get(path)
    etag = first.headers["ETag"]

    again = client.get(path, headers={"If-None-Match": etag})

    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    add_content(app, housing, 1, "second")
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_readers_may_cache_for_five_minutes(app, path):
    make_topic(app, "Housing")
    response = app.test_client().get(path)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in response.headers


def test_a_signed_in_readers_copy_is_never_kept_by_a_shared_cache(app):
    make_member(app)
    client = client_for(app, "member@example.org")

    response = client.get("/ideas.atom")

    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]


def queries(app, client) -> dict[str, int]:
    counts = {}
    for path in PATHS:
        client.get(path)  # warm up

        def read(path=path):
            assert client.get(path).status_code == 200

        counts[path] = count_queries(app, read)
    return counts


def test_each_feed_and_download_runs_the_same_queries_for_few_or_many_items(app):
    people(app)
    housing = make_topic(app, "Housing")
    visitor = app.test_client()
    add_content(app, housing, 1, "first")
    few = queries(app, visitor)

    add_content(app, housing, 6, "more")
    many = queries(app, visitor)

    assert few == many
    assert all(count <= 2 for count in many.values()), many
    assert "Idea more 5" in visitor.get("/topics/housing/ideas.atom").get_data(as_text=True)
