"""Members of the co-operative cast and change a ranked secret ballot; a ranking with gaps,
repeats or unknown candidates is refused beside its field; nobody else votes; nothing
readable of a choice is stored."""

import pytest
from sqlalchemy import func, select

from coop.audit.models import AuditEntry
from coop.ballots.models import Ballot, BoxVoter
from coop.extensions import db
from tests.elections.helpers import FORMER, MO, OLA, TOM
from tests.elections.voting_helpers import ballot_open, cast, move, positions, vote_row
from tests.factories import client_for
from tests.membership.helpers import SECRETARY, SUPPORTER
from tests.parallel import copy_of, post_at_once
from tests.support import csrf_token


def count_rows(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_member_ranks_candidates_sees_their_tracker_and_can_change_their_vote(app):
    election_id = ballot_open(app)
    places = positions(app, election_id)
    mo = client_for(app, MO)
    page = mo.get(f"/elections/{election_id}/ballot").get_data(as_text=True)
    assert "1st preference" in page and "3rd preference" in page and "Ola" in page
    assert cast(mo, election_id, places["Ola"], places["Tom"]).status_code == 302
    page = mo.get(f"/elections/{election_id}/ballot").get_data(as_text=True)
    assert 'id="tracker"' in page and "Change my vote" in page
    first = page.split("<code>")[1].split("</code>")[0]
    assert cast(mo, election_id, places["Tom"]).status_code == 302
    page = mo.get(f"/elections/{election_id}/ballot").get_data(as_text=True)
    assert page.split("<code>")[1].split("</code>")[0] != first
    box = vote_row(app, election_id).ballot_box_id
    assert count_rows(app, BoxVoter, BoxVoter.box_id == box) == 1
    assert count_rows(app, Ballot, Ballot.box_id == box) == 2  # the list keeps both entries
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "election.ballot")
        ).all()
        assert len(entries) == 2 and all("Tom" not in str(e.details) for e in entries)


@pytest.mark.parametrize(
    ("choices", "field", "message"),
    [
        (("", "{Ola}"), "preference_1", "Preference 1 is empty but preference 2 is not"),
        (("{Ola}", "{Ola}"), "preference_2", "already given this candidate"),
        (("7",), "preference_1", "Choose a candidate from the list"),
        (("-1",), "preference_1", "Choose a candidate from the list"),
        (("x\x00",), "preference_1", ""),
        (("", "", ""), "preference_1", "Give at least your first preference"),
        (("9" * 400,), "preference_1", "Choose a candidate from the list"),
    ],
)
def test_a_ranking_with_gaps_repeats_or_unknown_candidates_is_refused_beside_its_field(
    app, choices, field, message
):
    election_id = ballot_open(app)
    places = positions(app, election_id)
    mo = client_for(app, MO)
    values = [c.format(**places) for c in choices]
    response = cast(mo, election_id, *values)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert count_rows(app, Ballot) == 0


def test_only_current_members_of_the_co_operative_vote(app):
    election_id = ballot_open(app)
    page = f"/elections/{election_id}/ballot"
    for email, status in ((SUPPORTER, 404), (FORMER, 404), (SECRETARY, 403)):
        client = client_for(app, email)
        token = csrf_token(client, "/")
        assert client.post(page, data={"csrf_token": token, "preference_1": "0"}).status_code == (
            status
        )
    assert count_rows(app, Ballot) == 0
    assert app.test_client().get(page).status_code == 302  # to sign in


def test_no_ballot_before_voting_opens_or_after_it_closes_and_no_totals_meanwhile(app):
    from datetime import timedelta

    from coop.uktime import utcnow

    election_id = ballot_open(app)
    mo = client_for(app, MO)
    token = csrf_token(mo, f"/elections/{election_id}/ballot")
    assert cast(mo, election_id, "0").status_code == 302
    results = mo.get(f"/elections/{election_id}/results").get_data(as_text=True)
    assert "There is no result yet" in results and "rounds" not in results
    assert mo.get(f"/elections/{election_id}/ballots.json").status_code == 404
    move(app, election_id, voting_opens_at=utcnow() + timedelta(hours=1))
    data = {"csrf_token": token, "preference_1": "0"}
    response = mo.post(f"/elections/{election_id}/ballot", data=data)
    assert response.status_code == 409
    move(app, election_id, voting_opens_at=utcnow() - timedelta(hours=2),
         voting_closes_at=utcnow() - timedelta(hours=1))  # fmt: skip
    app.config["COUNT_DUE_VOTES_ON_READ"] = 0
    response = mo.post(f"/elections/{election_id}/ballot", data=data)
    assert response.status_code == 409
    assert count_rows(app, Ballot) == 1


def test_parallel_casts_by_one_member_leave_one_current_ballot(app):
    election_id = ballot_open(app)
    places = positions(app, election_id)
    ola = client_for(app, OLA)
    token = csrf_token(ola, f"/elections/{election_id}/ballot")
    clients = [ola, *(copy_of(app, ola) for _ in range(3))]
    forms = [{"csrf_token": token, "preference_1": str(p)} for p in [*places.values(), 0]]
    statuses = post_at_once(clients, f"/elections/{election_id}/ballot", forms)
    assert statuses == [302] * 4
    box = vote_row(app, election_id).ballot_box_id
    assert count_rows(app, BoxVoter, BoxVoter.box_id == box) == 1
    assert count_rows(app, Ballot, Ballot.box_id == box) == 4
    tom = client_for(app, TOM)
    assert cast(tom, election_id, "0").status_code == 302
    assert count_rows(app, BoxVoter, BoxVoter.box_id == box) == 2


def test_no_readable_choice_is_stored(app):
    election_id = ballot_open(app)
    for email in (MO, OLA):
        assert cast(client_for(app, email), election_id, "2", "0", "1").status_code == 302
    with app.app_context():
        first, second = db.session.scalars(select(Ballot).order_by(Ballot.seq)).all()
    assert first.ciphertext != second.ciphertext  # the same ranking, encrypted afresh
    for ballot in (first, second):
        assert b"2,0,1" not in ballot.ciphertext and bytes([2, 0, 1]) not in ballot.ciphertext
        assert ballot.proof and ballot.tracker
