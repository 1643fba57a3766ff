import pytest
from sqlalchemy.exc import IntegrityError

from coop.ballots.models import BoxVoter
from coop.extensions import db
from coop.proposals.models import Proposal
from coop.uktime import utcnow
from tests.factories import client_for
from tests.proposals.helpers import (
    MEMBER,
    ORGANISER,
    add_member,
    make_people,
    member_id,
    my_tracker,
    page_of,
    vote,
    votes_of,
)
from tests.support import (
    csrf_token,
    make_proposal,
    on_postgresql,
    post_counting_queries,
    submit,
)


@pytest.fixture
def proposal_id(app):
    make_people(app)
    return make_proposal(app, ORGANISER)


@pytest.mark.parametrize("choice", ["for", "against", "abstain"])
def test_a_member_votes_while_voting_is_open(app, proposal_id, choice):
    client = client_for(app, MEMBER)

    response = vote(client, proposal_id, choice)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("#vote")
    assert votes_of(app, proposal_id) == {member_id(app, MEMBER): choice}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your vote is recorded, encrypted." in page
    tracker = my_tracker(app, proposal_id, member_id(app, MEMBER))
    assert f'You have voted. Your ballot\'s tracker is <code class="tracker">{tracker}' in page
    assert "checked" not in page  # the page cannot know the choice, and does not pretend to


def test_a_member_can_change_their_vote(app, proposal_id):
    client = client_for(app, MEMBER)
    vote(client, proposal_id, "for")

    response = vote(client, proposal_id, "against")

    assert response.status_code == 302
    assert votes_of(app, proposal_id) == {member_id(app, MEMBER): "against"}
    page = client.get(page_of(client, proposal_id)).get_data(as_text=True)
    assert my_tracker(app, proposal_id, member_id(app, MEMBER)) in page
    assert "Change my vote" in page


def test_voting_before_it_opens_is_refused(app):
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER, opens_in=2, closes_in=24)
    client = client_for(app, MEMBER)
    page = client.get(page_of(client, proposal_id)).get_data(as_text=True)
    assert 'name="choice"' not in page

    response = vote(client, proposal_id, "for")

    assert response.status_code == 409
    assert "Voting has not opened yet." in response.get_data(as_text=True)
    assert votes_of(app, proposal_id) == {}


@pytest.mark.parametrize("counted", [True, False], ids=["counted", "not-yet-counted"])
def test_voting_after_it_closes_is_refused(app, counted):
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER, opens_in=-48, closes_in=-1)
    client = client_for(app, MEMBER)
    # Reading the proposal page counts the vote; the ideas page leaves it to the task.
    page = page_of(client, proposal_id) if counted else "/ideas"

    response = submit(client, page, {"choice": "for"}, f"/proposals/{proposal_id}/vote")

    assert response.status_code == 409
    assert "Voting has closed." in response.get_data(as_text=True)
    assert votes_of(app, proposal_id) == {}


def test_an_unconfirmed_member_cannot_vote(app, proposal_id):
    add_member(app, "new@example.org", "Newcomer", verified=False)
    client = client_for(app, "new@example.org")
    page = client.get(page_of(client, proposal_id)).get_data(as_text=True)
    assert "Please confirm your email address to vote." in page

    response = vote(client, proposal_id, "for")

    assert response.status_code == 403
    assert votes_of(app, proposal_id) == {}


def test_a_visitor_is_sent_to_sign_in_to_vote(app, client, proposal_id):
    page = page_of(client, proposal_id)
    assert "to vote." in client.get(page).get_data(as_text=True)

    # a visitor's page has no form, so the token comes from the sign-in page
    response = submit(client, "/sign-in", {"choice": "for"}, f"/proposals/{proposal_id}/vote")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert votes_of(app, proposal_id) == {}


@pytest.mark.parametrize("choice", ["yes", "", "FOR"])
def test_an_invalid_choice_is_refused(app, proposal_id, choice):
    client = client_for(app, MEMBER)

    response = vote(client, proposal_id, choice)

    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert votes_of(app, proposal_id) == {}


def test_a_vote_without_its_security_token_is_refused(app, proposal_id):
    client = client_for(app, MEMBER)
    response = client.post(f"/proposals/{proposal_id}/vote", data={"choice": "for"})
    assert response.status_code == 400
    assert votes_of(app, proposal_id) == {}


def test_the_database_keeps_one_current_ballot_per_member_per_vote(app, proposal_id):
    voter = member_id(app, MEMBER)
    vote(client_for(app, MEMBER), proposal_id, "for")
    with app.app_context():
        box_id = db.session.get(Proposal, proposal_id).ballot_box_id
        db.session.add(BoxVoter(box_id=box_id, member_id=voter))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert votes_of(app, proposal_id) == {voter: "for"}


def test_voting_on_a_withdrawn_proposal_is_refused_and_writes_nothing(app, proposal_id):
    client = client_for(app, MEMBER)
    page = page_of(client, proposal_id)  # read while it is open: the form has a token
    token = csrf_token(client, page)
    with app.app_context():
        db.session.get(Proposal, proposal_id).withdrawn_at = utcnow()
        db.session.commit()

    form = {"csrf_token": token, "choice": "for"}
    response = client.post(f"/proposals/{proposal_id}/vote", data=form)

    assert response.status_code == 409
    assert "This proposal was withdrawn." in response.get_data(as_text=True)
    assert votes_of(app, proposal_id) == {}
    missing = client.post(f"/proposals/{proposal_id + 99}/vote", data=form)
    assert missing.status_code == 404


def test_a_vote_runs_a_bounded_number_of_statements(app, proposal_id):
    """The member; then, in one statement on PostgreSQL, the box locked if the vote is open,
    the member's current ballot, the new entry, the box's length and head and the member's
    pointer to it (on SQLite, the lock and read, then three statements). The proposal's box
    and key are looked up once a process, and the proposal is not loaded to find the way
    back."""
    client = client_for(app, MEMBER)
    page = page_of(client, proposal_id)
    form = {"csrf_token": csrf_token(client, page), "choice": "for"}
    first, first_count = post_counting_queries(app, client, f"/proposals/{proposal_id}/vote", form)
    form["choice"] = "against"

    response, count = post_counting_queries(app, client, f"/proposals/{proposal_id}/vote", form)

    assert first.status_code == response.status_code == 302
    assert response.headers["Location"] == f"{page}#vote"
    assert count == (2 if on_postgresql(app) else 5)
    # The first may look the box up, and once more if this process remembered the box of a
    # proposal with the same id in an earlier test's database.
    assert first_count <= count + 2
    assert votes_of(app, proposal_id) == {member_id(app, MEMBER): "against"}
