"""The results of every closed public vote as CSV and JSON: one row each, the published
counts and outcome, nothing open, withdrawn or for members only, and no formula to run."""

from datetime import UTC

import pytest

from tests.feeds.helpers import (
    BASE,
    ORGANISER,
    closed_vote,
    people,
    read_csv,
    read_json,
    withdrawn_vote,
)
from tests.proposals.helpers import load_proposal
from tests.support import make_proposal

COLUMNS = ["id", "question", "url", "opened_at", "closed_at", "rule", "quorum_percent",
           "quorum_met", "electorate", "turnout", "votes_for", "votes_against",
           "votes_abstain", "outcome"]  # fmt: skip


def as_csv(value) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.fixture
def votes(app) -> dict:
    people(app)
    ids = {
        "carried": closed_vote(
            app, "Adopt the charter?", ["for", "for", "against", "abstain"], rule="two_thirds"
        ),
        "no_quorum": closed_vote(app, "Change the name?", ["for"], quorum_percent=90),
    }
    closed_vote(app, "Members only question?", ["for"], visibility="members")
    withdrawn_vote(app, "Withdrawn question?")
    make_proposal(app, ORGANISER, question="Still open?")
    make_proposal(app, ORGANISER, question="Not yet open?", opens_in=5)
    return ids


def test_the_csv_has_one_row_per_closed_public_vote_with_its_published_result(app, votes):
    rows = read_csv(app.test_client())

    assert list(rows[0]) == COLUMNS
    assert sorted(row["question"] for row in rows) == ["Adopt the charter?", "Change the name?"]
    carried = next(row for row in rows if row["id"] == str(votes["carried"]))
    proposal = load_proposal(app, votes["carried"])
    assert carried == {
        "id": str(proposal.id),
        "question": "Adopt the charter?",
        "url": f"{BASE}/proposals/{proposal.id}/adopt-the-charter",
        "opened_at": proposal.opens_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "closed_at": proposal.closes_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rule": "two_thirds",
        "quorum_percent": "",
        "quorum_met": "true",
        "electorate": str(proposal.electorate),
        "turnout": "4",
        "votes_for": "2",
        "votes_against": "1",
        "votes_abstain": "1",
        "outcome": "carried",
    }
    no_quorum = next(row for row in rows if row["id"] == str(votes["no_quorum"]))
    assert (no_quorum["quorum_percent"], no_quorum["quorum_met"]) == ("90", "false")
    assert (no_quorum["turnout"], no_quorum["outcome"]) == ("1", "not_carried")


def test_the_json_holds_the_same_results_as_the_csv(app, votes):
    client = app.test_client()
    rows, results = read_csv(client), read_json(client)

    assert [result["id"] for result in results] == [int(row["id"]) for row in rows]
    for row, result in zip(rows, results, strict=True):
        assert set(result) == set(COLUMNS)
        assert {key: as_csv(value) for key, value in result.items()} == row
    assert isinstance(results[0]["votes_for"], int)
    assert results[0]["quorum_met"] in (True, False)


def test_the_latest_result_comes_first(app, votes):
    rows = read_csv(app.test_client())

    assert [row["id"] for row in rows] == [str(votes["no_quorum"]), str(votes["carried"])]


@pytest.mark.parametrize("question", ["=1+1", "+SUM(A1)?", "-2+3", "@SUM(A1)"])
def test_a_question_a_spreadsheet_would_run_as_a_formula_is_defused(app, question):
    people(app)
    closed_vote(app, question, ["for"])
    client = app.test_client()

    [row] = read_csv(client)
    [result] = read_json(client)

    assert row["question"] == "'" + question
    assert result["question"] == question  # JSON is data, not a spreadsheet


def test_with_no_closed_vote_the_downloads_are_empty_but_well_formed(app):
    client = app.test_client()

    assert client.get("/proposals/results.csv").data.decode().splitlines() == [",".join(COLUMNS)]
    assert read_json(client) == []


def test_the_csv_is_utf8(app):
    people(app)
    closed_vote(app, "Fund the café for £5?", ["for"])
    response = app.test_client().get("/proposals/results.csv")

    assert "Fund the café for £5?".encode() in response.data
    assert read_json(app.test_client())[0]["question"] == "Fund the café for £5?"
