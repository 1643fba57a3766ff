"""The same member voting from many tabs at once still has exactly one ballot."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event

from coop.accounts.models import Member
from coop.ballots import services as ballot_services
from coop.ballots.record import counted
from coop.errors import Conflict
from coop.extensions import db
from coop.proposals.models import Proposal
from coop.proposals.services import cast_vote, close_proposal
from tests.factories import client_for
from tests.proposals.helpers import (
    MEMBER,
    ORGANISER,
    assert_unreadable,
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
from tests.support import csrf_token, make_proposal, on_postgresql

REQUESTS = 20
CHOICES = ("for", "against", "abstain")


def vote_at_once(app, proposal_id: int, email: str) -> list[int]:
    """REQUESTS votes by one member, each from its own client, released together."""
    signed_in = client_for(app, email)
    token = csrf_token(signed_in, page_of(signed_in, proposal_id))
    session = signed_in.get_cookie(app.config["SESSION_COOKIE_NAME"])
    start = threading.Barrier(REQUESTS)

    def cast(number: int) -> int:
        client = app.test_client()
        client.set_cookie(session.key, session.value)
        start.wait(timeout=10)
        response = client.post(
            f"/proposals/{proposal_id}/vote",
            data={"csrf_token": token, "choice": CHOICES[number % 3]},
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        return list(pool.map(cast, range(REQUESTS)))


def test_twenty_simultaneous_votes_by_one_member_leave_one_ballot(app):
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)

    statuses = vote_at_once(app, proposal_id, MEMBER)

    assert statuses == [302] * REQUESTS
    ballots = votes_of(app, proposal_id)
    assert list(ballots) == [member_id(app, MEMBER)]
    assert ballots[member_id(app, MEMBER)] in CHOICES

    with app.app_context():
        box = db.session.get(Proposal, proposal_id).ballot_box
        entries = ballot_services.entries(box.id)
        assert box.entries == len(entries) == REQUESTS  # every ballot on the public list...
        assert len(counted(entries)) == 1  # ...and each replacing the one before

    end_voting(app, proposal_id)
    assert close_due(app) == 1
    proposal = load_proposal(app, proposal_id)
    assert proposal.turnout == 1
    assert_unreadable(app, proposal_id)


def test_simultaneous_changes_to_an_existing_vote_keep_one_ballot(app):
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)
    vote(client_for(app, MEMBER), proposal_id, "for")

    statuses = vote_at_once(app, proposal_id, MEMBER)

    assert statuses == [302] * REQUESTS
    assert len(votes_of(app, proposal_id)) == 1


def test_a_ballot_acknowledged_while_the_vote_closes_is_always_counted(app):
    """Casting and closing at the same instant: each cast either succeeds and is counted,
    or is refused and leaves nothing; closing waits for casts in flight (both lock the
    box), and a cast that comes after it finds the box closed."""
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)
    # SQLite (make run) serialises every write transaction on one lock with a 5 s wait:
    # fewer casters there, so a loaded machine does not time out waiting for it.
    casters = REQUESTS if on_postgresql(app) else 8
    voters = make_voters(app, casters)
    with app.app_context():
        closes_at = db.session.get(Proposal, proposal_id).closes_at
    start = threading.Barrier(casters + 1)

    def cast(voter: int) -> bool:
        with app.app_context():
            member = db.session.get(Member, voter)
            db.session.expunge(member)
            db.session.close()  # no pooled connection held while waiting for the others
            start.wait(timeout=30)
            try:
                cast_vote(member, proposal_id, "for", now=closes_at - timedelta(microseconds=1))
                db.session.commit()
                return True
            except Conflict:
                db.session.rollback()
                return False

    def close() -> bool:
        with app.app_context():
            start.wait(timeout=30)
            return close_proposal(proposal_id, now=closes_at)

    with ThreadPoolExecutor(max_workers=casters + 1) as pool:
        closing = pool.submit(close)
        acknowledged = sum(pool.map(cast, voters))

    assert closing.result() is True
    proposal = load_proposal(app, proposal_id)
    assert proposal.votes_for == proposal.turnout == acknowledged
    with app.app_context():
        box = db.session.get(Proposal, proposal_id).ballot_box
        assert box.counted == box.entries == acknowledged
        late = db.session.get(Member, voters[0])
        with pytest.raises(Conflict):
            cast_vote(late, proposal_id, "for", now=closes_at - timedelta(microseconds=1))


def test_a_cast_that_waited_for_the_same_members_cast_replaces_it(app):
    """The one-statement cast writes only if no entry was committed while it waited for the
    box: here the member's first cast holds the box until the second is waiting, so the
    second must read the first again (under the lock) and replace it, never both counted."""
    if not on_postgresql(app):
        pytest.skip("one statement on PostgreSQL only; SQLite's casts take turns at BEGIN")
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)
    voter = member_id(app, MEMBER)
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with app.app_context():
            cast_vote(db.session.get(Member, voter), proposal_id, "for")
            holding.set()
            release.wait(timeout=10)
            db.session.commit()

    def second() -> int:
        with app.app_context():
            member = db.session.get(Member, voter)
            holding.wait(timeout=10)
            statements = []
            listen = ("before_cursor_execute", lambda *args: statements.append(args[2]))
            event.listen(db.engine, *listen)
            try:
                cast_vote(member, proposal_id, "against")
                db.session.commit()
            finally:
                event.remove(db.engine, *listen)
            return len(statements)

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(first)
        waiter = pool.submit(second)
        time.sleep(0.5)  # the second is now waiting for the box
        release.set()
        holder.result(timeout=10)
        sent = waiter.result(timeout=10)

    assert sent > 1  # the one statement wrote nothing; the lock's read and the append followed
    assert votes_of(app, proposal_id) == {voter: "against"}
    with app.app_context():
        box = db.session.get(Proposal, proposal_id).ballot_box
        entries = ballot_services.entries(box.id)
        assert [entry.replaces for entry in entries] == [None, 1]
        assert len(counted(entries)) == 1
