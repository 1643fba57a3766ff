"""Parts of members' pages kept for every member alike (coop/fragments.py): the idea list
and a discussion. Each member still gets their own CSRF token, their own controls on their
own comments, and every change at once."""

import re
import uuid

import pytest

from coop.accounts.models import Role
from tests.factories import signed_in
from tests.support import (
    CSRF_RE,
    count_queries,
    make_idea,
    make_member,
    make_proposal,
    submit,
)


@pytest.fixture
def cached_app(app_factory, redis_url):
    return app_factory(
        PAGE_CACHE_SECONDS=120,
        REDIS_URL=redis_url,
        PAGE_CACHE_BACKEND={"CACHE_KEY_PREFIX": f"coop-fragments-test-{uuid.uuid4().hex}:"},
    )


def read(app, client, path: str) -> tuple[str, int]:
    found = []
    queries = count_queries(app, lambda: found.append(client.get(path)))
    assert found[0].status_code == 200
    return found[0].get_data(as_text=True), queries


def tokens_in(html: str) -> set[str]:
    return {a or b for a, b in CSRF_RE.findall(html)}


def test_a_members_idea_list_is_kept_for_every_member(cached_app):
    author = signed_in(cached_app, "author@example.org", "Ari Author")
    reader = signed_in(cached_app, "reader@example.org", "Rae Reader")
    make_idea(cached_app, "author@example.org", "Night buses")
    _first, first_queries = read(cached_app, author, "/ideas")
    second, second_queries = read(cached_app, reader, "/ideas")
    assert "Night buses" in second and "Sign out" in second
    assert second_queries < first_queries  # only the reader's own: session, notifications

    make_idea(cached_app, "author@example.org", "Free school meals")
    assert "Free school meals" in read(cached_app, reader, "/ideas")[0]


def test_a_kept_discussion_carries_each_readers_own_token(cached_app):
    make_member(cached_app, email="author@example.org", name="Ari Author")
    idea = make_idea(cached_app, "author@example.org", "Night buses")
    writer = signed_in(cached_app, "writer@example.org", "Wyn Writer")
    submit(
        writer, f"/ideas/{idea}/night-buses", {"body": "First!"}, action=f"/ideas/{idea}/comments"
    )
    one = signed_in(cached_app, "one@example.org", "Oona One")
    two = signed_in(cached_app, "two@example.org", "Teo Two")

    page_one, queries_one = read(cached_app, one, f"/ideas/{idea}/night-buses")
    page_two, queries_two = read(cached_app, two, f"/ideas/{idea}/night-buses")
    assert queries_two < queries_one  # the second reader got the kept discussion
    assert "First!" in page_two and "Report" in page_two and "coop-csrf" not in page_two
    assert tokens_in(page_one).isdisjoint(tokens_in(page_two))
    [token] = tokens_in(page_two)
    reply = two.post(
        f"/ideas/{idea}/comments",
        data={"csrf_token": token, "body": "Agreed.", "parent_id": first_comment(page_two)},
    )
    assert reply.status_code == 302  # the token in the kept part is Teo's own
    assert "Agreed." in read(cached_app, one, f"/ideas/{idea}/night-buses")[0]


def test_a_writer_and_a_moderator_get_their_own_discussion(cached_app):
    make_member(cached_app, email="author@example.org", name="Ari Author")
    idea = make_idea(cached_app, "author@example.org", "Night buses")
    writer = signed_in(cached_app, "writer@example.org", "Wyn Writer")
    submit(
        writer, f"/ideas/{idea}/night-buses", {"body": "First!"}, action=f"/ideas/{idea}/comments"
    )
    reader = signed_in(cached_app, "reader@example.org", "Rae Reader")
    moderator = signed_in(cached_app, "org@example.org", "Olu", role=Role.ORGANISER)

    assert "Edit<" not in read(cached_app, reader, f"/ideas/{idea}/night-buses")[0]
    first, first_queries = read(cached_app, writer, f"/ideas/{idea}/night-buses")
    again, again_queries = read(cached_app, writer, f"/ideas/{idea}/night-buses")
    assert "Edit<" in first and "Edit<" in again  # kept for the writer alone
    assert again_queries < first_queries
    assert "Edit<" not in read(cached_app, reader, f"/ideas/{idea}/night-buses")[0]
    assert "Moderate<" in read(cached_app, moderator, f"/ideas/{idea}/night-buses")[0]
    assert "Moderate<" not in read(cached_app, reader, f"/ideas/{idea}/night-buses")[0]


def first_comment(html: str) -> str:
    return re.search(r'name="parent_id" value="(\d+)"', html)[1]


def test_a_proposals_discussion_is_kept_too(cached_app):
    make_member(cached_app, email="org@example.org", name="Olu", role=Role.ORGANISER)
    proposal = make_proposal(cached_app, "org@example.org", "Adopt the charter?")
    one = signed_in(cached_app, "one@example.org", "Oona One")
    two = signed_in(cached_app, "two@example.org", "Teo Two")
    path = f"/proposals/{proposal}/adopt-the-charter"
    submit(one, path, {"body": "Yes, at last."}, action=f"/proposals/{proposal}/comments")
    _first, first_queries = read(cached_app, two, path)
    again, again_queries = read(cached_app, two, path)
    assert "Yes, at last." in again and again_queries < first_queries


def test_a_discussion_holding_the_readers_own_comment_is_not_kept_for_every_member(cached_app):
    """The reader commented from another tab between the idea's query (which said they had
    not) and the threads': their Edit controls must not be kept for all members."""
    from flask_login import login_user

    from coop.accounts.services import find_by_email
    from coop.comments.discussion import discussion_context
    from coop.extensions import db
    from coop.ideas.services import get_idea

    writer = signed_in(cached_app, "writer@example.org", "Wyn Writer")
    idea = make_idea(cached_app, "writer@example.org", "Night buses")
    submit(
        writer, f"/ideas/{idea}/night-buses", {"body": "First!"}, action=f"/ideas/{idea}/comments"
    )
    with cached_app.test_request_context(f"/ideas/{idea}/night-buses"):
        member = find_by_email("writer@example.org")
        login_user(member)
        target = get_idea(idea, reader=member)
        target.reader_commented = False  # as read a moment before the comment landed
        context = discussion_context(target)
        assert context["threads"] and context["discussion_key"] is None
        db.session.rollback()
