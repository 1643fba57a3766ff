"""Closing a vote: on time without visitors, once only, and never shown open after its time."""

import pytest

from coop.extensions import db
from coop.ideas.models import Idea
from coop.proposals.models import Proposal
from coop.proposals.services import close_proposal
from coop.uktime import utcnow
from tests.factories import client_for
from tests.proposals.helpers import (
    MEMBER,
    ORGANISER,
    add_member,
    assert_unreadable,
    cast_votes,
    close_due,
    end_voting,
    load_proposal,
    make_people,
    make_voters,
    member_id,
    page_of,
    vote,
    votes_of,
)
from tests.support import make_idea, make_proposal

RESULT_FIELDS = (
    "closed_at",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "electorate",
    "quorum_met",
    "outcome",
)


def result_of(app, proposal_id: int) -> tuple:
    proposal = load_proposal(app, proposal_id)
    return tuple(getattr(proposal, name) for name in RESULT_FIELDS)


def section(html: str, heading: str) -> str:
    """The part of the votes list under one <h2> heading."""
    return html.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]


@pytest.fixture
def voters(app):
    make_people(app)
    return make_voters(app, 3)


def test_the_scheduled_task_closes_due_votes_without_any_visit(app, voters):
    due = make_proposal(app, ORGANISER, question="Due now?")
    still_open = make_proposal(app, ORGANISER, question="Still open?")
    for proposal_id in (due, still_open):
        cast_votes(app, proposal_id, dict(zip(voters, ["for", "for", "against"], strict=True)))
    end_voting(app, due)
    celery = app.extensions["celery"]
    assert celery.conf.beat_schedule["close-due-proposals"]["task"] == "coop.proposals.close_due"

    with app.app_context():
        closed = celery.tasks["coop.proposals.close_due"].delay().get()

    assert closed == 1
    proposal = load_proposal(app, due)
    assert proposal.closed_at is not None
    assert (proposal.votes_for, proposal.votes_against, proposal.votes_abstain) == (2, 1, 0)
    assert proposal.outcome == "carried"
    assert_unreadable(app, due)
    untouched = load_proposal(app, still_open)
    assert untouched.closed_at is None and untouched.outcome is None
    assert len(votes_of(app, still_open)) == 3


def test_closing_twice_changes_nothing(app, voters):
    proposal_id = make_proposal(app, ORGANISER)
    cast_votes(app, proposal_id, dict(zip(voters, ["for", "against", "against"], strict=True)))
    end_voting(app, proposal_id)
    assert close_due(app) == 1
    first = result_of(app, proposal_id)

    assert close_due(app) == 0
    with app.app_context():
        assert close_proposal(proposal_id) is False  # as a page read racing the task would
    assert result_of(app, proposal_id) == first
    assert first[1:] == (1, 2, 0, 6, True, "not_carried")


def test_a_withdrawn_vote_is_never_closed(app, voters):
    proposal_id = make_proposal(app, ORGANISER)
    with app.app_context():
        db.session.get(Proposal, proposal_id).withdrawn_at = utcnow()
        db.session.commit()
    end_voting(app, proposal_id)
    assert close_due(app) == 0
    assert load_proposal(app, proposal_id).outcome is None


def test_reading_the_page_after_closing_time_shows_the_result_not_the_vote(app, voters):
    proposal_id = make_proposal(app, ORGANISER)
    cast_votes(app, proposal_id, dict(zip(voters, ["for", "for", "abstain"], strict=True)))
    end_voting(app, proposal_id)  # the scheduled task has not run yet
    client = client_for(app, MEMBER)

    html = client.get(page_of(client, proposal_id)).get_data(as_text=True)

    assert "Result: carried" in html
    assert "Turnout: <strong>3</strong> of 6 members" in html
    assert 'name="choice"' not in html
    assert "Voting</span>" not in html
    assert load_proposal(app, proposal_id).outcome == "carried"
    assert_unreadable(app, proposal_id)


@pytest.mark.parametrize("path", ["/proposals", "/"])
def test_lists_read_after_closing_time_show_the_result_not_the_vote(app, voters, path):
    proposal_id = make_proposal(app, ORGANISER, question="Past its time?")
    cast_votes(app, proposal_id, dict(zip(voters, ["for", "against", "against"], strict=True)))
    end_voting(app, proposal_id)

    html = client_for(app, MEMBER).get(path).get_data(as_text=True)

    if path == "/proposals":
        assert "Past its time?" not in section(html, "Voting now")
        results = section(html, "Results")
        assert "Past its time?" in results
        assert "Not carried" in results
        assert "1 for, 2 against, 0 abstaining" in results
    else:
        assert "Past its time?" not in html
    assert "counting" not in html
    assert load_proposal(app, proposal_id).outcome == "not_carried"


def test_where_reads_leave_counting_to_the_scheduler_a_due_vote_shows_as_being_counted(app, voters):
    """Production's setting: no read waits for a count. Every read path shows the vote
    closed and being counted, none counts it, a ballot is refused; the task then counts."""
    app.config["COUNT_DUE_VOTES_ON_READ"] = 0
    proposal_id = make_proposal(app, ORGANISER, question="Left to the scheduler?")
    cast_votes(app, proposal_id, dict(zip(voters, ["for", "for", "against"], strict=True)))
    end_voting(app, proposal_id)
    client = client_for(app, MEMBER)

    html = client.get(page_of(client, proposal_id)).get_data(as_text=True)
    assert "Voting has closed" in html and "being counted" in html
    assert 'name="choice"' not in html
    listed = client.get("/proposals").get_data(as_text=True)
    assert "Left to the scheduler?" not in section(listed, "Voting now")
    assert "being counted" in section(listed, "Results")
    assert client.get(f"/proposals/{proposal_id}/ballots").status_code == 200
    api = client_for(app, None)
    one = api.get(f"/api/v1/proposals/{proposal_id}").get_json()["data"]
    assert one["status"] == "counting"
    assert one["result"] is None
    statuses = [p["status"] for p in api.get("/api/v1/proposals").get_json()["data"]]
    assert statuses == ["counting"]
    assert api.get("/proposals/results.json").status_code == 200
    assert vote(client, proposal_id, "against").status_code == 409
    assert load_proposal(app, proposal_id).closed_at is None

    assert close_due(app) == 1
    assert load_proposal(app, proposal_id).outcome == "carried"
    assert api.get(f"/api/v1/proposals/{proposal_id}").get_json()["data"]["status"] == "closed"


@pytest.mark.parametrize(
    ("choices", "stage", "label"),
    [
        (["for", "for", "against"], "carried", "Carried"),
        (["for", "against", "against"], "not_carried", "Not carried"),
    ],
)
def test_the_idea_takes_the_result_of_its_vote(app, voters, choices, stage, label):
    idea_id = make_idea(app, MEMBER)
    proposal_id = make_proposal(app, ORGANISER, idea_id=idea_id)
    cast_votes(app, proposal_id, dict(zip(voters, choices, strict=True)))
    end_voting(app, proposal_id)

    close_due(app)

    with app.app_context():
        assert db.session.get(Idea, idea_id).stage == stage
    html = app.test_client().get(f"/ideas/{idea_id}", follow_redirects=True).get_data(as_text=True)
    assert f'<span class="badge stage-{stage}">{label}</span>' in html


@pytest.mark.parametrize(
    ("quorum", "met", "outcome"), [(50, True, "carried"), (75, False, "not_carried")]
)
def test_the_quorum_is_a_share_of_confirmed_members_only(app, quorum, met, outcome):
    make_people(app)  # three confirmed members
    for number in range(5):
        add_member(app, f"unconfirmed{number}@example.org", "Unconfirmed", verified=False)
    voters = make_voters(app, 1)  # a fourth; electorate 4, so two votes are a 50% turnout
    proposal_id = make_proposal(app, ORGANISER, quorum_percent=quorum)
    cast_votes(app, proposal_id, {voters[0]: "for", member_id(app, MEMBER): "abstain"})
    end_voting(app, proposal_id)

    close_due(app)

    proposal = load_proposal(app, proposal_id)
    assert proposal.electorate == 4
    assert proposal.quorum_met is met
    assert proposal.outcome == outcome
    html = app.test_client().get(f"/proposals/{proposal_id}", follow_redirects=True)
    assert f"Quorum of {quorum}% {'met' if met else 'not met'}." in html.get_data(as_text=True)


def test_a_vote_with_no_ballots_closes_as_not_carried(app, voters):
    proposal_id = make_proposal(app, ORGANISER)
    end_voting(app, proposal_id)

    close_due(app)

    proposal = load_proposal(app, proposal_id)
    assert (proposal.votes_for, proposal.votes_against, proposal.votes_abstain) == (0, 0, 0)
    assert proposal.outcome == "not_carried"
    html = app.test_client().get(f"/proposals/{proposal_id}", follow_redirects=True)
    assert "Turnout: <strong>0</strong> of 6 members" in html.get_data(as_text=True)


def test_a_vote_whose_key_is_missing_stays_uncounted_and_says_so(app, voters, caplog):
    """The key folder not mounted where the vote closes: nothing is published, no page
    fails, the error is logged, and the closing task tries again on its next run."""
    proposal_id = make_proposal(app, ORGANISER)
    cast_votes(app, proposal_id, dict(zip(voters, ["for", "for", "against"], strict=True)))
    with app.app_context():
        public = db.session.get(Proposal, proposal_id).ballot_box.public_key
    (app.config["BALLOT_KEY_DIR"] / f"{public.hex()}.key").unlink()
    end_voting(app, proposal_id)
    client = client_for(app, MEMBER)

    response = client.get(page_of(client, proposal_id))

    assert response.status_code == 200
    assert "The ballots are being counted" in response.get_data(as_text=True)
    assert "could not be counted" in caplog.text
    assert load_proposal(app, proposal_id).closed_at is None  # to be tried again
    assert close_due(app) == 0
    assert client.get("/proposals").status_code == 200


def test_the_closing_task_destroys_keys_no_vote_needs(app, voters):
    """A key whose vote never committed (its creation rolled back) goes after an hour; the
    keys of open votes stay."""
    import os
    import time

    from coop.ballots import crypto, keys

    open_vote = make_proposal(app, ORGANISER)
    orphan, recent = crypto.generate_key(), crypto.generate_key()
    with app.app_context():
        keys.store(orphan.public, orphan.secret)
        keys.store(recent.public, recent.secret)
        hours_ago = time.time() - 2 * 3600
        os.utime(app.config["BALLOT_KEY_DIR"] / f"{orphan.public.hex()}.key", (hours_ago,) * 2)

    with app.app_context():
        app.extensions["celery"].tasks["coop.proposals.close_due"].delay().get()

    with app.app_context():
        assert not keys.exists(orphan.public)
        assert keys.exists(recent.public)  # perhaps a vote being created right now
        assert keys.exists(db.session.get(Proposal, open_vote).ballot_box.public_key)
