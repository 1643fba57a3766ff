import pytest
from sqlalchemy import select

from coop.accounts.models import Role
from coop.extensions import db
from coop.ideas.models import Topic
from tests.factories import client_for
from tests.ideas.helpers import count_rows, set_topic_archived
from tests.support import make_idea, make_member, make_topic, sign_in, submit

TOPICS = "/organise/topics"


@pytest.fixture
def organiser(app, client):
    make_member(app, email="org@example.org", name="Orla Organiser", role=Role.ORGANISER)
    sign_in(client, "org@example.org")
    return client


def topic_rows(app) -> list[tuple[str, str, str, bool]]:
    with app.app_context():
        rows = db.session.execute(
            select(Topic.name, Topic.slug, Topic.description, Topic.archived).order_by(Topic.id)
        )
        return [tuple(row) for row in rows]


def new_idea_form(app) -> str:
    """The new idea form as a member sees it."""
    make_member(app, email="member@example.org")
    client = client_for(app, "member@example.org")
    return client.get("/ideas/new").get_data(as_text=True)


def test_an_organiser_adds_a_topic_that_members_can_then_choose(app, organiser):
    response = submit(organiser, TOPICS, {"name": " Public transport ", "description": "Buses"})

    assert response.status_code == 302
    assert response.headers["Location"] == TOPICS
    assert topic_rows(app) == [("Public transport", "public-transport", "Buses", False)]
    html = organiser.get(TOPICS).get_data(as_text=True)
    assert "Topic “Public transport” added." in html
    assert "<td>Public transport</td><td>Buses</td><td>In use</td>" in html
    assert ">Public transport</option>" in new_idea_form(app)


def test_an_organiser_archives_and_restores_a_topic(app, organiser):
    topic_id = make_topic(app, "Housing")
    make_idea(app, "org@example.org", topic_id=topic_id)

    response = submit(organiser, TOPICS, action=f"{TOPICS}/{topic_id}/archive")
    assert response.status_code == 302
    assert topic_rows(app)[0][3] is True
    html = organiser.get(TOPICS).get_data(as_text=True)
    assert "Topic “Housing” archived." in html
    assert "<td>Archived</td>" in html
    assert ">Housing</option>" not in new_idea_form(app)
    listing = app.test_client().get("/ideas?topic=housing").get_data(as_text=True)
    assert "Build more homes" in listing

    submit(organiser, TOPICS, action=f"{TOPICS}/{topic_id}/restore")
    assert topic_rows(app)[0][3] is False
    assert "Topic “Housing” restored." in organiser.get(TOPICS).get_data(as_text=True)
    client = client_for(app, "member@example.org")
    assert ">Housing</option>" in client.get("/ideas/new").get_data(as_text=True)


def test_a_duplicate_topic_name_is_refused_with_409_beside_the_field(app, organiser):
    make_topic(app, "Housing")

    for name in ["Housing", "housing", "HOUSING!"]:
        response = submit(organiser, TOPICS, {"name": name})
        html = response.get_data(as_text=True)
        assert response.status_code == 409, name
        assert 'id="name-error"' in html
        assert "There is already a topic with that name." in html.split('id="name-error"')[1]
    assert count_rows(app, Topic) == 1


def test_a_topic_added_twice_at_the_same_moment_is_refused_beside_the_field(
    app, organiser, monkeypatch
):
    """The name's unique key decides when both checks ran before either was written."""
    make_topic(app, "Housing")
    real = db.session.scalar

    def misses_the_other(statement, *args, **kwargs):
        if "topics" in str(statement) and "ideas" not in str(statement):
            return None  # the other organiser's topic, not yet committed when we looked
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", misses_the_other)
    response = submit(organiser, TOPICS, {"name": "Housing"})
    monkeypatch.undo()
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "There is already a topic with that name." in html.split('id="name-error"')[1]
    assert count_rows(app, Topic) == 1


def test_an_empty_or_long_topic_name_is_refused_beside_the_field(app, organiser):
    for name, message in [("", "Enter a name."), ("  ", "Enter a name."), ("x" * 61, "60 char")]:
        response = submit(organiser, TOPICS, {"name": name})
        assert response.status_code == 400, name
        assert message in response.get_data(as_text=True).split('id="name-error"')[1]
    assert count_rows(app, Topic) == 0


def test_archiving_an_unknown_topic_gives_404(organiser):
    assert submit(organiser, TOPICS, action=f"{TOPICS}/999/archive").status_code == 404


@pytest.mark.parametrize("verified", [True, False])
def test_members_cannot_manage_topics(app, client, verified):
    topic_id = make_topic(app, "Housing")
    make_member(app, verified=verified)
    sign_in(client)

    assert client.get(TOPICS).status_code == 403
    assert submit(client, "/", {"name": "Mine"}, TOPICS).status_code == 403
    assert submit(client, "/", action=f"{TOPICS}/{topic_id}/archive").status_code == 403
    assert topic_rows(app) == [("Housing", "housing", "", False)]
    assert f'href="{TOPICS}"' not in client.get("/ideas").get_data(as_text=True)


def test_visitors_are_sent_to_sign_in_for_topics(app, client):
    topic_id = make_topic(app, "Housing")
    assert client.get(TOPICS).headers["Location"].startswith("/sign-in?next=")
    response = submit(client, "/sign-in", action=f"{TOPICS}/{topic_id}/archive")
    assert response.status_code == 302
    assert topic_rows(app)[0][3] is False
    response = submit(client, "/sign-in", {"name": "Mine"}, TOPICS)
    assert response.headers["Location"].startswith("/sign-in")
    assert count_rows(app, Topic) == 1


def test_ideas_under_an_archived_topic_stay_readable(app, client):
    make_member(app)
    topic_id = make_topic(app, "Housing")
    idea_id = make_idea(app, topic_id=topic_id)
    set_topic_archived(app, topic_id)
    response = client.get(f"/ideas/{idea_id}/build-more-homes")
    assert response.status_code == 200
    assert "Housing" in response.get_data(as_text=True)
