"""Nothing private comes out of the API: no hidden, held, pending or deleted content, no
members-only proposal, no email address, no member's own reaction or vote, whoever asks."""

import json

import pytest
from sqlalchemy import select

from coop.accounts.models import Member
from coop.extensions import db
from coop.ideas.models import Idea
from tests.api.helpers import API, assert_error, get_json, ids, keys_in
from tests.api.seed import ORGANISER, PRIVATE_WORDS, seed
from tests.factories import client_for
from tests.support import make_member, sign_in

# Keys that would give away a member's own choice or contact details.
PERSONAL_KEYS = {
    "email", "reaction", "reactions", "my_reaction", "vote", "votes", "my_vote", "choice",
    "ballot", "member_id", "author_id", "voter", "voters", "moderation_reason",
    "moderation_state", "report_count",
}  # fmt: skip


@pytest.fixture
def seeded(app):
    return seed(app)


def every_public_response(client, per_page: int = 100) -> dict[str, dict]:
    """Every list and every item the API links to, by path."""
    bodies = {}

    def fetch(path: str) -> dict:
        bodies[path] = get_json(client, path)
        return bodies[path]

    for item in fetch(f"/ideas?per_page={per_page}")["data"]:
        fetch(f"/ideas/{item['id']}")
        fetch(f"/ideas/{item['id']}/comments?per_page={per_page}")
    for status in ("", "&status=open", "&status=closed"):
        for item in fetch(f"/proposals?per_page={per_page}{status}")["data"]:
            fetch(f"/proposals/{item['id']}")
            fetch(f"/proposals/{item['id']}/comments?per_page={per_page}")
    for item in fetch(f"/updates?per_page={per_page}")["data"]:
        fetch(f"/updates/{item['id']}")
    for item in fetch("/topics")["data"]:
        fetch(f"/ideas?topic={item['slug']}&per_page={per_page}")
    for sort in ("newest", "common", "supported", "trending", "discussed"):
        fetch(f"/ideas?sort={sort}&per_page={per_page}")
    return bodies


def all_emails(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Member.email)))


@pytest.mark.parametrize("who", ["visitor", "organiser"])
def test_no_private_content_email_reaction_or_vote_in_any_response(app, seeded, who):
    client = app.test_client()
    if who == "organiser":  # the API ignores cookies: an organiser sees what a visitor sees
        assert sign_in(client, ORGANISER).status_code == 302
    bodies = every_public_response(client)
    assert len(bodies) > 20
    text = json.dumps(bodies, ensure_ascii=False)
    for email in [*seeded.emails, *all_emails(app)]:
        assert email not in text
    assert "@" not in text
    for words in PRIVATE_WORDS:
        assert words not in text
    assert keys_in(bodies) & PERSONAL_KEYS == set()
    assert not any("email" in key or "reaction" in key for key in keys_in(bodies))


def test_hidden_held_and_pending_ideas_are_not_listed_and_answer_404(client, seeded):
    listed = ids(get_json(client, "/ideas?per_page=100"))
    for key in ("hidden", "held", "pending"):
        idea_id = seeded.ideas[key]
        assert idea_id not in listed
        assert_error(client.get(f"{API}/ideas/{idea_id}"), 404)
        assert_error(client.get(f"{API}/ideas/{idea_id}/comments"), 404)
        for query in ("?q=idea", "?sort=supported", "?stage=discussion", "?topic=housing"):
            assert idea_id not in ids(get_json(client, f"/ideas{query}&per_page=100"))


def test_hidden_deleted_and_pending_comments_and_replies_to_pending_ones_are_left_out(
    client, seeded
):
    listed = ids(get_json(client, f"/ideas/{seeded.ideas['homes']}/comments?per_page=100"))
    for key in ("hidden", "pending", "reply_to_pending", "deleted"):
        assert seeded.comments[key] not in listed, key


def test_a_members_only_proposal_and_its_comments_do_not_exist_here(app, seeded):
    make_member(app, email="reader@example.org", name="Reader")
    member = client_for(app, "reader@example.org")
    proposal_id = seeded.proposals["members"]
    for client in (app.test_client(), member):
        for status in ("", "?status=open", "?status=closed"):
            assert proposal_id not in ids(get_json(client, f"/proposals{status}"))
        assert_error(client.get(f"{API}/proposals/{proposal_id}"), 404)
        assert_error(client.get(f"{API}/proposals/{proposal_id}/comments"), 404)


def test_a_proposal_does_not_link_an_idea_that_was_hidden_since(app, client, seeded):
    with app.app_context():
        db.session.get(Idea, seeded.ideas["rent"]).moderation_state = "hidden"
        db.session.commit()
    proposal = get_json(client, f"/proposals/{seeded.proposals['closed']}")["data"]
    assert proposal["idea"] is None
    assert "Cap the rent" not in json.dumps(proposal)
