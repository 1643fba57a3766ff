"""A vote's public list of ballots through the API: trackers while open, the encrypted
ballots once closed, nothing of a members-only vote, and never a member or a choice."""

from tests.api.helpers import get_json, keys_in
from tests.factories import client_for
from tests.proposals.helpers import (
    MEMBER,
    ORGANISER,
    cast_votes,
    close_due,
    end_voting,
    make_people,
    make_voters,
    member_id,
    my_tracker,
    vote,
)
from tests.support import make_proposal


def test_the_list_of_ballots_is_public_and_pages(app, client):
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)
    cast_votes(app, proposal_id, dict.fromkeys(make_voters(app, 3), "for"))
    vote(client_for(app, MEMBER), proposal_id, "against")
    tracker = my_tracker(app, proposal_id, member_id(app, MEMBER)).replace(" ", "")

    body = get_json(client, f"/proposals/{proposal_id}/ballots?per_page=2")
    assert [entry["seq"] for entry in body["data"]] == [1, 2]
    assert body["meta"]["total"] == 4 and body["links"]["next"]
    last = get_json(client, f"/proposals/{proposal_id}/ballots?per_page=2&page=2")
    assert last["data"][-1]["tracker"] == tracker
    assert all(entry["ciphertext"] is None for entry in body["data"] + last["data"])
    assert not {"member", "member_id", "choice", "author"} & keys_in(body)

    end_voting(app, proposal_id)
    close_due(app)
    closed = get_json(client, f"/proposals/{proposal_id}/ballots")
    assert all(len(entry["ciphertext"]) == 128 and entry["proof"] for entry in closed["data"])


def test_a_members_only_vote_s_ballots_are_not_in_the_api(app, client):
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER, visibility="members")
    get_json(client_for(app, MEMBER), f"/proposals/{proposal_id}/ballots", status=404)
    get_json(client, f"/proposals/{proposal_id}/ballots", status=404)
