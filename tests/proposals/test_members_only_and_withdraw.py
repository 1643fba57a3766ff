import pytest

from coop.accounts.models import Role
from coop.ballots import keys
from coop.extensions import db
from coop.ideas.models import Idea
from coop.proposals.models import Proposal
from tests.factories import client_for
from tests.proposals.helpers import (
    ADMIN,
    MEMBER,
    ORGANISER,
    add_member,
    cast_votes,
    close_due,
    end_voting,
    load_proposal,
    make_people,
    make_voters,
    page_of,
    vote,
    votes_of,
)
from tests.support import make_idea, make_proposal, submit

SECRET = "Should we back the rent strike?"


@pytest.fixture
def members_only(app):
    make_people(app)
    return make_proposal(app, ORGANISER, question=SECRET, visibility="members")


def test_visitors_cannot_find_a_members_only_proposal(app, client, members_only):
    slug = load_proposal(app, members_only).slug

    assert client.get(f"/proposals/{members_only}").status_code == 404
    response = client.get(f"/proposals/{members_only}/{slug}")
    assert response.status_code == 404
    assert SECRET not in response.get_data(as_text=True)
    for path in ("/proposals", "/"):
        assert SECRET not in client.get(path).get_data(as_text=True)


def test_unconfirmed_accounts_cannot_find_a_members_only_proposal(app, members_only):
    """Members-only votes are for the electorate, whose addresses are confirmed."""
    add_member(app, "new@example.org", "Newt New", verified=False)
    client = client_for(app, "new@example.org")

    assert client.get(f"/proposals/{members_only}").status_code == 404
    for path in ("/proposals", "/"):
        assert SECRET not in client.get(path).get_data(as_text=True)
    for path in ("ballots", "ballots.json", "ballots.atom"):
        assert client.get(f"/proposals/{members_only}/{path}").status_code == 404


def test_a_members_only_vote_s_ballots_stay_with_members(app, client, members_only):
    for path in ("ballots", "ballots.json", "ballots.atom"):
        assert client.get(f"/proposals/{members_only}/{path}").status_code == 404
        assert client_for(app, MEMBER).get(f"/proposals/{members_only}/{path}").status_code == 200


def test_members_see_a_members_only_proposal(app, members_only):
    client = client_for(app, MEMBER)

    page = client.get(page_of(client, members_only))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert SECRET in html
    assert '<span class="badge">Members only</span>' in html
    assert SECRET in client.get("/proposals").get_data(as_text=True)
    assert vote(client, members_only, "for").status_code == 302


def test_the_result_of_a_members_only_vote_stays_with_members(app, client, members_only):
    cast_votes(app, members_only, dict.fromkeys(make_voters(app, 2), "for"))
    end_voting(app, members_only)
    close_due(app)

    assert SECRET not in client.get("/proposals").get_data(as_text=True)
    assert client.get(f"/proposals/{members_only}").status_code == 404
    member_list = client_for(app, MEMBER).get("/proposals").get_data(as_text=True)
    assert SECRET in member_list
    assert "2 for, 0 against, 0 abstaining" in member_list


@pytest.fixture
def idea_vote(app):
    make_people(app)
    idea_id = make_idea(app, MEMBER, title="Open a tool library")
    proposal_id = make_proposal(app, ORGANISER, question="Adopt the tool library?", idea_id=idea_id)
    cast_votes(app, proposal_id, dict.fromkeys(make_voters(app, 3), "for"))
    return idea_id, proposal_id


def withdraw(client, proposal_id: int):
    page = page_of(client, proposal_id)
    return submit(client, page, {"reason": "Superseded"}, f"/proposals/{proposal_id}/withdraw")


@pytest.mark.parametrize("email", [ORGANISER, ADMIN])
def test_withdrawing_discards_the_votes_and_reopens_the_idea(app, idea_vote, email):
    idea_id, proposal_id = idea_vote
    organiser = client_for(app, email)

    response = withdraw(organiser, proposal_id)

    assert response.status_code == 302
    assert load_proposal(app, proposal_id).withdrawn_at is not None
    assert votes_of(app, proposal_id) == {}
    with app.app_context():
        public = db.session.get(Proposal, proposal_id).ballot_box.public_key
        assert not keys.exists(public)  # the discarded ballots can never be read
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        assert idea.stage == "discussion" and idea.is_editable
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Its votes were discarded." in html
    assert 'name="choice"' not in html
    assert "Adopt the tool library?" not in organiser.get("/proposals").get_data(as_text=True)
    author = client_for(app, MEMBER)
    assert author.get(f"/ideas/{idea_id}/edit").status_code == 200
    assert vote(author, proposal_id, "for").status_code == 409
    assert close_due(app) == 0


def test_members_cannot_withdraw_a_proposal(app, idea_vote):
    idea_id, proposal_id = idea_vote
    member = client_for(app, MEMBER)
    assert "Withdraw this proposal" not in member.get(page_of(member, proposal_id)).get_data(
        as_text=True
    )

    response = withdraw(member, proposal_id)

    assert response.status_code == 403
    assert load_proposal(app, proposal_id).withdrawn_at is None
    assert len(votes_of(app, proposal_id)) == 3
    with app.app_context():
        assert db.session.get(Idea, idea_id).stage == "voting"


def test_a_closed_vote_cannot_be_withdrawn(app, idea_vote):
    _idea_id, proposal_id = idea_vote
    end_voting(app, proposal_id)
    close_due(app)
    organiser = client_for(app, ORGANISER)
    assert "Withdraw this proposal" not in organiser.get(page_of(organiser, proposal_id)).get_data(
        as_text=True
    )

    assert withdraw(organiser, proposal_id).status_code == 409
    assert load_proposal(app, proposal_id).outcome == "carried"


def test_an_idea_page_does_not_reveal_a_members_only_vote_to_visitors(app):
    from tests.support import make_idea, make_member, make_proposal

    make_member(app)
    make_member(app, email="org2@example.org", name="Org Two", role=Role.ORGANISER)
    idea_id = make_idea(app)
    make_proposal(
        app,
        "org2@example.org",
        question="Secret strategy question?",
        idea_id=idea_id,
        visibility="members",
    )
    page = app.test_client().get(f"/ideas/{idea_id}", follow_redirects=True)
    assert "Secret strategy question?" not in page.get_data(as_text=True)


def test_an_idea_can_be_put_to_a_vote_again_after_a_withdrawn_one(app):
    from coop.proposals.services import withdraw_proposal
    from tests.support import load_member, make_idea, make_member, make_proposal

    make_member(app)
    make_member(app, email="org3@example.org", name="Org Three", role=Role.ORGANISER)
    idea_id = make_idea(app)
    first = make_proposal(app, "org3@example.org", idea_id=idea_id)
    with app.app_context():
        from coop.extensions import db

        withdraw_proposal(db.session.merge(load_member(app, "org3@example.org")), first, "Redo")
        db.session.commit()
    second = make_proposal(app, "org3@example.org", question="Second try?", idea_id=idea_id)
    assert second != first
