"""The hostile review's findings: a confirmation is carried only after its first stage was
(s.111(2) of the Act); minutes before members for approval are fixed from the notice; a
member who ceases has their ballots taken out of open resolutions and their proxies ended;
the on/off settings are read strictly; a proxy-cast ballot stays one when the holder's
account is deleted."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError

from config import Config
from coop.accounts.models import Member
from coop.ballots.models import Ballot, BoxVoter
from coop.errors import Conflict
from coop.extensions import db
from coop.meetings import minutes
from coop.meetings import services as meetings
from coop.meetings.models import MeetingMinutes
from coop.meetings.voting import proxies, queries
from coop.meetings.voting.models import MeetingBallot, Outcome, Proxy, ResolutionVote
from coop.meetings.voting.rules import VotingRules, _flag
from coop.membership import services as membership
from tests.factories import client_for
from tests.meetings.helpers import notice_given, scheduled, uk_local
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
from tests.membership.helpers import SECRETARY, find
from tests.support import csrf_token

__all__ = ["meeting", "society"]


# 1. Two-stage special resolutions ---------------------------------------------------------------


@pytest.fixture
def two_stage(app, society):
    """A first meeting with the first stage, a second 14 days later confirming it; both
    noticed: (first meeting, first stage, second meeting, confirmation)."""
    app.config["COOP_GM_QUORUM_MEMBERS"] = 1
    first_day = uk_local(30)
    first = scheduled(app, items=0, kind="special", starts=first_day, title="First")
    with app.app_context():
        stage = meetings.add_item(
            find(SECRETARY), first, "special", "Amalgamate", "That we amalgamate.", two_stage=True
        ).id
        db.session.commit()
    second = scheduled(app, items=0, kind="special", starts=first_day + timedelta(days=14))
    with app.app_context():
        confirmation = meetings.add_item(
            find(SECRETARY), second, "special", "Confirm", "", confirms_id=stage
        ).id
        db.session.commit()
    notice_given(app, first)
    notice_given(app, second)
    return first, stage, second, confirmation


def test_a_confirmation_is_not_carried_when_its_first_stage_failed(app, two_stage):
    first, stage, second, confirmation = two_stage
    for who in (MO, ANN, BEA):
        vote(app, who, first, stage, "against")
        vote(app, who, second, confirmation, "for")  # advance votes before the first meeting
    close(app, first)
    close(app, second)
    assert result(app, stage).outcome == Outcome.NOT_CARRIED
    found = result(app, confirmation)
    assert found.outcome == Outcome.FIRST_FAILED and found.votes_for == 3  # counted all the same
    html = client_for(app, MO).get(f"/meetings/{second}/vote").get_data(as_text=True)
    assert "the first stage of this resolution was not passed" in html


def test_a_confirmation_cannot_close_while_its_first_stage_is_open(app, two_stage):
    first, stage, second, confirmation = two_stage
    vote(app, MO, second, confirmation, "for")
    with pytest.raises(Conflict, match="first stage"):
        close(app, second)
    assert result(app, confirmation).closed_at is None  # nothing was claimed
    with time_machine.travel(starts(app, second) + timedelta(hours=1), tick=False):
        chair = client_for(app, SECRETARY)  # signed in then: sessions expire
        page = f"/meetings/{second}/chair"
        refused = chair.post(
            f"/meetings/{second}/close", data={"csrf_token": csrf_token(chair, page)}
        )
        assert refused.status_code == 409
    # the first stage carried by two thirds: the confirmation by more than half is carried
    vote(app, MO, first, stage, "for")
    vote(app, ANN, first, stage, "for")
    vote(app, BEA, first, stage, "against")
    close(app, first)
    assert result(app, stage).outcome == Outcome.CARRIED
    close(app, second)
    assert result(app, confirmation).outcome == Outcome.CARRIED


# 2. Minutes before members are fixed ------------------------------------------------------------


def minutes_up_for_approval(app, meeting_id):
    """Minutes of `meeting_id` recorded, linked to a later meeting's item before its notice,
    the later meeting noticed: (later meeting, item)."""
    held = starts(app, meeting_id) + timedelta(hours=3)
    later = scheduled(app, days=60, items=0, title="Later")
    with app.app_context():
        secretary = find(SECRETARY)
        minutes.record_minutes(secretary, meeting_id, "Original honest minutes", True, held)
        item = meetings.add_item(secretary, later, "minutes", "Minutes of the AGM", "").id
        db.session.commit()
        minutes.link_approval(find(SECRETARY), item, meeting_id)
        db.session.commit()
    notice_given(app, later)
    return later, item


def test_minutes_cannot_be_rewritten_during_their_approval_vote(app, meeting):
    app.config["COOP_GM_QUORUM_MEMBERS"] = 1
    later, item = minutes_up_for_approval(app, meeting)
    for who in (MO, ANN, BEA):
        vote(app, who, later, item, "for")
    rewrite_at = starts(app, meeting) + timedelta(days=5)
    with app.app_context():
        with pytest.raises(Conflict, match="voting on this text"):
            minutes.record_minutes(find(SECRETARY), meeting, "Rewritten", True, rewrite_at)
        db.session.rollback()
        for statement in (
            "UPDATE meeting_minutes SET text = 'forged'",
            "UPDATE meeting_minutes SET approval_item_id = NULL",
            "DELETE FROM meeting_minutes",
        ):
            with pytest.raises(DBAPIError):
                db.session.execute(text(statement))
                db.session.flush()
            db.session.rollback()
    close(app, later)
    with app.app_context():
        fixed = db.session.get(MeetingMinutes, meeting)
        assert fixed.approved_at is not None and fixed.text == "Original honest minutes"


def test_minutes_are_linked_only_before_the_approving_meetings_notice(app, meeting):
    held = starts(app, meeting) + timedelta(hours=3)
    later = scheduled(app, days=60, items=0, title="Later")
    with app.app_context():
        secretary = find(SECRETARY)
        minutes.record_minutes(secretary, meeting, "Minutes", False, held)
        item = meetings.add_item(secretary, later, "minutes", "Minutes of the AGM", "").id
        meetings.add_item(secretary, later, "ordinary", "Other", "That we do things.")
        db.session.commit()
    notice_given(app, later)
    with app.app_context():
        with pytest.raises(Conflict, match="before the notice"):
            minutes.link_approval(find(SECRETARY), item, meeting)
        db.session.rollback()
        with pytest.raises(DBAPIError):  # nor behind the services' back
            db.session.execute(text(f"UPDATE meeting_minutes SET approval_item_id = {item}"))
            db.session.flush()
        db.session.rollback()
        # not linked: still open to correction
        minutes.record_minutes(find(SECRETARY), meeting, "Corrected", False, held)
        db.session.commit()
    manage = client_for(app, SECRETARY).get(f"/meetings/{later}/manage").get_data(as_text=True)
    assert "Link the minutes" not in manage and "approves none" in manage


def test_a_linked_item_removed_from_a_draft_frees_its_minutes(app, meeting):
    held = starts(app, meeting) + timedelta(hours=3)
    later = scheduled(app, days=60, items=0, title="Later")
    with app.app_context():
        secretary = find(SECRETARY)
        minutes.record_minutes(secretary, meeting, "Minutes", False, held)
        item = meetings.add_item(secretary, later, "minutes", "Minutes of the AGM", "").id
        db.session.commit()
        minutes.link_approval(secretary, item, meeting)
        db.session.commit()
        minutes.record_minutes(secretary, meeting, "Corrected before notice", False, held)
        meetings.remove_item(find(SECRETARY), later, item)
        db.session.commit()
        assert db.session.get(MeetingMinutes, meeting).approval_item_id is None


# 3. A member who ceases -------------------------------------------------------------------------


def test_a_member_who_ceases_has_their_ballots_taken_out_of_open_resolutions(app, meeting, society):
    app.config["COOP_GM_PROXIES"] = True
    first, second = resolutions(app, meeting)
    vote(app, MO, meeting, first, "for")
    with app.app_context():
        holder_proxy = proxies.appoint(find(ANN), meeting, False, society[MO]).id  # Mo holds Ann's
        db.session.commit()
    vote(app, MO, meeting, second, "against", proxy_id=holder_proxy)  # Ann's ballot, by Mo
    with app.app_context():
        membership.record_cessation(find(SECRETARY), society[MO], "died", membership.today(), "")
        db.session.commit()
        proxy = db.session.get(Proxy, holder_proxy)
        assert proxy.revoked_at is not None  # the proxy Mo held ended
        assert not db.session.scalars(
            select(MeetingBallot).where(MeetingBallot.member_id == find(MO).id)
        ).all()
        # Ann's ballot cast by Mo before he ceased stays hers
        assert queries.ballots_of(find(ANN).id, meeting)[second].by_proxy
    html = client_for(app, ANN).get(f"/meetings/{meeting}/items/{first}/ballots")
    assert html.status_code == 200
    with app.app_context():
        box = db.session.get(ResolutionVote, first).ballot_box_id
        entries = db.session.scalars(
            select(Ballot).where(Ballot.box_id == box).order_by(Ballot.seq)
        ).all()
        assert len(entries) == 2 and entries[-1].ciphertext is None  # the public removal
        assert not db.session.scalars(select(BoxVoter).where(BoxVoter.box_id == box)).all()
    close(app, meeting)
    assert result(app, first).votes_for == 0
    assert result(app, second).votes_against == 1  # Ann's


def test_a_member_who_ceases_has_the_proxy_they_appointed_ended(app, meeting, society):
    app.config["COOP_GM_PROXIES"] = True
    first, _ = resolutions(app, meeting)
    with app.app_context():
        proxy_id = proxies.appoint(find(MO), meeting, False, society[ANN]).id
        db.session.commit()
    vote(app, ANN, meeting, first, "for", proxy_id=proxy_id)
    with app.app_context():
        membership.record_cessation(find(SECRETARY), society[MO], "died", membership.today(), "")
        db.session.commit()
        assert db.session.get(Proxy, proxy_id).revoked_at is not None
    close(app, meeting)
    assert result(app, first).votes_for == 0


# 4. On/off settings -----------------------------------------------------------------------------

DEFAULTS = {name: getattr(Config, name) for name in dir(Config) if name.startswith("COOP_GM")}


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", True), ("true", True), ("Yes", True), (" on ", True), (True, True),
     ("0", False), ("false", False), ("NO", False), ("off", False), (False, False)],
)  # fmt: skip
def test_an_on_off_setting_reads_the_usual_words(value, on):
    assert _flag({"COOP_GM_PROXIES": value}, "COOP_GM_PROXIES") is on
    assert VotingRules.from_config({**DEFAULTS, "COOP_GM_PROXIES": value}).proxies is on


@pytest.mark.parametrize("value", ["", "ture", "2", "enabled", None, 2, [1]])
def test_any_other_value_of_an_on_off_setting_is_an_error_naming_it(value):
    with pytest.raises(ValueError, match="COOP_GM_PROXIES_COUNT_FOR_QUORUM"):
        VotingRules.from_config({**DEFAULTS, "COOP_GM_PROXIES_COUNT_FOR_QUORUM": value})


def test_a_mistyped_setting_stops_the_app_at_startup(database, tmp_path):
    from coop import create_app

    with pytest.raises(ValueError, match="COOP_GM_PROXIES"):
        create_app("test", {"SQLALCHEMY_DATABASE_URI": database(tmp_path),
                            "COOP_GM_PROXIES": "ture"})  # fmt: skip


# 5. A proxy holder's account deleted ------------------------------------------------------------


def test_a_ballot_cast_by_a_proxy_whose_account_is_deleted_stays_a_proxy_ballot(
    app, meeting, society
):
    app.config["COOP_GM_PROXIES"] = True
    app.config["COOP_GM_QUORUM_MEMBERS"] = 1
    first, _ = resolutions(app, meeting)
    with app.app_context():
        proxy_id = proxies.appoint(find(MO), meeting, False, society[ANN]).id
        db.session.commit()
    vote(app, ANN, meeting, first, "against", proxy_id=proxy_id)
    with app.app_context():
        db.session.execute(delete(Member).where(Member.id == find(ANN).id))
        db.session.commit()
        marker = db.session.get(MeetingBallot, (first, find(MO).id))
        assert marker is not None and marker.by_proxy and marker.proxy_id is None
        assert queries.ballots_of(find(MO).id, meeting)[first].by_proxy
        # a proxy-cast ballot does not count the appointer as having voted themselves
        assert queries.present(meeting, proxies_count=False) == 0
    vote(app, MO, meeting, first, "for")  # the appointer overrides it
    with app.app_context():
        assert not db.session.get(MeetingBallot, (first, find(MO).id)).by_proxy
    close(app, meeting)
    found = result(app, first)
    assert (found.votes_for, found.votes_against) == (1, 0)


# 6. Flood limits ---------------------------------------------------------------------------------


def test_check_in_proxies_and_the_door_are_rate_limited(app, meeting):
    app.config["COOP_GM_PROXIES"] = True
    for name in ("LIMIT_MEETING_CHECK_IN", "LIMIT_MEETING_PROXIES", "LIMIT_MEETING_DOOR"):
        app.config[name] = "2 per minute"
    member = client_for(app, MO)
    token = csrf_token(member, f"/meetings/{meeting}/vote")
    statuses = [
        member.post(f"/meetings/{meeting}/check-in", data={"csrf_token": token}).status_code
        for _ in range(3)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:2]
    paths = ["proxy", "proxy/revoke", "proxy"]  # appoint and revoke share one count
    statuses = [
        member.post(
            f"/meetings/{meeting}/{path}", data={"csrf_token": token, "number": "x"}
        ).status_code
        for path in paths
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:2]
    chair = client_for(app, SECRETARY)
    token = csrf_token(chair, f"/meetings/{meeting}/chair")
    statuses = [
        chair.post(
            f"/meetings/{meeting}/door", data={"csrf_token": token, "number": "9"}
        ).status_code
        for _ in range(3)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:2]
