"""Ballots are secret: no running totals while open; encrypted ballots that nobody can read
once the vote is counted and its key destroyed."""

import re

import pytest

from coop.ballots import keys
from coop.ballots.models import Ballot, BallotBox
from tests.factories import client_for
from tests.proposals.helpers import (
    ADMIN,
    MEMBER,
    ORGANISER,
    add_member,
    cast_votes,
    close_due,
    count_rows,
    end_voting,
    load_proposal,
    make_people,
    make_voters,
    page_of,
    vote,
    votes_of,
)
from tests.support import make_proposal

QUESTION = "Should we twin with the Leeds branch?"
TALLY = re.compile(r"\d+\s+(for|against|abstaining)|Turnout|class=\"result\"", re.IGNORECASE)


@pytest.fixture
def open_vote(app):
    """An open vote with ballots from three voters and from MEMBER (abstain)."""
    make_people(app)
    add_member(app, "other@example.org", "Otto Other")
    proposal_id = make_proposal(app, ORGANISER, question=QUESTION)
    voters = make_voters(app, 3)
    cast_votes(app, proposal_id, dict(zip(voters, ["for", "for", "against"], strict=True)))
    member = client_for(app, MEMBER)
    assert vote(member, proposal_id, "abstain").status_code == 302
    return proposal_id, member


def assert_no_ballot_shown(html: str) -> None:
    tally = TALLY.search(html)
    assert tally is None, tally.group(0)
    assert "You voted" not in html and "You have voted" not in html
    assert " checked " not in html and "checked id=" not in html
    for number in range(3):
        assert f"Voter {number}" not in html


def test_while_open_no_page_shows_totals_or_ballots(app, open_vote):
    proposal_id, _member = open_vote

    for reader in ("other@example.org", ORGANISER, ADMIN, None):
        client = client_for(app, reader)
        for path in (page_of(client, proposal_id), "/proposals", "/"):
            response = client.get(path)
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            assert QUESTION in html, (reader, path)
            assert_no_ballot_shown(html)


def test_while_open_a_member_sees_only_their_own_vote(app, open_vote):
    proposal_id, member = open_vote

    html = member.get(page_of(member, proposal_id)).get_data(as_text=True)

    assert "You have voted. Your ballot's tracker is" in html
    assert "checked" not in html  # not even the member's own choice can be read back
    assert not TALLY.search(html)
    assert "Voter 0" not in html
    for path in ("/proposals", "/"):
        assert_no_ballot_shown(member.get(path).get_data(as_text=True))


def test_after_closing_the_key_is_gone_and_only_totals_can_be_read(app, open_vote):
    proposal_id, _member = open_vote
    assert sorted(votes_of(app, proposal_id).values()) == ["abstain", "against", "for", "for"]
    end_voting(app, proposal_id)

    assert close_due(app) == 1

    with pytest.raises(keys.KeyMissing):
        votes_of(app, proposal_id)  # the only way to read a ballot is gone
    assert not any(app.config["BALLOT_KEY_DIR"].iterdir())
    assert count_rows(app, Ballot) == 4  # still there, encrypted, for anyone to recount
    proposal = load_proposal(app, proposal_id)
    assert (proposal.votes_for, proposal.votes_against, proposal.votes_abstain) == (2, 1, 1)
    assert proposal.electorate == 7  # the member, organiser, admin, other and three voters
    assert proposal.quorum_met is True
    assert proposal.outcome == "carried"
    assert proposal.closed_at is not None


def test_after_closing_no_page_shows_anyones_vote(app, open_vote):
    proposal_id, member = open_vote
    end_voting(app, proposal_id)
    close_due(app)

    for reader in (MEMBER, "other@example.org", ORGANISER, ADMIN, None):
        client = member if reader == MEMBER else client_for(app, reader)
        html = client.get(page_of(client, proposal_id)).get_data(as_text=True)
        assert "Result: carried" in html, reader
        assert "Turnout: <strong>4</strong> of 7 members" in html
        assert "You voted <strong>" not in html
        assert 'name="choice"' not in html
        for number in range(3):
            assert f"Voter {number}" not in html
        listing = client.get("/proposals").get_data(as_text=True)
        assert "2 for, 1 against, 1 abstaining" in listing
        assert "You voted" not in listing


def test_no_table_has_a_place_for_a_choice(app, open_vote):
    """What links a member to a ballot (box_voters) points at a ciphertext; no column
    anywhere holds a choice, and ballots carry no member."""
    from coop.extensions import db

    with app.app_context():
        for table in db.metadata.sorted_tables:
            assert "choice" not in table.columns, table.name
        assert "member_id" not in Ballot.__table__.columns
        assert "member_id" not in BallotBox.__table__.columns
