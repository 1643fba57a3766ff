from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from config import Config
from tests.factories import client_for
from tests.moderation.helpers import AUTHOR, people
from tests.support import csrf_token, make_idea, make_topic


@pytest.fixture
def app(app_factory):
    names = ["LIMIT_IDEAS", "LIMIT_IDEAS_NEWCOMER", "LIMIT_COMMENTS", "LIMIT_COMMENTS_NEWCOMER"]
    return app_factory(**{name: getattr(Config, name) for name in names})


def post_ideas(client, topic_id: int, count: int) -> list[int]:
    token = csrf_token(client, "/ideas/new")
    data = {"csrf_token": token, "body": "Words.", "topic_id": topic_id}
    return [client.post("/ideas/new", data={**data, "title": f"Idea {n}"}).status_code
            for n in range(count)]  # fmt: skip


def test_a_newcomer_posts_at_most_three_ideas_on_the_first_day(app):
    people(app)
    topic_id = make_topic(app)
    statuses = post_ideas(client_for(app, AUTHOR), topic_id, 4)
    assert statuses == [302, 302, 302, 429]


def test_an_established_member_posts_five_ideas_a_day(app):
    people(app)
    topic_id = make_topic(app)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=2)):
        statuses = post_ideas(client_for(app, AUTHOR), topic_id, 6)
    assert statuses == [302] * 5 + [429]


def test_a_refused_idea_does_not_count_against_the_limit(app):
    people(app)
    topic_id = make_topic(app)
    client = client_for(app, AUTHOR)
    token = csrf_token(client, "/ideas/new")
    empty = {"csrf_token": token, "title": "", "body": "", "topic_id": topic_id}
    assert [client.post("/ideas/new", data=empty).status_code for _ in range(4)] == [400] * 4
    assert post_ideas(client, topic_id, 1) == [302]


def test_a_newcomer_waits_thirty_seconds_between_comments(app):
    people(app)
    idea_id = make_idea(app)
    client = client_for(app, AUTHOR)
    page = f"/ideas/{idea_id}/build-more-homes"
    token = csrf_token(client, page)
    post = lambda: client.post(f"/ideas/{idea_id}/comments",  # noqa: E731
                               data={"csrf_token": token, "body": "Hi"}).status_code  # fmt: skip
    first, second = post(), post()
    assert (first, second) == (302, 429)
    blocked = client.post(f"/ideas/{idea_id}/comments", data={"csrf_token": token, "body": "x"})
    assert int(blocked.headers["Retry-After"]) > 0
