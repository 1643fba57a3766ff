from datetime import UTC, datetime

import pytest

from coop.extensions import db
from coop.ideas.models import Idea
from coop.proposals.models import Proposal
from coop.uktime import utcnow
from tests.factories import client_for
from tests.proposals.helpers import ADMIN, MEMBER, ORGANISER, count_rows, load_proposal, make_people
from tests.support import make_idea, submit

YEAR = utcnow().year + 1  # dates typed in the form must lie in the future


def proposal_form(**changes) -> dict:
    data = {
        "question": "Should we open a second food bank?",
        "body": "The first one has a **waiting list**.",
        "opens_at": f"{YEAR}-01-10T09:00",
        "closes_at": f"{YEAR}-01-20T18:00",
        "rule": "majority",
        "quorum_percent": "",
        "visibility": "public",
    }
    data.update(changes)
    return data


def created_id(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].split("/")[2])


def expect_field_error(response, field: str, text: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html
    assert text in html.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]


@pytest.fixture
def organiser(app):
    make_people(app)
    return client_for(app, ORGANISER)


@pytest.mark.parametrize("email", [ORGANISER, ADMIN])
def test_organisers_and_admins_publish_a_proposal(app, email):
    make_people(app)
    client = client_for(app, email)

    response = submit(
        client, "/proposals/new", proposal_form(rule="two_thirds", quorum_percent="20")
    )

    proposal = load_proposal(app, created_id(response))
    assert proposal.question == "Should we open a second food bank?"
    assert "<strong>waiting list</strong>" in proposal.body_html
    assert (proposal.rule, proposal.quorum_percent, proposal.visibility) == (
        "two_thirds",
        20,
        "public",
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The proposal is published." in page
    assert "Two thirds of For and Against votes" in page
    assert "20% of confirmed members must vote" in page


def test_a_member_cannot_create_a_proposal(app):
    make_people(app)
    idea_id = make_idea(app, MEMBER)
    client = client_for(app, MEMBER)

    assert client.get("/proposals/new").status_code == 403
    assert client.get(f"/proposals/new?idea={idea_id}").status_code == 403
    response = submit(client, "/proposals", proposal_form(), f"/proposals/new?idea={idea_id}")

    assert response.status_code == 403
    assert count_rows(app, Proposal) == 0
    with app.app_context():
        assert db.session.get(Idea, idea_id).stage == "discussion"


def test_a_visitor_is_sent_to_sign_in(app, client):
    response = client.get("/proposals/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_the_new_proposal_button_shows_only_for_organisers(app, organiser):
    assert 'href="/proposals/new"' in organiser.get("/proposals").get_data(as_text=True)
    member = client_for(app, MEMBER)
    assert 'href="/proposals/new"' not in member.get("/proposals").get_data(as_text=True)


def test_a_proposal_from_an_idea_puts_the_idea_to_the_vote_and_locks_it(app, organiser):
    idea_id = make_idea(app, MEMBER, title="Build more homes")
    page = f"/proposals/new?idea={idea_id}"
    assert "Should we adopt the idea “Build more homes”?" in organiser.get(page).get_data(
        as_text=True
    )

    response = submit(organiser, page, proposal_form(question="Adopt: build more homes?"))

    proposal = load_proposal(app, created_id(response))
    assert proposal.idea_id == idea_id
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        assert idea.stage == "voting"
        assert not idea.is_editable
    author = client_for(app, MEMBER)
    assert author.get(f"/ideas/{idea_id}/edit").status_code == 409
    idea_page = author.get(f"/ideas/{idea_id}", follow_redirects=True).get_data(as_text=True)
    assert "Adopt: build more homes?" in idea_page
    assert f'href="/ideas/{idea_id}/edit"' not in idea_page


def test_an_idea_is_put_to_the_vote_only_once(app, organiser):
    idea_id = make_idea(app, MEMBER)
    page = f"/proposals/new?idea={idea_id}"
    created_id(submit(organiser, page, proposal_form()))

    response = submit(organiser, page, proposal_form(question="Again?"))

    assert response.status_code == 409  # the error page: no change to the form would help
    assert "Only an idea open for discussion can be put to a vote." in response.get_data(
        as_text=True
    )
    assert count_rows(app, Proposal) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"question": ""}, "question", "Enter the question."),
        ({"question": "   "}, "question", "Enter the question."),
        ({"question": "q" * 201}, "question", "200 characters"),
        (
            {"opens_at": f"{YEAR}-01-20T18:00", "closes_at": f"{YEAR}-01-10T09:00"},
            "closes_at",
            "Voting must close after it opens.",
        ),
        (
            {"opens_at": f"{YEAR}-01-20T18:00", "closes_at": f"{YEAR}-01-20T18:00"},
            "closes_at",
            "Voting must close after it opens.",
        ),
        (
            {"opens_at": "2020-01-01T09:00", "closes_at": "2020-01-02T09:00"},
            "closes_at",
            "Voting must close in the future.",
        ),
        ({"closes_at": ""}, "closes_at", "Enter when voting closes."),
        ({"quorum_percent": "0"}, "quorum_percent", "Enter a percentage from 1 to 100."),
        ({"quorum_percent": "101"}, "quorum_percent", "Enter a percentage from 1 to 100."),
        ({"rule": "unanimous"}, "rule", "Not a valid choice"),
        ({"visibility": "secret"}, "visibility", "Not a valid choice"),
    ],
)
def test_an_invalid_proposal_is_refused_beside_the_field_and_nothing_is_written(
    app, organiser, changes, field, message
):
    response = submit(organiser, "/proposals/new", proposal_form(**changes))

    expect_field_error(response, field, message)
    assert "There is a problem" in response.get_data(as_text=True)
    assert count_rows(app, Proposal) == 0


def test_a_proposal_from_an_idea_that_fails_validation_leaves_the_idea_open(app, organiser):
    idea_id = make_idea(app, MEMBER)
    response = submit(organiser, f"/proposals/new?idea={idea_id}", proposal_form(question=""))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Idea, idea_id).stage == "discussion"


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("07-01T18:00", datetime(YEAR, 7, 1, 17, 0, tzinfo=UTC), f"1 July {YEAR}, 6pm"),
        ("01-15T18:30", datetime(YEAR, 1, 15, 18, 30, tzinfo=UTC), f"15 January {YEAR}, 6:30pm"),
    ],
    ids=["summer-time", "winter-time"],
)
def test_times_are_typed_and_shown_in_uk_time_and_stored_in_utc(
    app, organiser, typed, stored, shown
):
    closes = f"{YEAR + 1}-01-01T12:00"
    response = submit(
        organiser, "/proposals/new", proposal_form(opens_at=f"{YEAR}-{typed}", closes_at=closes)
    )

    proposal = load_proposal(app, created_id(response))
    assert proposal.opens_at == stored
    assert proposal.opens_at.utcoffset().total_seconds() == 0
    assert proposal.closes_at == datetime(YEAR + 1, 1, 1, 12, 0, tzinfo=UTC)
    page = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<time datetime="{stored:%Y-%m-%dT%H:%M:%SZ}">{shown}</time> (UK time)' in page
    listing = organiser.get("/proposals").get_data(as_text=True)
    assert shown in listing
