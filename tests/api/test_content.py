"""Each endpoint gives the public content, as the site shows it to a visitor."""

import pytest

from tests.api.helpers import get_json, ids, titles
from tests.api.seed import seed
from tests.ideas.helpers import load_idea

BASE = "http://localhost"


@pytest.fixture
def seeded(app):
    return seed(app)


def test_an_idea_has_its_text_counts_topic_stage_author_and_links(client, seeded):
    idea_id = seeded.ideas["homes"]
    idea = get_json(client, f"/ideas/{idea_id}")["data"]
    assert idea["title"] == "Build more homes"
    assert idea["body"] == "We need **affordable** homes."
    assert idea["body_html"] == "<p>We need <strong>affordable</strong> homes.</p>\n"
    assert idea["topic"] == {"id": seeded.topics["Housing"], "name": "Housing", "slug": "housing"}
    assert (idea["stage"], idea["stage_label"]) == ("discussion", "Open for discussion")
    assert idea["author"] == {"display_name": "Rosa Author"}
    assert (idea["support_count"], idea["oppose_count"]) == (4, 0)
    assert idea["comment_count"] == load_idea(client.application, idea_id).comment_count
    assert idea["created_at"].endswith("Z") and idea["edited_at"] is None
    assert idea["url"] == f"{BASE}/ideas/{idea_id}/build-more-homes"
    assert idea["api_url"] == f"{BASE}/api/v1/ideas/{idea_id}"
    assert idea["comments_url"] == f"{BASE}/api/v1/ideas/{idea_id}/comments"


def test_an_idea_by_a_former_member_has_no_author(client, seeded):
    idea = get_json(client, f"/ideas/{seeded.ideas['former']}")["data"]
    assert idea["title"] == "Plant trees"
    assert idea["author"] is None


def test_the_idea_list_has_the_published_ideas_only(client, seeded):
    body = get_json(client, "/ideas")
    assert titles(body) == ["Plant trees", "Cap the rent", "Free buses", "Build more homes"]
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 4, "pages": 1}
    assert body["links"] == {"self": f"{BASE}/api/v1/ideas?page=1", "next": None, "prev": None}
    carried = body["data"][1]
    assert carried["stage"] == "carried"


def test_idea_comments_are_published_ones_oldest_first_with_replies(client, seeded):
    comments = seeded.comments
    body = get_json(client, f"/ideas/{seeded.ideas['homes']}/comments")
    assert ids(body) == [comments["first"], comments["reply"], comments["reply_to_hidden"]]
    first, reply, orphan = body["data"]
    assert first["body_html"] == "<p>I agree, <strong>strongly</strong>.</p>\n"
    assert first["author"] == {"display_name": "Olive Organiser"}
    assert first["parent_id"] is None
    assert reply["parent_id"] == comments["first"]
    assert orphan["parent_id"] == comments["hidden"]  # the reply stays; its parent does not
    assert first["url"] == f"http://localhost/comments/{first['id']}"  # opens its page
    assert body["meta"]["total"] == 3


def test_proposals_list_public_ones_newest_first_without_the_withdrawn(client, seeded):
    body = get_json(client, "/proposals")
    assert titles(body) == [
        "Should we hold a fete?",
        "Should we open an office?",
        "Should we cap the rent?",
    ]
    statuses = {item["question"]: item["status"] for item in body["data"]}
    assert statuses == {
        "Should we hold a fete?": "upcoming",
        "Should we cap the rent?": "closed",
        "Should we open an office?": "voting",
    }


def test_proposals_filter_open_and_closed(client, seeded):
    assert titles(get_json(client, "/proposals?status=open")) == [
        "Should we hold a fete?",
        "Should we open an office?",
    ]
    assert titles(get_json(client, "/proposals?status=closed")) == ["Should we cap the rent?"]


def test_a_closed_proposal_has_its_published_result_and_its_idea(client, seeded):
    proposal = get_json(client, f"/proposals/{seeded.proposals['closed']}")["data"]
    result = proposal["result"]
    assert result["outcome"] == "carried" and result["carried"] is True
    assert (result["votes_for"], result["votes_against"], result["votes_abstain"]) == (2, 1, 1)
    assert result["turnout"] == 4 and result["quorum_met"] is True
    assert result["electorate"] >= 4
    assert proposal["idea"]["id"] == seeded.ideas["rent"]
    assert proposal["idea"]["title"] == "Cap the rent"
    assert proposal["quorum_percent"] == 10


def test_results_appear_only_once_voting_has_closed(client, seeded):
    for key in ("open", "upcoming", "withdrawn"):
        proposal = get_json(client, f"/proposals/{seeded.proposals[key]}")["data"]
        assert proposal["result"] is None, key
    listed = get_json(client, "/proposals")["data"]
    assert [p["result"] is not None for p in listed] == [p["status"] == "closed" for p in listed]


def test_an_open_proposal_has_its_window_rule_and_text(client, seeded):
    proposal = get_json(client, f"/proposals/{seeded.proposals['open']}")["data"]
    assert proposal["question"] == "Should we open an office?"
    assert proposal["body_html"] == "<p>A <em>room</em>.</p>\n"
    assert proposal["rule"] == "majority" and proposal["rule_label"].startswith("Simple majority")
    assert proposal["opens_at"] < proposal["closes_at"]
    assert proposal["idea"] is None
    assert proposal["url"].startswith(f"{BASE}/proposals/{seeded.proposals['open']}/")


def test_a_withdrawn_proposal_is_readable_with_its_reason(client, seeded):
    proposal = get_json(client, f"/proposals/{seeded.proposals['withdrawn']}")["data"]
    assert proposal["status"] == "withdrawn"
    assert proposal["withdrawn_reason"] == "The van was sold."


def test_proposal_comments(client, seeded):
    body = get_json(client, f"/proposals/{seeded.proposals['open']}/comments")
    assert [c["body"] for c in body["data"]] == ["Which room?"]


def test_topics_list_every_topic_with_a_link_to_its_ideas(client, seeded):
    body = get_json(client, "/topics")
    assert [(t["name"], t["archived"]) for t in body["data"]] == [
        ("Housing", False),
        ("Transport", False),
        ("Old topic", True),
    ]
    assert body["data"][0]["ideas_url"] == f"{BASE}/api/v1/ideas?topic=housing"


def test_updates_list_and_one_update(client, seeded):
    body = get_json(client, "/updates")
    assert titles(body) == ["Meeting on Monday", "We have an office"]
    update = get_json(client, f"/updates/{seeded.updates['first']}")["data"]
    assert update["body_html"] == "<p>Come and <em>visit</em>.</p>\n"
    assert update["author"] == {"display_name": "Olive Organiser"}
    assert update["url"] == f"{BASE}/updates/{seeded.updates['first']}-we-have-an-office"


def test_the_openapi_description_names_every_route_of_the_api(app, client):
    document = get_json(client, "/openapi.json")
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api/v1"}]
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert set(document["paths"]) == routes
