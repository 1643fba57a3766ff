"""Full-text search, on SQLite's FTS5 table or PostgreSQL's text search, by COOP_TEST_DB."""

import pytest

from tests.ideas.helpers import load_idea, titles_listed
from tests.support import make_idea, make_member, make_topic, sign_in, submit


@pytest.fixture
def ideas(app):
    make_member(app)
    return {
        "lanes": make_idea(
            app, title="Safer streets", body="Protected bicycle lanes on every main road."
        ),
        "library": make_idea(app, title="Open the library on Sundays", body="Families asked."),
        "bicycle": make_idea(app, title="Bicycle repair cafe", body="Fix things together."),
    }


def found(client, query: str, **filters: str) -> list[str]:
    response = client.get("/ideas", query_string={"q": query, **filters})
    assert response.status_code == 200
    return titles_listed(response.get_data(as_text=True))


def test_a_word_only_in_the_body_finds_the_idea(client, ideas):
    assert found(client, "protected") == ["Safer streets"]
    assert found(client, "families") == ["Open the library on Sundays"]


def test_a_word_in_the_title_finds_the_idea(client, ideas):
    assert found(client, "library") == ["Open the library on Sundays"]


def test_a_word_in_titles_and_bodies_finds_every_idea_with_it(client, ideas):
    assert found(client, "bicycle") == ["Bicycle repair cafe", "Safer streets"]


def test_every_word_of_the_search_must_match(client, ideas):
    assert found(client, "bicycle lanes") == ["Safer streets"]
    assert found(client, "bicycle sundays") == []


def test_a_word_in_no_idea_finds_nothing_and_says_so(client, ideas):
    response = client.get("/ideas?q=submarine")
    html = response.get_data(as_text=True)
    assert titles_listed(html) == []
    assert "0 ideas matching “submarine”." in html
    assert "Try fewer filters or other words." in html


def test_search_combines_with_the_topic_filter(app, client, ideas):
    transport = make_topic(app, "Transport")
    make_idea(app, title="Bicycle parking at stations", body="Racks.", topic_id=transport)
    assert found(client, "bicycle", topic="transport") == ["Bicycle parking at stations"]
    assert len(found(client, "bicycle")) == 3


def test_edited_text_is_found_and_the_old_text_no_longer_is(app, client, ideas):
    idea_id = ideas["library"]
    sign_in(client)
    edited = {
        "title": "Open the library late",
        "body": "Evening opening for shift workers.",
        "topic_id": load_idea(app, idea_id).topic_id,
    }
    response = submit(client, f"/ideas/{idea_id}/edit", edited)
    assert response.status_code == 302

    assert found(client, "evening") == ["Open the library late"]
    assert found(client, "late") == ["Open the library late"]
    assert found(client, "families") == []
    assert found(client, "sundays") == []


def test_odd_search_text_is_answered_without_error(client, ideas):
    odd = ['"', "'", "bicycle AND", "OR", "-bicycle", "NEAR(", ")(", "title:bicycle", "*", "🚲"]
    for query in [*odd, "%_", "a' OR '1'='1"]:
        assert client.get("/ideas", query_string={"q": query}).status_code == 200, query


def test_a_very_long_search_is_cut_to_200_characters(client, ideas):
    response = client.get("/ideas", query_string={"q": "bicycle " * 100})
    assert response.status_code == 200
    assert len(titles_listed(response.get_data(as_text=True))) == 2
