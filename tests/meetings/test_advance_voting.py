"""Advance voting on a noticed meeting's resolutions: members of the co-operative vote online
from the notice, change their vote, see their tracker; one ballot each under parallel
requests; nobody sees a running total; everyone else is refused."""

from sqlalchemy import func, select

from coop.audit.models import AuditEntry
from coop.ballots.models import Ballot, BoxVoter
from coop.extensions import db
from coop.meetings.voting import queries, services
from coop.meetings.voting.models import ResolutionVote
from tests.factories import client_for
from tests.meetings.helpers import notice_given, scheduled
from tests.meetings.voting_helpers import ANN, BEA, FORMER, MO, meeting, resolutions, society
from tests.membership.helpers import SECRETARY, SUPPORTER, TREASURER, find
from tests.parallel import copy_of, post_at_once
from tests.support import csrf_token

__all__ = ["meeting", "society"]


def page(meeting_id: int) -> str:
    return f"/meetings/{meeting_id}/vote"


def voted(client, meeting_id: int, item_id: int, choice: str, **extra):
    token = csrf_token(client, page(meeting_id))
    return client.post(
        f"/meetings/{meeting_id}/items/{item_id}/vote",
        data={"csrf_token": token, "choice": choice, **extra},
    )


def voters(app, item_id: int) -> int:
    with app.app_context():
        box = db.session.get(ResolutionVote, item_id).ballot_box_id
        return db.session.scalar(select(func.count()).where(BoxVoter.box_id == box))


def test_notice_opens_a_box_for_each_resolution_and_none_for_a_report(app, meeting):
    assert len(resolutions(app, meeting)) == 2
    draft = scheduled(app, items=2)
    assert resolutions(app, draft) == []


def test_a_member_votes_in_advance_changes_their_vote_and_sees_only_turnout(app, meeting):
    first, _ = resolutions(app, meeting)
    mo = client_for(app, MO)
    response = voted(mo, meeting, first, "for")
    assert response.status_code == 302
    html = mo.get(page(meeting)).get_data(as_text=True)
    assert "You voted: tracker" in html
    assert voted(mo, meeting, first, "against").status_code == 302
    assert voters(app, first) == 1  # changed, not added
    with app.app_context():
        box = db.session.get(ResolutionVote, first).ballot_box_id
        assert db.session.scalar(select(func.count()).where(Ballot.box_id == box)) == 2
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "meeting.vote")
        ).all()
        assert len(entries) == 2
        assert all(e.details == {"item": first} for e in entries)  # who, never how
    meeting_page = client_for(app, SECRETARY).get(f"/meetings/{meeting}").get_data(as_text=True)
    assert "1 ballot(s)" in meeting_page and "Counted when voting closes" in meeting_page
    assert "For 1" not in meeting_page and "Against 1" not in meeting_page


def test_choices_that_are_not_for_against_or_abstain_are_a_400(app, meeting):
    first, _ = resolutions(app, meeting)
    mo = client_for(app, MO)
    for bad in ("maybe", "", "for\x00", "x" * 100_000):
        assert voted(mo, meeting, first, bad).status_code == 400
    assert voters(app, first) == 0
    assert voted(mo, meeting, first, "for", proxy="12abc").status_code == 400
    assert voted(mo, meeting, first, "for", proxy="99999").status_code == 404
    assert voters(app, first) == 0


def test_only_current_members_of_the_co_operative_vote(app, meeting):
    first, _ = resolutions(app, meeting)
    assert voted(client_for(app, TREASURER), meeting, first, "for").status_code == 403
    former = client_for(app, FORMER)
    assert former.get(page(meeting)).status_code == 404
    supporter = client_for(app, SUPPORTER)
    assert supporter.get(page(meeting)).status_code == 404
    assert supporter.post(f"/meetings/{meeting}/items/{first}/vote").status_code in (400, 404)
    assert voters(app, first) == 0
    officer_page = client_for(app, TREASURER).get(page(meeting)).get_data(as_text=True)
    assert "Only members of the co-operative vote" in officer_page
    assert 'name="choice"' not in officer_page


def test_a_membership_that_ended_casts_nothing_even_from_an_open_page(app, meeting, society):
    first, _ = resolutions(app, meeting)
    with app.app_context():
        from coop.errors import NotAllowed, NotFound
        from coop.membership import services as membership

        member = find(BEA)
        membership.record_cessation(find(SECRETARY), society[BEA], "died",
                                    membership.today(), "")  # fmt: skip
        db.session.commit()
        try:
            services.cast_vote(member, meeting, first, "for")
        except (NotAllowed, NotFound):
            db.session.rollback()
        else:
            raise AssertionError("a former member voted")
    assert voters(app, first) == 0


def test_an_item_of_another_meeting_is_not_found(app, meeting):
    first, _ = resolutions(app, meeting)
    other = scheduled(app, items=2)
    notice_given(app, other)
    assert voted(client_for(app, MO), other, first, "for").status_code == 404


def test_parallel_votes_from_one_member_leave_one_ballot(app, meeting):
    first, _ = resolutions(app, meeting)
    ann = client_for(app, ANN)
    token = csrf_token(ann, page(meeting))
    clients = [ann] + [copy_of(app, ann) for _ in range(5)]
    forms = [{"csrf_token": token, "choice": c} for c in ["for", "against", "abstain"] * 2]
    statuses = post_at_once(clients, f"/meetings/{meeting}/items/{first}/vote", forms)
    assert set(statuses) == {302}
    assert voters(app, first) == 1
    voted(client_for(app, BEA), meeting, first, "for")
    assert voters(app, first) == 2


def test_withdrawing_consent_takes_out_open_meeting_ballots_and_who_cast_them(app, meeting):
    first, second = resolutions(app, meeting)
    mo = client_for(app, MO)
    voted(mo, meeting, first, "for")
    voted(mo, meeting, second, "against")
    with app.app_context():
        assert queries.present(meeting, True) == 1
        assert services.remove_ballots(find(MO).id) == 2
        db.session.commit()
        assert queries.present(meeting, True) == 0
        assert services.remove_ballots(find(MO).id) == 0
    assert voters(app, first) == 0 and voters(app, second) == 0
