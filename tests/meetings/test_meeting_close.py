"""Closing and counting: the chair closes voting (one resolution or all), the safety task
closes what nobody closed; one count under parallel closes; the majority as stored; an
inquorate meeting carries nothing; check-in, at the door and online; the in-meeting window."""

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from coop.ballots import keys
from coop.ballots.models import BallotBox
from coop.errors import Conflict, Invalid, NotAllowed
from coop.extensions import db
from coop.meetings.voting import closing, queries, services
from coop.meetings.voting.models import MeetingVoting
from tests.factories import client_for
from tests.meetings.voting_helpers import (
    ANN,
    BEA,
    MO,
    close,
    meeting,
    resolutions,
    result,
    society,
    starts,
    vote,
)
from tests.membership.helpers import SECRETARY, TREASURER, find
from tests.support import csrf_token

__all__ = ["meeting", "society"]


@pytest.fixture
def quorum_of_two(app):
    app.config["COOP_GM_QUORUM_PERCENT"] = 100
    app.config["COOP_GM_QUORUM_MEMBERS"] = 2


def test_the_chair_closes_voting_and_the_results_follow_the_stored_majority(
    app, meeting, quorum_of_two
):
    first, second = resolutions(app, meeting)
    vote(app, MO, meeting, first, "for")
    vote(app, ANN, meeting, first, "against")
    vote(app, BEA, meeting, first, "abstain")
    vote(app, MO, meeting, second, "for")
    vote(app, ANN, meeting, second, "for")
    vote(app, BEA, meeting, second, "against")
    assert close(app, meeting) == 2
    tied, carried = result(app, first), result(app, second)
    assert (tied.votes_for, tied.votes_against, tied.votes_abstain) == (1, 1, 1)
    assert tied.outcome == "not_carried"  # one half is not more than half
    assert (carried.votes_for, carried.votes_against, carried.outcome) == (2, 1, "carried")
    assert (carried.present, carried.needed) == (3, 2)
    with app.app_context():
        box = db.session.get(BallotBox, tied.ballot_box_id)
        assert box.counted == 3 and box.decryption_proof is not None
    with pytest.raises(Conflict):
        close(app, meeting)
    html = client_for(app, MO).get(f"/meetings/{meeting}").get_data(as_text=True)
    assert "Carried: For 2, Against 1, Abstentions 0" in html
    assert "Not carried: For 1, Against 1, Abstentions 1" in html


def test_closing_from_the_chairs_page_counts_and_destroys_the_keys(app, meeting):
    first, second = resolutions(app, meeting)
    vote(app, MO, meeting, first, "for")
    with time_machine.travel(starts(app, meeting) + timedelta(minutes=5), tick=False):
        secretary = client_for(app, SECRETARY)  # signed in then: sessions expire
        token = csrf_token(secretary, f"/meetings/{meeting}/chair")
        one = secretary.post(
            f"/meetings/{meeting}/close", data={"csrf_token": token, "item": first}
        )
        assert one.status_code == 302
        box_ids = result(app, first).ballot_box_id, result(app, second).ballot_box_id
        with app.app_context():
            box, other = (db.session.get(BallotBox, box_id) for box_id in box_ids)
            assert not keys.exists(box.public_key) and keys.exists(other.public_key)
            assert db.session.get(MeetingVoting, meeting).closed_at is None
        again = secretary.post(
            f"/meetings/{meeting}/close", data={"csrf_token": token, "item": first}
        )
        assert again.status_code == 409
        odd = secretary.post(f"/meetings/{meeting}/close", data={"csrf_token": token, "item": "x1"})
        assert odd.status_code == 400
        rest = secretary.post(f"/meetings/{meeting}/close", data={"csrf_token": token})
        assert rest.status_code == 302
        with app.app_context():
            assert db.session.get(MeetingVoting, meeting).closed_at is not None
            assert not keys.exists(other.public_key)
    assert result(app, first).votes_for == 1


def test_the_record_recounts_with_the_published_tools(app, meeting, tmp_path):
    from coop.ballots import verify

    first, _ = resolutions(app, meeting)
    vote(app, MO, meeting, first, "for")
    close(app, meeting)
    record = client_for(app, ANN).get(f"/meetings/{meeting}/items/{first}/ballots.json")
    assert record.status_code == 200
    path = tmp_path / "record.json"
    path.write_bytes(record.get_data())
    assert verify.main([str(path)]) == 0
    listing = client_for(app, ANN).get(f"/meetings/{meeting}/items/{first}/ballots")
    assert listing.status_code == 200 and "Check the count yourself" in listing.get_data(True)


def test_an_inquorate_meeting_carries_nothing(app, meeting):
    app.config["COOP_GM_QUORUM_MEMBERS"] = 2
    app.config["COOP_GM_QUORUM_PERCENT"] = 100
    first, _ = resolutions(app, meeting)
    vote(app, MO, meeting, first, "for")
    close(app, meeting)
    found = result(app, first)
    assert (found.votes_for, found.outcome, found.present, found.needed) == (1, "inquorate", 1, 2)


def test_quorum_is_a_percentage_or_a_number_whichever_is_fewer():
    from coop.meetings.voting.rules import quorum

    assert quorum(1000, 10, 20) == 20
    assert quorum(55, 10, 20) == 6
    assert quorum(3, 10, 20) == 1
    assert quorum(0, 10, 20) == 1


def test_check_in_online_and_at_the_door_count_toward_the_quorum(app, meeting, society):
    at = starts(app, meeting) - timedelta(minutes=30)
    with app.app_context():
        with pytest.raises(Conflict, match="Check-in opens"):
            services.check_in(find(MO), meeting, at - timedelta(hours=2))
        assert services.check_in(find(MO), meeting, at)
        assert not services.check_in(find(MO), meeting, at)  # once
        with pytest.raises(NotAllowed):
            services.check_in_at_door(find(MO), meeting, society[ANN], at)
        with pytest.raises(Invalid):
            services.check_in_at_door(find(SECRETARY), meeting, 999_999, at)
        assert services.check_in_at_door(find(SECRETARY), meeting, society[ANN], at)
        db.session.commit()
        assert queries.present(meeting, True) == 2


def test_voting_pauses_at_the_start_until_the_chair_opens_the_window(app, meeting):
    first, second = resolutions(app, meeting)
    vote(app, MO, meeting, first, "for")
    during = starts(app, meeting) + timedelta(minutes=10)
    with pytest.raises(Conflict, match="Check in"):
        vote(app, ANN, meeting, first, "for", at=during)
    with app.app_context():
        services.check_in(find(ANN), meeting, during)
        db.session.commit()
    with pytest.raises(Conflict, match="chair opens"):
        vote(app, ANN, meeting, first, "for", at=during)
    with app.app_context():
        with pytest.raises(NotAllowed):
            services.open_window(find(MO), meeting, first, during)
        with pytest.raises(Conflict, match="not started"):
            services.open_window(find(SECRETARY), meeting, first, during - timedelta(hours=1))
        assert services.open_window(find(SECRETARY), meeting, first, during) == 1
        db.session.commit()
    vote(app, ANN, meeting, first, "against", at=during)
    with pytest.raises(Conflict, match="Check in"):
        vote(app, BEA, meeting, first, "for", at=during)  # not present
    with pytest.raises(Conflict, match="chair opens"):
        vote(app, ANN, meeting, second, "for", at=during)  # its window is not open
    close(app, meeting, first, after=timedelta(minutes=20))
    with pytest.raises(Conflict, match="closed"):
        vote(app, ANN, meeting, first, "for", at=during + timedelta(minutes=15))
    found = result(app, first)
    assert (found.votes_for, found.votes_against) == (1, 1)  # Mo's advance vote stands


def test_the_safety_task_closes_what_nobody_closed_once(app, meeting):
    first, _ = resolutions(app, meeting)
    vote(app, MO, meeting, first, "for")
    later = starts(app, meeting) + timedelta(hours=7)
    with app.app_context():
        assert closing.due_meeting_ids(starts(app, meeting) + timedelta(hours=5)) == []
        assert closing.close_due(later) == 1
        assert closing.close_due(later) == 0
        voting = db.session.get(MeetingVoting, meeting)
        assert voting.closed_at is not None and voting.closed_by_id is None
    assert result(app, first).votes_for == 1


def test_two_closes_at_once_count_once(app, meeting):
    first, _ = resolutions(app, meeting)
    vote(app, MO, meeting, first, "for")
    at = starts(app, meeting) + timedelta(hours=1)
    barrier, outcomes = threading.Barrier(2), []

    def closer():
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(closing.close_voting(find(SECRETARY), meeting, None, at))
                db.session.commit()
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=closer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(map(str, outcomes)) == ["2", "conflict"]
    assert result(app, first).votes_for == 1


def test_the_chairs_page_is_for_the_chair_and_the_secretary(app, meeting, society):
    assert client_for(app, MO).get(f"/meetings/{meeting}/chair").status_code == 403
    assert client_for(app, TREASURER).get(f"/meetings/{meeting}/chair").status_code == 403
    secretary = client_for(app, SECRETARY)
    assert secretary.get(f"/meetings/{meeting}/chair").status_code == 200
    with app.app_context():
        treasurer_id = find(TREASURER).id
    token = csrf_token(secretary, f"/meetings/{meeting}/chair")
    named = secretary.post(f"/meetings/{meeting}/chair/name",
                           data={"csrf_token": token, "chair_id": str(treasurer_id)})  # fmt: skip
    assert named.status_code == 302
    assert client_for(app, TREASURER).get(f"/meetings/{meeting}/chair").status_code == 200
    refused = secretary.post(f"/meetings/{meeting}/chair/name",
                             data={"csrf_token": token, "chair_id": "424242"})  # fmt: skip
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(MeetingVoting.chair_id)) == treasurer_id


def test_the_rules_settings_read_from_the_environment_as_text():
    from config import Config
    from coop.meetings.voting.rules import VotingRules

    defaults = {name: getattr(Config, name) for name in dir(Config) if name.startswith("COOP_GM")}
    assert not VotingRules.from_config({**defaults, "COOP_GM_PROXIES": "0"}).proxies
    assert VotingRules.from_config({**defaults, "COOP_GM_PROXIES": "true"}).proxies
    assert not VotingRules.from_config(defaults).proxies
    assert VotingRules.from_config(defaults).quorum(1000) == 20
