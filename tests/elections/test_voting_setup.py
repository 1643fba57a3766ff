"""The secretary sets the voting window: after nominations close, closing by the meeting,
changeable until voting opens. When nominations close the candidates are fixed, in the
order the lot seed draws; no more candidates than seats are elected unopposed."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from coop.audit.models import AuditEntry
from coop.ballots.models import BallotBox
from coop.elections import services as elections
from coop.elections.voting.models import Candidate, VoteState
from coop.elections.voting.rules import ballot_order
from coop.elections.voting.tasks import close_due
from coop.extensions import db
from coop.notifications.models import Notification
from coop.uktime import utcnow
from tests.elections.helpers import MO, OLA, TOM, election_item, seed_of, society_with_members
from tests.elections.voting_helpers import (
    DECLARATIONS,
    local_in,
    move,
    nominations_closed,
    set_up,
    vote_row,
)
from tests.factories import client_for
from tests.meetings.helpers import form_time, uk_local
from tests.membership.helpers import SECRETARY, find
from tests.support import submit


@pytest.fixture
def closed(app) -> int:
    society_with_members(app)
    return nominations_closed(app)


def set_up_form(client, election_id: int, opens, closes, runner: str = "platform"):
    page = f"/elections/{election_id}/voting"
    data = {"voting_opens_at": form_time(opens), "voting_closes_at": form_time(closes),
            "runner": runner}  # fmt: skip
    return submit(client, page, data)


def test_the_secretary_sets_the_window_and_the_candidates_are_fixed_in_the_seeds_order(app, closed):
    secretary = client_for(app, SECRETARY)
    page = secretary.get(f"/elections/{closed}/voting").get_data(as_text=True)
    assert "14 days is the usual length" in page
    assert set_up_form(secretary, closed, local_in(3), uk_local(5, 12)).status_code == 302
    vote = vote_row(app, closed)
    assert vote.state == VoteState.OPEN and vote.ballot_box_id is not None
    with app.app_context():
        rows = db.session.execute(
            select(Candidate.nomination_id, Candidate.name).order_by(Candidate.position)
        ).all()
        actions = set(db.session.scalars(select(AuditEntry.action)))
    order = ballot_order(seed_of(app, closed), sorted(n for n, _ in rows))
    assert [n for n, _ in rows] == order
    assert {name for _, name in rows} == {"Mo", "Ola", "Tom"}
    assert {"election.voting_set_up", "election.candidates_fixed"} <= actions


@pytest.mark.parametrize(
    ("opens", "closes", "field", "message"),
    [
        (-60, 60 * 24, "voting_opens_at", "after nominations close"),
        (3, 1, "voting_closes_at", "close after it opens"),
        (3, 60 * 24 * 60, "voting_closes_at", "by the start of the meeting"),
    ],
)
def test_a_window_against_the_rules_is_refused_beside_its_field(
    app, closed, opens, closes, field, message
):
    secretary = client_for(app, SECRETARY)
    response = set_up_form(secretary, closed, local_in(opens), local_in(closes))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page


def test_only_the_secretary_sets_up_the_vote_and_not_once_it_has_opened(app, closed):
    mo = client_for(app, MO)
    assert set_up_form(mo, closed, local_in(3), uk_local(5, 12)).status_code == 403
    set_up(app, closed)
    move(app, closed, voting_opens_at=utcnow() - timedelta(minutes=1))
    secretary = client_for(app, SECRETARY)
    response = set_up_form(secretary, closed, local_in(3), uk_local(6, 12))
    assert response.status_code == 409


def test_candidates_are_fixed_when_nominations_close_by_the_task(app):
    society_with_members(app)
    item_id = election_item(app)
    with app.app_context():
        election = elections.create_election(
            find(SECRETARY), item_id, 1, "stv", uk_local(-1, 0), uk_local(2, 12), 0, 250
        )
        db.session.commit()
        election_id = election.id
        for email in (MO, OLA):
            elections.stand(find(email), election_id, DECLARATIONS, "")
        db.session.commit()
    set_up_form(client_for(app, SECRETARY), election_id, uk_local(3, 9), uk_local(8, 12))
    assert vote_row(app, election_id).candidates_fixed_at is None
    with app.app_context():
        assert close_due() == 0
    with time_machine.travel(utcnow() + timedelta(days=2, hours=13)), app.app_context():
        close_due()
        close_due()  # twice: nothing more
        assert db.session.scalar(select(func.count()).select_from(Candidate)) == 2
    assert vote_row(app, election_id).state == VoteState.OPEN


def test_no_more_candidates_than_seats_are_elected_unopposed_without_a_ballot(app):
    society_with_members(app)
    election_id = nominations_closed(app, standing=(MO, TOM), seats=3)
    set_up(app, election_id)
    vote = vote_row(app, election_id)
    assert vote.state == VoteState.UNOPPOSED and vote.ballot_box_id is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BallotBox)) == 0
    page = client_for(app, OLA).get(f"/elections/{election_id}/results").get_data(as_text=True)
    assert "Elected unopposed" in page and "Mo" in page and "Tom" in page
    assert "1 seat(s) unfilled" in page
    ballot = client_for(app, OLA).get(f"/elections/{election_id}/ballot")
    assert "See the result" in ballot.get_data(as_text=True)


def test_with_no_candidate_the_seats_are_unfilled(app):
    society_with_members(app)
    election_id = nominations_closed(app, standing=(), seats=2)
    set_up(app, election_id)
    page = client_for(app, OLA).get(f"/elections/{election_id}/results").get_data(as_text=True)
    assert "2 seat(s) unfilled: no valid nominations" in page


def test_members_are_told_the_candidates_and_when_voting_opens_by_email_and_in_the_app(
    app, closed, outbox
):
    set_up(app, closed)
    told = [m for m in outbox.messages() if "the candidates" in m["Subject"]]
    assert sorted(m["To"] for m in told) == sorted([MO, OLA, TOM])  # not the former member
    body = told[0].get_body(("plain",)).get_content()
    assert "Mo" in body and "Ola" in body and "Tom" in body and "Voting opens on" in body
    assert f"http://localhost/elections/{closed}/ballot" in body
    with app.app_context():
        notices = db.session.scalars(select(Notification.message)).all()
    assert sum("have closed: 3 candidates" in n for n in notices) == 3
