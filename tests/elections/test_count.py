"""Closing and counting: the ballots are mixed, decrypted with proofs and counted once,
the key destroyed; the results page shows every round; the anonymised ballot set recounts
from the file alone, and a tampered file does not."""

import copy
import json
import threading

from click.testing import CliRunner
from sqlalchemy import select

from coop.audit.models import AuditEntry
from coop.ballots import keys
from coop.ballots.models import Ballot, BallotBox
from coop.elections.voting import counting
from coop.elections.voting.models import Candidate, MixedBallot, VoteState
from coop.elections.voting.recount import main as recount_main
from coop.elections.voting.recount import recount
from coop.elections.voting.tasks import close_due
from coop.extensions import db
from tests.elections.helpers import MO, OLA, TOM
from tests.elections.voting_helpers import (
    ballot_open,
    cast,
    close_and_count,
    past_close,
    positions,
    vote_row,
)
from tests.factories import client_for
from tests.membership.helpers import SECRETARY
from tests.support import submit


def voted(app, election_id: int) -> dict[str, int]:
    """Mo and Ola put Tom first; Tom puts Ola first, then Mo."""
    places = positions(app, election_id)
    for email, ranking in ((MO, ("Tom", "Mo")), (OLA, ("Tom", "Ola")), (TOM, ("Ola", "Mo"))):
        response = cast(client_for(app, email), election_id, *(places[n] for n in ranking))
        assert response.status_code == 302
    return places


def test_the_count_mixes_decrypts_counts_once_and_destroys_the_key(app):
    election_id = ballot_open(app)
    voted(app, election_id)
    public = None
    with app.app_context():
        box = db.session.get(BallotBox, vote_row(app, election_id).ballot_box_id)
        public = box.public_key
        cast_blobs = set(db.session.scalars(select(Ballot.ciphertext)))
        assert keys.exists(public)
    assert close_and_count(app, election_id) is True
    assert close_and_count(app, election_id) is False  # counted already: nothing happens
    vote = vote_row(app, election_id)
    assert vote.state == VoteState.COUNTED and vote.ballots_counted == 3
    with app.app_context():
        assert not keys.exists(public)
        mixed = db.session.scalars(select(MixedBallot)).all()
        assert len(mixed) == 3 and not {m.ciphertext for m in mixed} & cast_blobs
        elected = set(db.session.scalars(select(Candidate.name).where(Candidate.elected)))
        assert elected == {"Tom", "Ola"}
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "election.count"))


def test_a_parallel_close_counts_once(app):
    election_id = ballot_open(app)
    voted(app, election_id)
    past_close(app, election_id)
    results: list[bool] = []
    barrier = threading.Barrier(3)

    def close() -> None:
        with app.app_context():
            barrier.wait()
            results.append(counting.close_vote(election_id))
            db.session.remove()

    threads = [threading.Thread(target=close) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == [False, False, True]
    with app.app_context():
        assert len(db.session.scalars(select(MixedBallot)).all()) == 3


def test_the_scheduled_task_counts_a_vote_past_its_close(app):
    election_id = ballot_open(app)
    voted(app, election_id)
    past_close(app, election_id)
    with app.app_context():
        assert close_due() == 1
        assert close_due() == 0
    assert vote_row(app, election_id).state == VoteState.COUNTED


def test_the_results_page_shows_every_round_a_chart_and_the_downloads(app):
    election_id = ballot_open(app)
    voted(app, election_id)
    close_and_count(app, election_id)
    ola = client_for(app, OLA)
    page = ola.get(f"/elections/{election_id}/results").get_data(as_text=True)
    assert 'id="rounds"' in page and "Quota: 2" in page and "<svg" in page
    assert "Elected: Tom; Ola" in page or "Elected: Ola; Tom" in page
    assert "style=" not in page.split('id="chart"')[1].split("</figure>")[0]
    csv = ola.get(f"/elections/{election_id}/results.csv")
    assert csv.status_code == 200 and csv.get_data(as_text=True).startswith("stage,action")
    record = ola.get(f"/elections/{election_id}/ballots.json").get_json()
    assert len(record["opened"]) == 3 and sorted(record["result"]["elected"]) == ["Ola", "Tom"]
    assert "member" not in json.dumps(record)


def test_the_ballot_set_recounts_and_a_tampered_one_fails(app, tmp_path):
    election_id = ballot_open(app)
    voted(app, election_id)
    close_and_count(app, election_id)
    record = client_for(app, MO).get(f"/elections/{election_id}/ballots.json").get_json()
    result = recount(record)
    assert result.ok, result.problems
    assert set(result.tally.elected) == {"Tom", "Ola"}

    def tampered(change) -> list[str]:
        altered = copy.deepcopy(record)
        change(altered)
        return recount(altered).problems

    def swap_ranking(r):
        r["opened"][0]["ranking"] = list(reversed(r["opened"][0]["ranking"]))

    def drop_cast_ballot(r):
        r["entries"].pop()

    def swap_mixed_ballot(r):
        r["mix"]["ballots"][0] = r["entries"][0]["ciphertext"]

    def claim_another_result(r):
        r["result"]["elected"] = ["Mo", "Ola"]

    for change in (swap_ranking, drop_cast_ballot, swap_mixed_ballot, claim_another_result):
        assert tampered(change), change.__name__
    assert tampered(lambda r: r.update(format="x"))
    assert recount({"format": "coop-election-ballots/1"}).problems  # unreadable, no crash

    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(record))
    altered = copy.deepcopy(record)
    swap_ranking(altered)
    bad.write_text(json.dumps(altered))
    assert recount_main([str(good)]) == 0 and recount_main([str(bad)]) == 1
    runner = CliRunner()
    with app.app_context():
        cli = app.cli.get_command(None, "coop")
        ok = runner.invoke(cli, ["election-recount", str(good)])
        assert ok.exit_code == 0 and "checks out" in ok.output
        failed = runner.invoke(cli, ["election-recount", str(bad)])
        assert failed.exit_code != 0 and "PROBLEM" in failed.output


def test_the_secretary_counts_only_once_the_window_has_passed(app):
    election_id = ballot_open(app)
    voted(app, election_id)
    secretary = client_for(app, SECRETARY)
    page = f"/elections/{election_id}/results"
    assert submit(secretary, page, {}, f"/elections/{election_id}/count").status_code == 409
    member = client_for(app, MO)
    assert submit(member, page, {}, f"/elections/{election_id}/count").status_code == 403
    app.config["COUNT_DUE_VOTES_ON_READ"] = 0
    past_close(app, election_id)
    assert "Count the votes now" in secretary.get(page).get_data(as_text=True)
    assert submit(secretary, page, {}, f"/elections/{election_id}/count").status_code == 302
    assert vote_row(app, election_id).state == VoteState.COUNTED
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "election.count"))
        assert entry.actor_id is not None


def test_first_past_the_post_counts_marks_as_equal_votes(app):
    election_id = ballot_open(app, method="fptp", seats=2)
    places = positions(app, election_id)
    mo = client_for(app, MO)
    too_many = cast(mo, election_id, marks=list(places.values()))
    assert too_many.status_code == 400 and "Mark at most 2" in too_many.get_data(as_text=True)
    assert cast(mo, election_id, marks=[places["Tom"], places["Ola"]]).status_code == 302
    assert cast(client_for(app, OLA), election_id, marks=[places["Tom"]]).status_code == 302
    assert cast(client_for(app, TOM), election_id, marks=[places["Mo"]]).status_code == 302
    close_and_count(app, election_id)
    page = mo.get(f"/elections/{election_id}/results").get_data(as_text=True)
    assert 'id="votes"' in page
    record = mo.get(f"/elections/{election_id}/ballots.json").get_json()
    result = recount(record)
    assert result.ok, result.problems
    assert result.tally.plurality.votes == {"Tom": 2, "Ola": 1, "Mo": 1}
    assert result.tally.elected[0] == "Tom"
    assert set(result.tally.plurality.lot) == {"Ola", "Mo"}  # level for the second seat
