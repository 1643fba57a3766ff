"""What a hostile review found: more valid candidates than a ballot paper holds, seconders
and voters and candidates who have ceased to be members, a ballot set whose election
parameters were changed, a malformed ballot set, a large count on a page read."""

import copy
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from coop.audit.models import AuditEntry
from coop.ballots.models import Ballot
from coop.elections import queries
from coop.elections import services as elections
from coop.elections.models import Election
from coop.elections.voting import counting
from coop.elections.voting import services as voting
from coop.elections.voting.models import ElectionVote, VoteState
from coop.elections.voting.recount import main as recount_main
from coop.elections.voting.recount import recount
from coop.elections.voting.tasks import close_due
from coop.errors import Conflict
from coop.extensions import db
from coop.membership import services as membership
from coop.membership.permissions import current_membership
from coop.uktime import utcnow
from tests.elections.helpers import MO, OLA, TOM, society_with_members
from tests.elections.helpers import set_up as election_set_up
from tests.elections.voting_helpers import (
    DECLARATIONS,
    ballot_open,
    cast,
    close_and_count,
    local_in,
    nominations_closed,
    past_close,
    positions,
    vote_row,
)
from tests.factories import client_for
from tests.meetings.helpers import uk_local
from tests.membership.helpers import SECRETARY, find
from tests.support import submit


def cease(app, email: str) -> None:
    with app.app_context():
        number = current_membership(find(email).id).id
        membership.record_cessation(find(SECRETARY), number, "died", membership.today(), "")
        db.session.commit()


def counted_record(app, election_id: int) -> dict:
    """Mo and Ola rank Tom then Ola; Tom ranks Ola then Mo; counted; the ballot set."""
    places = positions(app, election_id)
    for email, ranking in ((MO, ("Tom", "Ola")), (OLA, ("Tom", "Ola")), (TOM, ("Ola", "Mo"))):
        assert (
            cast(client_for(app, email), election_id, *(places[n] for n in ranking)).status_code
            == 302
        )
    assert close_and_count(app, election_id)
    return client_for(app, MO).get(f"/elections/{election_id}/ballots.json").get_json()


# 1. More valid candidates than a ballot paper holds -------------------------------------------


def test_a_candidate_past_the_papers_limit_is_refused_when_they_stand(app, monkeypatch):
    monkeypatch.setattr(elections, "CANDIDATES_MAX", 2)
    society_with_members(app)
    election_id = election_set_up(app, seconders=0)
    with app.app_context():
        for email in (MO, OLA):
            elections.stand(find(email), election_id, DECLARATIONS, "")
            db.session.commit()
        with pytest.raises(Conflict, match="holds at most 2"):
            elections.stand(find(TOM), election_id, DECLARATIONS, "")
        db.session.rollback()
        elections.withdraw(find(OLA), election_id)  # a withdrawal makes room
        db.session.commit()
        elections.stand(find(TOM), election_id, DECLARATIONS, "")
        elections.stand(find(MO), election_id, DECLARATIONS, "A new statement.")  # not new
        db.session.commit()


def test_too_many_valid_candidates_is_a_clear_409_and_the_task_counts_the_other_elections(
    app, monkeypatch
):
    counted_id = ballot_open(app, seats=1)  # three candidates, fixed
    places = positions(app, counted_id)
    assert cast(client_for(app, MO), counted_id, places["Tom"]).status_code == 302
    past_close(app, counted_id)
    monkeypatch.setattr(voting, "CANDIDATES_MAX", 2)  # from now on a paper holds two
    broken_id = nominations_closed(app, seats=1)  # three valid nominations
    secretary = client_for(app, SECRETARY)
    page = f"/elections/{broken_id}/voting"
    refused = submit(secretary, page, {"voting_opens_at": local_in(3).strftime("%Y-%m-%dT%H:%M"),
                     "voting_closes_at": uk_local(5, 12).strftime("%Y-%m-%dT%H:%M"),
                     "runner": "platform"})  # fmt: skip
    assert refused.status_code == 409
    assert "3 valid nominations" in refused.get_data(as_text=True)
    assert "holds at most" in refused.get_data(as_text=True)
    with app.app_context():
        db.session.add(
            ElectionVote(election_id=broken_id, voting_opens_at=utcnow() + timedelta(days=1),
                         voting_closes_at=utcnow() + timedelta(days=2))
        )  # fmt: skip
        db.session.commit()
        assert close_due() == 1  # the broken election is logged, the other counted
    assert vote_row(app, counted_id).state == VoteState.COUNTED
    assert vote_row(app, broken_id).candidates_fixed_at is None


# 2. Seconders who have ceased to be members -----------------------------------------------------


def test_a_seconder_who_has_ceased_no_longer_counts(app):
    society_with_members(app)
    election_id = election_set_up(app, seconders=1, seats=1)
    with app.app_context():
        nomination = elections.stand(find(MO), election_id, DECLARATIONS, "").id
        elections.second(find(OLA), election_id, nomination)
        db.session.commit()
    cease(app, OLA)
    page = client_for(app, MO).get(f"/elections/{election_id}").get_data(as_text=True)
    assert "0 of 1 seconder(s)" in page
    with app.app_context():
        rows = queries.nominations(db.session.get(Election, election_id))
        assert [(r.seconders, r.valid) for r in rows] == [(0, False)]
        elections.close_nominations(find(SECRETARY), election_id)
        voting.set_up_vote(find(SECRETARY), election_id, local_in(3), uk_local(5, 12), "platform")
        db.session.commit()
        assert voting.candidates_of(voting.vote_of(election_id)) == []


# 3. The election's parameters are bound to the proofs -------------------------------------------


def test_a_ballot_set_with_changed_candidates_seats_method_or_seed_fails_the_recount(app):
    election_id = ballot_open(app, seats=1)
    record = counted_record(app, election_id)
    assert recount(record).ok, recount(record).problems

    def relabel(r):
        first, second = r["candidates"][0], r["candidates"][1]
        first["name"], second["name"] = second["name"], first["name"]
        r["result"]["elected"] = []

    def renumber(r):
        r["candidates"][0]["nomination"] += 1000

    def reorder(r):
        r["candidates"].reverse()

    def seats(r):
        r["seats"] = 2

    def seed(r):
        r["seed"] = "0" * 64

    def method(r):
        r["method"] = "fptp"

    for change in (relabel, renumber, reorder, seats, seed, method):
        altered = copy.deepcopy(record)
        change(altered)
        result = recount(altered)
        assert not result.ok, change.__name__
        assert result.tally is None, change.__name__  # nothing counted from failed proofs
        assert any("proof" in p or "shuffle" in p for p in result.problems), result.problems


# 4. A malformed ballot set never crashes the recount --------------------------------------------


def test_a_malformed_ballot_set_is_a_problem_never_a_crash(app, tmp_path, capsys):
    election_id = ballot_open(app, seats=1)
    record = counted_record(app, election_id)

    def bad_index(r):
        r["opened"][0]["ranking"] = [99]

    def negative_index(r):
        r["opened"][0]["ranking"] = [-1]

    def infinite_seats(r):
        r["seats"] = float("inf")

    for change in (bad_index, negative_index, infinite_seats):
        altered = copy.deepcopy(record)
        change(altered)
        result = recount(altered)
        assert result.problems and result.tally is None, change.__name__
    for key in list(record):
        for value in (None, "x", 10**30, -1, 1.5, True, [], {}, [[]], [{}], {"a": 1}):
            altered = copy.deepcopy(record)
            altered[key] = value
            assert recount(altered).problems, (key, value)
    for key in ("entries", "opened", "candidates"):
        for value in (None, "x", 10**30, -1, [], {}, {"seq": "1"}, {"ranking": {}}):
            altered = copy.deepcopy(record)
            altered[key][0] = value
            assert recount(altered).problems, (key, value)

    files = {
        "index.json": json.dumps(
            {**record, "opened": [{**record["opened"][0], "ranking": [99]}, *record["opened"][1:]]}
        ),
        "overflow.json": json.dumps(record).replace('"seats": 1', '"seats": 1e400'),
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "not-json.json": "{",
        "list.json": "[]",
        "binary.json": "\udcff",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        assert recount_main([str(path)]) == 1, name
        assert "PROBLEM: " in capsys.readouterr().out, name
    assert recount_main([str(tmp_path / "missing.json")]) == 1
    assert "PROBLEM: " in capsys.readouterr().out


# 5. Members and candidates who cease ----------------------------------------------------------


def test_the_ballot_of_a_member_who_ceases_is_taken_out_of_the_open_box(app):
    election_id = ballot_open(app, seats=1)
    places = positions(app, election_id)
    assert cast(client_for(app, MO), election_id, places["Tom"]).status_code == 302
    assert cast(client_for(app, OLA), election_id, places["Ola"]).status_code == 302
    cease(app, MO)
    with app.app_context():
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "election.ballot_removed")
        )
        assert db.session.scalars(select(Ballot.ciphertext).order_by(Ballot.seq)).all()[-1] is None
    assert close_and_count(app, election_id)
    assert vote_row(app, election_id).ballots_counted == 1
    record = client_for(app, OLA).get(f"/elections/{election_id}/ballots.json").get_json()
    result = recount(record)
    assert result.ok, result.problems
    assert result.tally.elected == ("Ola",)


def test_a_candidate_who_ceases_before_the_count_is_excluded_their_votes_passing_on(app):
    election_id = ballot_open(app, seats=1)
    places = positions(app, election_id)
    for email, ranking in ((MO, ("Tom", "Ola")), (OLA, ("Ola",)), (TOM, ("Tom",))):
        assert (
            cast(client_for(app, email), election_id, *(places[n] for n in ranking)).status_code
            == 302
        )
    cease(app, TOM)  # his own ballot goes; he is excluded at the count
    assert close_and_count(app, election_id)
    mo = client_for(app, MO)
    page = mo.get(f"/elections/{election_id}/results").get_data(as_text=True)
    assert "Elected: Ola." in page
    assert 'id="excluded"' in page and "Tom: No longer a member" in page
    record = mo.get(f"/elections/{election_id}/ballots.json").get_json()
    result = recount(record)
    assert result.ok, result.problems
    assert result.tally.elected == ("Ola",) and result.tally.excluded == ("Tom",)
    assert result.tally.valid == 2
    assert [c["name"] for c in record["candidates"] if c["excluded"]] == ["Tom"]


# 6. A large count is not made in a web request ------------------------------------------------


def test_a_page_read_counts_only_a_small_vote(app, monkeypatch):
    app.config["COUNT_DUE_VOTES_ON_READ"] = 1
    election_id = ballot_open(app, seats=1)
    places = positions(app, election_id)
    assert cast(client_for(app, MO), election_id, places["Tom"]).status_code == 302
    past_close(app, election_id)
    monkeypatch.setattr(counting, "COUNT_ON_READ_MAX_BALLOTS", 0)
    assert client_for(app, MO).get(f"/elections/{election_id}/results").status_code == 200
    assert vote_row(app, election_id).state == VoteState.OPEN
    monkeypatch.setattr(counting, "COUNT_ON_READ_MAX_BALLOTS", 50)
    assert client_for(app, MO).get(f"/elections/{election_id}/results").status_code == 200
    assert vote_row(app, election_id).state == VoteState.COUNTED


def test_a_scrutineer_cannot_be_certified_as_electing_a_former_member(app):
    election_id = ballot_open(app, runner="scrutineer")
    past_close(app, election_id)
    cease(app, TOM)
    with app.app_context():
        ids = {c.name: c.id for c in voting.candidates_of(voting.vote_of(election_id))}
    secretary = client_for(app, SECRETARY)
    page = f"/elections/{election_id}/certify"
    refused = submit(secretary, page, {"elected": [ids["Tom"]], "scrutineer_name": "Civica"})
    assert refused.status_code == 400
    assert "Tom is no longer a member" in refused.get_data(as_text=True)
    done = submit(secretary, page, {"elected": [ids["Mo"]], "scrutineer_name": "Civica"})
    assert done.status_code == 302
