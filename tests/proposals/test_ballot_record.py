"""The public list of ballots, its feed and record, and the recount anyone can run."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET  # our own feed, not untrusted input

import pytest

from coop.ballots.record import recount
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

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def voted(app):
    """Three voters and MEMBER, who changes their vote."""
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)
    cast_votes(
        app, proposal_id, dict(zip(make_voters(app, 3), ["for", "for", "against"], strict=True))
    )
    member = client_for(app, MEMBER)
    vote(member, proposal_id, "abstain")
    vote(member, proposal_id, "for")
    return proposal_id, member


def test_while_open_the_list_shows_trackers_as_a_chain_but_no_ballot(app, client, voted):
    proposal_id, _member = voted
    tracker = my_tracker(app, proposal_id, member_id(app, MEMBER))

    page = client.get(f"/proposals/{proposal_id}/ballots").get_data(as_text=True)
    assert "Entries</dt><dd>5</dd>" in page
    assert tracker in page and "replaces entry 4" in page
    record = json.loads(client.get(f"/proposals/{proposal_id}/ballots.json").get_data())
    assert [e["seq"] for e in record["entries"]] == [1, 2, 3, 4, 5]
    assert all("ciphertext" not in e for e in record["entries"])  # published at closing
    assert "total" not in record and record["closed"] is False
    assert recount(record).ok  # the chain already checks out

    atom = client.get(f"/proposals/{proposal_id}/ballots.atom").get_data()
    feed = ET.fromstring(atom)  # noqa: S314 - our own feed
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert titles[0].startswith("Entry 5: ") and len(titles) == 5


def test_a_voter_finds_their_tracker_and_bad_searches_get_a_clear_answer(app, client, voted):
    proposal_id, _member = voted
    tracker = my_tracker(app, proposal_id, member_id(app, MEMBER))
    path = f"/proposals/{proposal_id}/ballots"

    found = client.get(path, query_string={"tracker": tracker.upper()})
    assert found.status_code == 200
    assert "Found: entry 5, on the list." in found.get_data(as_text=True)
    unknown = client.get(path, query_string={"tracker": "0" * 64})
    assert unknown.status_code == 404
    assert "No ballot on this list has that tracker." in unknown.get_data(as_text=True)
    for odd in ("xyz", "\x00" * 64, "é" * 300):
        response = client.get(path, query_string={"tracker": odd})
        assert response.status_code == 400
        assert "A tracker is 64 letters and digits" in response.get_data(as_text=True)
    assert client.get(path, query_string={"page": "99999999999"}).status_code == 200


def test_after_closing_anyone_recounts_the_published_record(app, client, voted, tmp_path):
    proposal_id, _member = voted
    tracker = my_tracker(app, proposal_id, member_id(app, MEMBER))
    end_voting(app, proposal_id)
    close_due(app)

    response = client.get(f"/proposals/{proposal_id}/ballots.json")
    assert "attachment" in response.headers["Content-Disposition"]
    record = json.loads(response.get_data())
    assert record["result"] == {"for": 3, "against": 1, "abstain": 0}
    assert record["counted"] == 4
    check = recount(record)
    assert check.ok, check.problems
    assert check.counts == record["result"]
    saved = tmp_path / "record.json"
    saved.write_bytes(response.get_data())

    result = subprocess.run(
        [sys.executable, "-m", "coop.ballots.verify", str(saved), "--tracker", tracker],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Recounted: for 3, against 1, abstain 0" in result.stdout
    assert "Your ballot is entry 5, and it is counted." in result.stdout

    record["result"]["for"] = 4  # a result that the ballots do not add up to
    saved.write_text(json.dumps(record))
    lying = subprocess.run(
        [sys.executable, "-m", "coop.ballots.verify", str(saved), "--jobs", "2"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert lying.returncode == 1
    assert "the published result" in lying.stdout


def test_the_page_points_voters_to_the_recount(app, client, voted):
    proposal_id, _member = voted
    end_voting(app, proposal_id)
    close_due(app)

    page = client.get(f"/proposals/{proposal_id}/ballots").get_data(as_text=True)

    assert "Closed and counted: 4 ballots counted." in page
    assert "python -m coop.ballots.verify" in page
    assert "not how you voted" in page


def test_a_proposal_cannot_take_the_ballots_address_as_its_slug(app):
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER, question="Ballots?")
    client = client_for(app, MEMBER)

    response = client.get(f"/proposals/{proposal_id}")

    assert response.headers["Location"].endswith(f"/proposals/{proposal_id}/proposal-ballots")


def test_record_downloads_are_limited_per_address(app_factory):
    """A large vote's record is tens of megabytes: nobody can have it built a thousand
    times a minute."""
    app = app_factory(LIMIT_BALLOT_RECORDS="3 per minute")
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)
    client = app.test_client()
    statuses = [client.get(f"/proposals/{proposal_id}/ballots.json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
