"""How the API answers at the HTTP level: errors as JSON, conditional requests, caching,
CORS, cookies ignored, the rate limit and bounded SQL."""

import pytest
from sqlalchemy import select

from coop.accounts.models import Member, Role
from coop.comments.services import add_comment
from coop.extensions import db
from coop.ideas.models import Idea
from coop.proposals.models import Proposal
from coop.updates.services import publish_update
from tests.api.helpers import API, assert_error, get_json
from tests.api.seed import ORGANISER, seed
from tests.factories import client_for
from tests.ideas.helpers import add_ideas, add_members, react_as
from tests.support import (
    count_queries,
    make_idea,
    make_member,
    make_proposal,
    make_topic,
)

LISTS = ["/ideas", "/proposals", "/topics", "/updates", "/openapi.json"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=", "page"),
        ("page=%C2%B2", "page"),
        ("page=10001", "page"),
        ("page=1&page=2", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=1000", "per_page"),
        ("sort=bogus", "sort"),
        ("sort=", "sort"),
        ("stage=bogus", "stage"),
        ("topic=Not%20a%20slug", "topic"),
        ("topic=" + "a" * 81, "topic"),
        ("q=" + "a" * 201, "q"),
        ("q=nul%00byte", "q"),
        ("bogus=1", "bogus"),
    ],
)
def test_a_malformed_query_is_a_400_in_json_naming_the_parameter(client, query, parameter):
    assert_error(client.get(f"{API}/ideas?{query}"), 400, mentioning=parameter)


def test_other_lists_refuse_bad_parameters_too(client):
    assert_error(client.get(f"{API}/proposals?status=finished"), 400, mentioning="status")
    assert_error(client.get(f"{API}/updates?per_page=500"), 400, mentioning="per_page")
    assert_error(client.get(f"{API}/topics?page=2"), 400, mentioning="page")
    assert_error(client.get(f"{API}/ideas/1/comments?sort=newest"), 400, mentioning="sort")


@pytest.mark.parametrize(
    "path",
    [
        "/ideas/999999",
        "/ideas/0",
        f"/ideas/{2**40}",
        "/ideas/999999/comments",
        "/ideas/abc",
        "/ideas/-1",
        "/proposals/999999",
        f"/proposals/{2**40}/comments",
        "/updates/999999",
        "/nothing-here",
        "/updates/1/comments",
    ],
)
def test_an_unknown_id_or_address_is_a_404_in_json(client, path):
    assert_error(client.get(API + path), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_anything_but_reading_is_a_405_in_json(app, client, method):
    make_member(app)
    idea_id = make_idea(app)
    for path in ("/ideas", f"/ideas/{idea_id}", f"/ideas/{idea_id}/comments", "/topics"):
        response = getattr(client, method)(API + path, json={"title": "x"})
        assert_error(response, 405)
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_unchanged_response_is_a_304_for_its_etag(app, client):
    make_member(app)
    idea_id = make_idea(app)
    for path in [*LISTS, f"/ideas/{idea_id}", f"/ideas/{idea_id}/comments"]:
        first = client.get(API + path)
        etag = first.headers["ETag"]
        assert etag.startswith('W/"'), path
        again = client.get(API + path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.data == b""
        assert again.headers["ETag"] == etag
        assert client.get(API + path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_head_answers_like_get_without_a_body(client):
    got, head = client.get(f"{API}/ideas"), client.head(f"{API}/ideas")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == got.headers["ETag"]
    assert (
        client.head(f"{API}/ideas", headers={"If-None-Match": got.headers["ETag"]}).status_code
        == 304
    )


def test_a_changed_response_has_a_new_etag(app, client):
    make_member(app)
    idea_id = make_idea(app)
    etag = client.get(f"{API}/ideas/{idea_id}").headers["ETag"]
    react_as(app, add_members(app, 1)[0], idea_id, "support")
    changed = client.get(f"{API}/ideas/{idea_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.get_json()["data"]["support_count"] == 1


def test_responses_may_be_cached_by_anyone_for_a_minute_and_errors_not_at_all(client):
    for path in LISTS:
        assert client.get(API + path).headers["Cache-Control"] == "public, max-age=60"
    assert client.get(f"{API}/ideas/404").headers["Cache-Control"] == "no-store"
    assert client.get(f"{API}/ideas?page=0").headers["Cache-Control"] == "no-store"


def test_any_origin_may_read_and_a_preflight_allows_only_get(client):
    for path in [*LISTS, "/ideas/404", "/ideas?page=0"]:
        response = client.get(API + path, headers={"Origin": "https://example.net"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        f"{API}/ideas",
        headers={"Origin": "https://example.net", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET"
    assert preflight.headers["Access-Control-Allow-Headers"] == "If-None-Match"


def test_the_site_itself_sends_no_cors_header(client):
    assert "Access-Control-Allow-Origin" not in client.get("/ideas").headers


def test_the_api_ignores_cookies_and_sets_none(app):
    """A signed-in organiser, even one who must first accept a new privacy notice, gets
    the visitor's answer: no session is read, renewed or set, nothing varies on cookies."""
    seeded = seed(app)
    organiser = client_for(app, ORGANISER)
    app.config["PRIVACY_NOTICE_VERSION"] = "a-newer-notice"
    visitor = app.test_client()
    for path in [*LISTS, f"/ideas/{seeded.ideas['homes']}"]:
        theirs, anyone = organiser.get(API + path), visitor.get(API + path)
        assert theirs.status_code == 200, path
        assert theirs.data == anyone.data
        assert "Set-Cookie" not in theirs.headers
        assert "Cookie" not in theirs.headers.get("Vary", "")
        assert theirs.headers["Cache-Control"] == "public, max-age=60"
    assert_error(organiser.get(f"{API}/ideas/{seeded.ideas['hidden']}"), 404)
    assert organiser.get("/ideas").status_code == 302  # the site still asks for the notice


def test_over_the_rate_limit_is_a_429_in_json_with_retry_after(app_factory):
    client = app_factory(LIMIT_API="2 per minute").test_client()
    first = client.get(f"{API}/ideas")
    assert first.status_code == 200
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == (
        "2",
        "1",
    )
    assert int(first.headers["X-RateLimit-Reset"]) > 0
    assert client.get(f"{API}/topics").status_code == 200  # one budget for the whole API
    error = assert_error(client.get(f"{API}/updates"), 429)
    assert error["message"]
    limited = client.get(f"{API}/ideas")
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/ideas").status_code == 200  # the site has its own limits


def test_the_limit_is_per_address(app_factory):
    client = app_factory(LIMIT_API="1 per minute").test_client()
    assert client.get(f"{API}/ideas").status_code == 200
    assert client.get(f"{API}/ideas").status_code == 429
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.get(f"{API}/ideas", environ_base=other).status_code == 200


def queries_for(app, client, path: str) -> int:
    responses = []
    count = count_queries(app, lambda: responses.append(client.get(API + path)))
    assert responses[0].status_code == 200, path
    return count


def all_counts(app, client, paths: list[str]) -> dict[str, int]:
    return {path: queries_for(app, client, path) for path in paths}


def test_every_endpoint_runs_the_same_few_queries_for_few_or_many_items(app, client):
    make_member(app)
    make_member(app, email="boss@example.org", name="Boss", role=Role.ORGANISER)
    people = add_members(app, 8)
    topics = [make_topic(app, f"Topic {n}") for n in range(1, 4)]
    ideas = add_ideas(app, people[:2], topics, 3)
    proposals = [make_proposal(app, "boss@example.org", f"Question {n}?") for n in range(2)]
    paths = [
        "/ideas",
        "/ideas?sort=trending",
        "/ideas?sort=common&topic=topic-1",
        "/ideas?q=idea&stage=discussion",
        f"/ideas/{ideas[0]}",
        f"/ideas/{ideas[0]}/comments",
        "/proposals",
        "/proposals?status=open",
        f"/proposals/{proposals[0]}",
        f"/proposals/{proposals[0]}/comments",
        "/topics",
        "/updates",
    ]
    client.get(f"{API}/ideas")  # a warm connection
    few = all_counts(app, client, paths)

    more_ideas = add_ideas(app, people, topics, 40)
    for n, member_id in enumerate(people):
        react_as(app, member_id, more_ideas[n], "support")
    _comment_on(app, people, ideas[0], proposals[0], 30)
    many = all_counts(app, client, paths)
    assert many == few
    assert max(many.values()) <= 4, many


def _comment_on(app, people: list[int], idea_id: int, proposal_id: int, count: int) -> None:
    """Comments on the idea and the proposal, and updates, `count` of each."""
    with app.app_context():
        idea, proposal = db.session.get(Idea, idea_id), db.session.get(Proposal, proposal_id)
        boss = db.session.scalar(select(Member).where(Member.email == "boss@example.org"))
        for n in range(count):
            author = db.session.get(Member, people[n % len(people)])
            add_comment(author, idea, f"Comment {n}")
            add_comment(author, proposal, f"Comment {n}")
            publish_update(boss, f"Update {n}", "News.")
        db.session.commit()


def test_the_openapi_description_is_valid_json_with_every_operation(client):
    document = get_json(client, "/openapi.json")
    operations = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(operations) == len(set(operations)) == 11
