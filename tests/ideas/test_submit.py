import re

import pytest

from coop.ideas.models import BODY_MAX, TITLE_MAX, Idea
from tests.factories import signed_in
from tests.ideas.helpers import (
    count_rows,
    idea_data,
    load_idea,
    post_idea,
    set_topic_archived,
)
from tests.support import make_member, make_topic, sign_in, submit


@pytest.fixture
def topic_id(app):
    return make_topic(app, "Housing")


@pytest.fixture
def member_client(app):
    return signed_in(app, name="Rosa Member")


def expect_field_error(response, field: str, text: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html
    assert text in html.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert "There is a problem" in html


def test_a_verified_member_publishes_an_idea_under_a_topic(app, member_client, topic_id):
    response = post_idea(member_client, topic_id, title="  Build more homes  ")

    assert response.status_code == 302
    match = re.fullmatch(r"/ideas/(\d+)/build-more-homes", response.headers["Location"])
    assert match
    idea = load_idea(app, int(match.group(1)))
    assert idea.title == "Build more homes"
    assert idea.body == "We need **affordable** homes."
    assert idea.body_html == "<p>We need <strong>affordable</strong> homes.</p>\n"
    assert idea.topic_id == topic_id
    assert idea.stage == "discussion"
    assert (idea.support_count, idea.oppose_count, idea.edited_at) == (0, 0, None)
    page = member_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: your idea is published." in page
    assert "<h1>Build more homes</h1>" in page
    assert "By Rosa Member" in page
    assert "Housing" in page


def test_the_form_offers_only_topics_in_use(app, member_client):
    make_topic(app, "Housing")
    archived = make_topic(app, "Old topic")
    set_topic_archived(app, archived)
    html = member_client.get("/ideas/new").get_data(as_text=True)
    assert ">Housing</option>" in html
    assert "Old topic" not in html


def test_the_longest_title_and_body_are_accepted(app, member_client, topic_id):
    response = post_idea(member_client, topic_id, title="T" * TITLE_MAX, body="b" * BODY_MAX)
    assert response.status_code == 302
    assert count_rows(app, Idea) == 1


INVALID = [
    ({"title": ""}, "title", "Enter a title."),
    ({"title": "   "}, "title", "Enter a title."),
    ({"title": None}, "title", "Enter a title."),
    ({"title": "T" * (TITLE_MAX + 1)}, "title", "140 characters"),
    ({"body": ""}, "body", "Enter a description of your idea."),
    ({"body": " \n "}, "body", "Enter a description of your idea."),
    ({"body": "b" * (BODY_MAX + 1)}, "body", "10000 characters"),
    ({"topic_id": 0}, "topic_id", "Choose a topic from the list."),
    ({"topic_id": 9999}, "topic_id", "Choose a topic from the list."),
    ({"topic_id": None}, "topic_id", "Choose a topic from the list."),
    ({"topic_id": "housing"}, "topic_id", "Invalid Choice"),
]


def test_an_invalid_idea_is_refused_beside_its_field_and_writes_nothing(
    app, member_client, topic_id
):
    for changes, field, message in INVALID:
        response = submit(member_client, "/ideas/new", idea_data(topic_id, **changes))
        expect_field_error(response, field, message)
    assert count_rows(app, Idea) == 0


def test_an_archived_topic_is_refused(app, member_client, topic_id):
    set_topic_archived(app, topic_id)
    response = post_idea(member_client, topic_id)
    expect_field_error(response, "topic_id", "Choose a topic from the list.")
    assert count_rows(app, Idea) == 0


def test_an_unverified_member_cannot_submit_an_idea(app, client, topic_id):
    make_member(app, verified=False)
    sign_in(client)

    assert client.get("/ideas/new").status_code == 403
    response = submit(client, "/sign-in", idea_data(topic_id), action="/ideas/new")
    assert response.status_code == 403
    assert "confirm your email address" in response.get_data(as_text=True)
    assert count_rows(app, Idea) == 0


def test_a_visitor_is_sent_to_sign_in_and_nothing_is_written(app, client, topic_id):
    response = client.get("/ideas/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=%2Fideas%2Fnew"

    response = submit(client, "/sign-in", idea_data(topic_id), action="/ideas/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert count_rows(app, Idea) == 0


def test_submitting_without_the_csrf_token_is_refused(app, member_client, topic_id):
    response = member_client.post("/ideas/new", data=idea_data(topic_id))
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert count_rows(app, Idea) == 0
