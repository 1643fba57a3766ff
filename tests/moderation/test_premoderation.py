import pytest

from coop.comments.models import Comment
from coop.ideas.models import Idea
from tests.factories import client_for
from tests.moderation.helpers import AUTHOR, ORGANISER, act, people, rows
from tests.support import load_member, make_idea, make_topic, submit


@pytest.fixture
def app(app_factory):
    return app_factory(PREMODERATION_COUNT=2)


def submit_idea(client, title: str, topic_id: int):
    data = {"title": title, "body": "Some words.", "topic_id": topic_id}
    return submit(client, "/ideas/new", data)


def test_a_newcomers_first_ideas_wait_for_review_then_the_member_is_trusted(app):
    people(app)
    topic_id = make_topic(app)
    author = client_for(app, AUTHOR)
    response = submit_idea(author, "First idea", topic_id)
    assert response.status_code == 302
    [idea] = rows(app, Idea)
    assert idea.moderation_state == "pending"
    own_page = author.get(response.headers["Location"]).get_data(as_text=True)
    assert "Awaiting review" in own_page
    assert app.test_client().get(f"/ideas/{idea.id}").status_code == 404
    assert "First idea" not in app.test_client().get("/ideas").get_data(as_text=True)

    organiser = client_for(app, ORGANISER)
    assert "First idea" in organiser.get("/moderation").get_data(as_text=True)
    assert act(organiser, "idea", idea.id, "approve", "Fine.").status_code == 302
    assert "First idea" in app.test_client().get("/ideas").get_data(as_text=True)

    submit_idea(author, "Second idea", topic_id)
    second = rows(app, Idea)[-1]
    assert second.moderation_state == "pending"
    act(organiser, "idea", second.id, "approve", "Fine.")
    assert load_member(app, AUTHOR).approved_contributions == 2

    submit_idea(author, "Third idea", topic_id)
    assert rows(app, Idea)[-1].moderation_state == "published"


def test_a_newcomers_comment_waits_for_review_and_is_not_counted(app):
    people(app)
    make_member_trusted_idea = make_idea(app, author_email=ORGANISER)
    author = client_for(app, AUTHOR)
    page = f"/ideas/{make_member_trusted_idea}/build-more-homes"
    submit(
        author,
        page,
        {"body": "My first comment"},
        action=f"/ideas/{make_member_trusted_idea}/comments",
    )
    [comment] = rows(app, Comment)
    assert comment.moderation_state == "pending"
    assert "My first comment" in author.get(page).get_data(as_text=True)
    assert "My first comment" not in app.test_client().get(page).get_data(as_text=True)
    assert rows(app, Idea)[0].comment_count == 0
    act(client_for(app, ORGANISER), "comment", comment.id, "approve", "Fine.")
    assert "My first comment" in app.test_client().get(page).get_data(as_text=True)
    assert rows(app, Idea)[0].comment_count == 1


def test_organisers_are_never_pre_moderated(app):
    people(app)
    make_idea(app, author_email=ORGANISER)
    assert rows(app, Idea)[0].moderation_state == "published"
