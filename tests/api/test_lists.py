"""The idea list gives what the site's list gives, page by page, with links between pages."""

from datetime import timedelta

import pytest

from coop.common_ground.models import IdeaScore
from coop.common_ground.ranking import store_ranks
from coop.extensions import db
from coop.ideas.models import Idea
from coop.uktime import utcnow
from tests.api.helpers import get_json, titles
from tests.ideas.helpers import add_ideas, add_members, react_as, set_created_at, titles_listed
from tests.support import make_idea, make_member, make_topic

BASE = "http://localhost/api/v1"


@pytest.fixture
def varied_ideas(app):
    """Ideas under two topics, at different stages, with different support and comments."""
    make_member(app, name="Rosa Author")
    housing, transport = make_topic(app, "Housing"), make_topic(app, "Transport")
    people = add_members(app, 6)
    ideas = {
        title: make_idea(app, title=title, body=body, topic_id=topic)
        for title, body, topic in [
            ("Build more homes", "Affordable homes for rent.", housing),
            ("Free buses", "Buses for everyone.", transport),
            ("Cap the rent", "Rents are too high in every city.", housing),
            ("Night trains", "Sleeper trains between cities.", transport),
            ("Insulate homes", "Warm homes cost less.", housing),
        ]
    }
    now = utcnow()
    for n, idea_id in enumerate(ideas.values()):
        set_created_at(app, Idea, idea_id, now - timedelta(days=10 - n))
    for n, member_id in enumerate(people):
        react_as(app, member_id, ideas["Free buses"], "support")
        if n < 3:
            react_as(app, member_id, ideas["Cap the rent"], "support")
        if n < 2:
            react_as(app, member_id, ideas["Night trains"], "oppose")
    return ideas


def store_scores(app, scores: dict[int, float]) -> None:
    """Common-ground scores as a run of the scorer would leave them; the best has the status."""
    best = max(scores, key=scores.get)
    with app.app_context():
        for idea_id, score in scores.items():
            status = "common_ground" if idea_id == best else "not_supported"
            db.session.add(
                IdeaScore(idea_id=idea_id, status=status, score=score, divide=0.1, votes=12,
                          computed_at=utcnow())
            )  # fmt: skip
        db.session.flush()
        store_ranks()
        db.session.commit()


QUERIES = [
    "",
    "?sort=newest",
    "?sort=supported",
    "?sort=trending",
    "?sort=discussed",
    "?sort=common",
    "?topic=housing",
    "?topic=transport&sort=supported",
    "?topic=nothing-here",
    "?stage=discussion",
    "?stage=carried",
    "?q=homes",
    "?q=cities&sort=supported",
    "?q=homes&topic=housing&stage=discussion&sort=newest",
]


@pytest.mark.parametrize("query", QUERIES)
def test_filters_sorts_and_search_give_the_same_ideas_in_the_same_order_as_the_site(
    app, client, varied_ideas, query
):
    store_scores(app, {varied_ideas["Night trains"]: 0.6, varied_ideas["Insulate homes"]: 0.1})
    web = client.get(f"/ideas{query}")
    assert web.status_code == 200
    assert titles(get_json(client, f"/ideas{query}")) == titles_listed(web.get_data(as_text=True))


def test_pages_link_to_their_neighbours_keeping_the_filters(app, client):
    make_member(app)
    author = make_member(app, email="writer@example.org", name="Writer").id
    add_ideas(app, [author], [make_topic(app, "Housing")], 45)

    first = get_json(client, "/ideas?topic=housing&sort=newest&per_page=20")
    assert titles(first) == [f"Idea number {n}" for n in range(44, 24, -1)]
    assert first["meta"] == {"page": 1, "per_page": 20, "total": 45, "pages": 3}
    assert first["links"] == {
        "self": f"{BASE}/ideas?per_page=20&sort=newest&topic=housing&page=1",
        "next": f"{BASE}/ideas?per_page=20&sort=newest&topic=housing&page=2",
        "prev": None,
    }

    last = get_json(client, "/ideas?per_page=20&sort=newest&topic=housing&page=3")
    assert titles(last) == [f"Idea number {n}" for n in range(4, -1, -1)]
    assert last["links"]["next"] is None
    assert last["links"]["prev"] == f"{BASE}/ideas?per_page=20&sort=newest&topic=housing&page=2"

    beyond = get_json(client, "/ideas?page=9")
    assert beyond["data"] == [] and beyond["links"]["next"] is None
    assert beyond["links"]["prev"] == f"{BASE}/ideas?page=3"


def test_following_next_links_walks_every_idea_once(app, client):
    author = make_member(app).id
    add_ideas(app, [author], [make_topic(app)], 23)
    seen, link = [], f"{BASE}/ideas?per_page=7"
    while link:
        body = get_json(client, link.replace(BASE, ""))
        seen += titles(body)
        link = body["links"]["next"]
    assert sorted(seen) == sorted(f"Idea number {n}" for n in range(23))


def test_per_page_from_1_to_100(app, client):
    author = make_member(app).id
    add_ideas(app, [author], [make_topic(app)], 3)
    assert len(get_json(client, "/ideas?per_page=1")["data"]) == 1
    assert len(get_json(client, "/ideas?per_page=100")["data"]) == 3


def test_each_sort_and_filter_does_what_it_says(app, client, varied_ideas):
    store_scores(app, {varied_ideas["Night trains"]: 0.6, varied_ideas["Insulate homes"]: 0.1})
    assert titles(get_json(client, "/ideas"))[0] == "Insulate homes"  # the newest
    assert titles(get_json(client, "/ideas?sort=supported"))[:2] == ["Free buses", "Cap the rent"]
    assert titles(get_json(client, "/ideas?sort=common"))[:2] == ["Night trains", "Insulate homes"]
    assert titles(get_json(client, "/ideas?q=homes")) == ["Insulate homes", "Build more homes"]
    assert set(titles(get_json(client, "/ideas?topic=transport"))) == {"Free buses", "Night trains"}
    assert titles(get_json(client, "/ideas?stage=carried")) == []
