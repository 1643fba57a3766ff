"""Proxies, where the rules allow them: appointed and revoked until the deadline; the holder
votes for each appointer as that member's own ballot; the member's own vote takes
precedence either way round; chains, self-appointment and non-members are refused; each
proxy vote is audited without its choice; parallel appointments make no chain."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.audit.models import AuditEntry
from coop.ballots.models import BoxVoter
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.meetings.voting import proxies, queries
from coop.meetings.voting.models import Proxy, ResolutionVote
from tests.factories import client_for
from tests.meetings.voting_helpers import (
    ANN,
    BEA,
    FORMER,
    MO,
    close,
    meeting,
    resolutions,
    result,
    society,
    starts,
    vote,
)
from tests.membership.helpers import SECRETARY, SUPPORTER, find
from tests.parallel import post_at_once
from tests.support import csrf_token

__all__ = ["meeting", "society"]


@pytest.fixture(autouse=True)
def allowed(app):
    app.config["COOP_GM_PROXIES"] = True
    app.config["COOP_GM_QUORUM_MEMBERS"] = 1


def appoint(app, email, meeting_id, number=None, to_chair=False, at=None) -> int:
    with app.app_context():
        proxy = proxies.appoint(find(email), meeting_id, to_chair, number, at)
        db.session.commit()
        return proxy.id


def revoke(app, email, meeting_id, at=None) -> int:
    with app.app_context():
        removed = proxies.revoke(find(email), meeting_id, at)
        db.session.commit()
        return removed


def test_a_proxy_votes_for_their_appointer_and_the_appointer_sees_that_not_how(
    app, meeting, society
):
    first, second = resolutions(app, meeting)
    proxy = appoint(app, MO, meeting, society[ANN])
    cast = vote(app, ANN, meeting, first, "against", proxy_id=proxy)
    assert cast.by_proxy
    vote(app, ANN, meeting, first, "for")  # Ann's own vote is hers
    with app.app_context():
        box = db.session.get(ResolutionVote, first).ballot_box_id
        assert db.session.scalar(select(func.count()).where(BoxVoter.box_id == box)) == 2
        mine = queries.ballots_of(find(MO).id, meeting)
        assert mine[first].by_proxy and mine[first].tracker == cast.tracker
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "meeting.proxy_vote")
        )
        assert entry.details == {"item": first, "proxy": proxy, "appointer": find(MO).id}
    html = client_for(app, MO).get(f"/meetings/{meeting}/vote").get_data(as_text=True)
    assert "Your proxy voted for you on this resolution" in html
    assert "against" not in html.lower().split("your proxy voted")[1][:200]
    close(app, meeting)
    found = result(app, first)
    assert (found.votes_for, found.votes_against) == (1, 1)
    assert result(app, second).votes_for == 0


def test_a_members_own_vote_takes_precedence_whichever_comes_first(app, meeting, society):
    first, second = resolutions(app, meeting)
    proxy = appoint(app, MO, meeting, society[ANN])
    vote(app, MO, meeting, first, "for")  # own, then the proxy: refused
    with pytest.raises(Conflict, match="themselves"):
        vote(app, ANN, meeting, first, "against", proxy_id=proxy)
    vote(app, ANN, meeting, second, "against", proxy_id=proxy)  # the proxy, then own: replaced
    vote(app, MO, meeting, second, "for")
    with pytest.raises(Conflict, match="themselves"):
        vote(app, ANN, meeting, second, "against", proxy_id=proxy)
    close(app, meeting)
    assert (result(app, first).votes_for, result(app, first).votes_against) == (1, 0)
    assert (result(app, second).votes_for, result(app, second).votes_against) == (1, 0)


def test_revoking_takes_out_the_proxys_ballots_and_a_revoked_proxy_votes_no_more(
    app, meeting, society
):
    first, second = resolutions(app, meeting)
    proxy = appoint(app, MO, meeting, society[ANN])
    vote(app, ANN, meeting, first, "against", proxy_id=proxy)
    vote(app, MO, meeting, second, "for")
    assert revoke(app, MO, meeting) == 1
    with pytest.raises(NotFound):
        vote(app, ANN, meeting, first, "against", proxy_id=proxy)
    close(app, meeting)
    assert (result(app, first).votes_for, result(app, first).votes_against) == (0, 0)
    assert result(app, second).votes_for == 1  # the member's own vote stands


def test_the_holder_voting_twice_for_one_appointer_leaves_one_ballot(app, meeting, society):
    first, _ = resolutions(app, meeting)
    proxy = appoint(app, MO, meeting, society[ANN])
    ann = client_for(app, ANN)
    token = csrf_token(ann, f"/meetings/{meeting}/vote")
    path = f"/meetings/{meeting}/items/{first}/vote"
    forms = [{"csrf_token": token, "choice": "for", "proxy": str(proxy)}] * 4
    from tests.parallel import copy_of

    statuses = post_at_once([ann] + [copy_of(app, ann) for _ in range(3)], path, forms)
    assert set(statuses) == {302}
    with app.app_context():
        box = db.session.get(ResolutionVote, first).ballot_box_id
        assert db.session.scalar(select(func.count()).where(BoxVoter.box_id == box)) == 1
    assert client_for(app, BEA).post(path, data={**forms[0]}).status_code in (400, 404)


def test_chains_self_appointment_and_non_members_are_refused(app, meeting, society):
    with pytest.raises(Invalid, match="yourself"):
        appoint(app, MO, meeting, society[MO])
    with app.app_context():
        from coop.membership.models import Membership

        former = db.session.scalar(
            select(Membership.id).where(Membership.account_id == find(FORMER).id)
        )
    with pytest.raises(Invalid, match="No member"):
        appoint(app, MO, meeting, former)
    with pytest.raises(Invalid, match="No member"):
        appoint(app, MO, meeting, 999_999)
    with pytest.raises(NotFound):  # a former member finds no meeting, as on every page
        appoint(app, FORMER, meeting, society[ANN])
    appoint(app, MO, meeting, society[ANN])
    with pytest.raises(Conflict, match="revoke it first"):
        appoint(app, MO, meeting, society[BEA])
    with pytest.raises(Conflict, match="cannot appoint"):
        appoint(app, ANN, meeting, society[BEA])  # Ann holds Mo's: no chain
    with pytest.raises(Invalid, match="appointed a proxy themselves"):
        appoint(app, BEA, meeting, society[MO])  # Mo appointed Ann: no chain
    assert client_for(app, SUPPORTER).post(f"/meetings/{meeting}/proxy").status_code in (400, 404)


def test_the_deadline_closes_appointing_and_revoking(app, meeting, society):
    late = starts(app, meeting) - timedelta(hours=47)
    with pytest.raises(Conflict, match="until"):
        appoint(app, MO, meeting, society[ANN], at=late)
    appoint(app, MO, meeting, society[ANN])
    with pytest.raises(Conflict, match="until"):
        revoke(app, MO, meeting, at=late)


def test_proxies_are_refused_where_the_rules_do_not_allow_them(app, meeting, society):
    app.config["COOP_GM_PROXIES"] = False
    with pytest.raises(NotAllowed):
        appoint(app, MO, meeting, society[ANN])


def test_the_chair_votes_proxies_appointed_to_the_chair_and_they_count_for_quorum(
    app, meeting, society
):
    first, _ = resolutions(app, meeting)
    proxy = appoint(app, MO, meeting, to_chair=True)
    with pytest.raises(NotFound):
        vote(app, ANN, meeting, first, "for", proxy_id=proxy)
    vote(app, SECRETARY, meeting, first, "for", proxy_id=proxy)
    with app.app_context():
        assert queries.present(meeting, True) == 1
        assert queries.present(meeting, False) == 0


def test_parallel_appointments_make_no_chain(app, meeting, society):
    mo, ann = client_for(app, MO), client_for(app, ANN)
    page = f"/meetings/{meeting}/vote"
    forms = [
        {"csrf_token": csrf_token(mo, page), "holder": "member", "number": society[ANN]},
        {"csrf_token": csrf_token(ann, page), "holder": "member", "number": society[BEA]},
    ]
    for _ in range(3):
        statuses = post_at_once([mo, ann], f"/meetings/{meeting}/proxy", forms)
        assert sorted(statuses) in ([302, 400], [302, 409])
        with app.app_context():
            assert db.session.scalar(select(func.count()).where(Proxy.revoked_at.is_(None))) == 1
            for proxy in db.session.scalars(select(Proxy).where(Proxy.revoked_at.is_(None))):
                proxy.revoked_at = proxy.appointed_at
            db.session.commit()
