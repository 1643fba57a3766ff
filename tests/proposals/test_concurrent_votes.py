"""The same member voting from many tabs at once still has exactly one ballot."""

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.proposals.helpers import (
    MEMBER,
    ORGANISER,
    client_for,
    close_due,
    end_voting,
    load_proposal,
    make_people,
    member_id,
    page_of,
    vote,
    votes_of,
)
from tests.support import csrf_token, make_proposal

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

    end_voting(app, proposal_id)
    assert close_due(app) == 1
    proposal = load_proposal(app, proposal_id)
    assert proposal.turnout == 1
    assert votes_of(app, proposal_id) == {}


def test_simultaneous_changes_to_an_existing_vote_keep_one_ballot(app):
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)
    vote(client_for(app, MEMBER), proposal_id, "for")

    statuses = vote_at_once(app, proposal_id, MEMBER)

    assert statuses == [302] * REQUESTS
    assert len(votes_of(app, proposal_id)) == 1
