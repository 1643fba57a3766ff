"""The STV count of coop/elections/stv.py: published Scottish counts reproduced, agreement with
an independent implementation where the two follow the same rules, the properties the rules
promise, and bad input refused with a message a person can act on. No app, no database."""

import csv
import hashlib
import io
import json
import random
from collections import Counter
from dataclasses import replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from coop.elections.stv import (
    EXCLUDED,
    FIRST,
    SURPLUS,
    Ballot,
    Result,
    check_ranking,
    count,
    rounds_csv,
)

D = Decimal
STEP = D("0.00001")  # the fifth decimal place, to which rule 49(3) truncates transfer values

# The Highland Council, 4 May 2017, Ward 7 Tain and Easter Ross: 3 seats.
FERGUSON, LOUDEN, RHIND, ROBERTSON, SKINNER, STONE = (
    "Ron Ferguson", "Derek Louden", "Alasdair Rhind", "Fiona Robertson", "Sandra Skinner",
    "Jamie Stone",
)  # fmt: skip
TAIN_2017 = Counter(
    {
        # Skinner's 139: to Ferguson 25, Louden 16, Rhind 18, Robertson 43, Stone 17, none 20
        (SKINNER, FERGUSON): 25, (SKINNER, LOUDEN): 16, (SKINNER, RHIND): 18,
        (SKINNER, ROBERTSON, LOUDEN): 43, (SKINNER, STONE): 17, (SKINNER,): 20,
        # Ferguson's 583: to Louden 23, Rhind 135, Robertson 152, Stone 155, none 118
        (FERGUSON, LOUDEN): 23, (FERGUSON, RHIND): 135, (FERGUSON, ROBERTSON, LOUDEN): 77,
        (FERGUSON, ROBERTSON): 75, (FERGUSON, STONE): 155, (FERGUSON,): 93,
        # Robertson's 903 at stage 4: Louden 120, Rhind 410, Stone 265, none 108
        (ROBERTSON, RHIND, STONE): 30, (ROBERTSON, RHIND): 380, (ROBERTSON, STONE): 265,
        (ROBERTSON,): 33,
        # Louden's 870 papers of value 1 at stage 5: Rhind 100, Stone 450, none 320
        (LOUDEN, STONE): 450, (LOUDEN, RHIND): 100, (LOUDEN,): 281,
        (RHIND, STONE): 480, (RHIND,): 89,
        (STONE,): 679,
    }
)  # fmt: skip
TAIN_2017_CANDIDATES = (FERGUSON, LOUDEN, RHIND, ROBERTSON, SKINNER, STONE)


def totals(result: Result, stage: int) -> dict[str, Decimal]:
    return dict(result.rounds[stage - 1].totals)


def whole_votes(result: Result, stage: int) -> dict[str, int]:
    return {
        name: int(votes.to_integral_value(ROUND_HALF_UP))
        for name, votes in result.rounds[stage - 1].totals.items()
    }


def test_tain_and_easter_ross_2017_gives_the_published_stage_figures():
    """Source: The Highland Council, "Candidate Votes Per Stage Report", Ward 7 Tain and
    Easter Ross, 4 May 2017 (report CandidateVotesPerStage_Report_Ward_7_-_Tain_and_Easter_
    Ross_05052017_153623.pdf): 3,484 valid votes, 3 seats, quota 872; stage 1 first
    preferences, stage 2 exclusion of Skinner, stage 3 exclusion of Ferguson, to five
    places. Stages 3 (Stone) to 6 in whole votes: Wikipedia, "Tain and Easter Ross (ward)",
    2017 election table, which gives the council's count rounded.

    The ward's preference profile was published (rule 56) but is not to hand, so the
    ballots above are rebuilt from the published figures: every sub-parcel of stages 2 and
    3 is as published (Ferguson's non-transferable 118 is what the published transfers leave
    of his 583). How Robertson's papers split at stage 4, Louden's at stage 5 and Rhind's
    at stage 6 is not published to the paper; the split above is one that gives every
    published whole-vote figure. So this proves the quota, the order of exclusions and
    surpluses, the exact figures of stages 1 to 3, and that the surpluses' transfer values
    (31/903 truncated to 0.03433, then Louden's) land on the published totals."""
    result = count(TAIN_2017_CANDIDATES, TAIN_2017, seats=3, seed="published seed")

    assert (result.valid_ballots, result.quota) == (3484, 872)
    assert [(r.action, r.candidate) for r in result.rounds] == [
        (FIRST, None), (EXCLUDED, SKINNER), (EXCLUDED, FERGUSON), (SURPLUS, ROBERTSON),
        (SURPLUS, LOUDEN), (EXCLUDED, RHIND),
    ]  # fmt: skip
    assert totals(result, 1) == {
        FERGUSON: D("558.00000"), LOUDEN: D("831.00000"), RHIND: D("569.00000"),
        ROBERTSON: D("708.00000"), SKINNER: D("139.00000"), STONE: D("679.00000"),
    }  # fmt: skip
    assert totals(result, 2) == {
        FERGUSON: D("583.00000"), LOUDEN: D("847.00000"), RHIND: D("587.00000"),
        ROBERTSON: D("751.00000"), SKINNER: D("0.00000"), STONE: D("696.00000"),
    }  # fmt: skip
    assert result.rounds[1].non_transferable == D("20.00000")
    assert result.rounds[1].transfers[SKINNER] == D("-139.00000")
    assert totals(result, 3) == {
        FERGUSON: D("0.00000"), LOUDEN: D("870.00000"), RHIND: D("722.00000"),
        ROBERTSON: D("903.00000"), SKINNER: D("0.00000"), STONE: D("851.00000"),
    }  # fmt: skip
    assert result.rounds[2].non_transferable == D("138.00000")
    assert result.rounds[2].elected == (ROBERTSON,)
    # Whole votes as published for stages 4 to 6 (candidates still in the count).
    assert {c: whole_votes(result, 4)[c] for c in (LOUDEN, STONE, RHIND)} == {
        LOUDEN: 874, STONE: 860, RHIND: 736,
    }  # fmt: skip
    assert {c: whole_votes(result, 5)[c] for c in (STONE, RHIND)} == {STONE: 861, RHIND: 736}
    assert whole_votes(result, 6)[STONE] == 1342
    assert result.elected == (ROBERTSON, LOUDEN, STONE)
    # Rule 49(3) to the paper: Robertson's 903 papers of value 1 move at 0.03433 each.
    assert result.rounds[3].transfers[LOUDEN] == 120 * D("0.03433")
    assert not result.lot_used


def test_tain_and_easter_ross_by_election_2017_gives_the_published_stage_figures():
    """Source: Wikipedia, "Tain and Easter Ross (ward)", by-election of 28 September 2017
    (valid 2,564, quota 1,283, counts 1 to 3), and The Highland Council's news release
    "Tain and Easter Ross by-election results" (Rhind elected at the 3rd stage with 1,290
    votes). Only exclusions at value 1 happen, so the published figures fix the size of
    every sub-parcel and the ballots above reproduce the count exactly; the non-transferable
    papers are what the published transfers leave (0, then 10)."""
    rhind, peace, sinclair, short, holdsworth, christian = (
        "Rhind", "Peace", "Sinclair", "Short", "Holdsworth", "Christian",
    )  # fmt: skip
    ballots = Counter(
        {
            (rhind,): 1266, (peace,): 612, (sinclair,): 372, (short,): 233,
            (christian, rhind): 1, (christian, peace): 4, (christian, sinclair): 4,
            (christian, short): 3, (christian, holdsworth, peace): 1,
            (holdsworth, rhind): 23, (holdsworth, peace): 17, (holdsworth, sinclair): 11,
            (holdsworth, short): 7, (holdsworth,): 10,
        }
    )  # fmt: skip
    result = count(
        [rhind, peace, sinclair, short, holdsworth, christian], ballots, seats=1, seed="s"
    )
    published = [
        {rhind: 1266, peace: 612, sinclair: 372, short: 233, holdsworth: 68, christian: 13},
        {rhind: 1267, peace: 616, sinclair: 376, short: 236, holdsworth: 69, christian: 0},
        {rhind: 1290, peace: 634, sinclair: 387, short: 243, holdsworth: 0, christian: 0},
    ]
    assert (result.valid_ballots, result.quota) == (2564, 1283)
    assert [dict(r.totals) for r in result.rounds] == published
    assert [r.non_transferable for r in result.rounds] == [0, 0, 10]
    assert [r.candidate for r in result.rounds] == [None, christian, holdsworth]
    assert result.elected == (rhind,) and result.rounds[2].elected == (rhind,)


# Random elections ------------------------------------------------------------------------


@st.composite
def elections(draw, max_candidates: int = 6) -> tuple[list[str], Counter, int]:
    """Up to 6 candidates, up to 12 distinct rankings of any length, each cast by 1 to 40
    voters: small enough to hit ties, equal surpluses and exhausted papers often."""
    n = draw(st.integers(2, max_candidates))
    candidates = [f"cand-{i}" for i in range(n)]
    seats = draw(st.integers(1, n))
    rankings = draw(
        st.lists(
            st.tuples(st.permutations(candidates), st.integers(1, n)).map(
                lambda drawn: tuple(drawn[0][: drawn[1]])
            ),
            min_size=1,
            max_size=12,
        )
    )
    ballots: Counter = Counter()
    for ranking in rankings:
        ballots[ranking] += draw(st.integers(1, 40))
    return candidates, ballots, seats


QUICK = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(QUICK, max_examples=600)
@given(elections())
def test_every_stage_accounts_for_every_vote_and_the_seats_are_filled(election):
    """Rule 47's quota; every seat filled; at every stage the candidates' totals, the
    non-transferable papers and the loss to truncation add up to the valid ballots exactly;
    the loss grows only at surplus stages, by less than 0.00001 a paper (rule 49(3)
    truncates each paper's value once); every figure has at most five decimal places."""
    candidates, ballots, seats = election
    result = count(candidates, ballots, seats, seed="s")
    valid = sum(ballots.values())
    assert result.valid_ballots == valid
    assert result.quota == valid // (seats + 1) + 1
    assert len(result.elected) == len(set(result.elected)) == seats
    assert [c for r in result.rounds for c in r.elected] == list(result.elected)
    lost = non_transferable = D(0)
    for r in result.rounds:
        assert sum(r.totals.values()) + r.non_transferable + r.lost == valid
        growth = r.lost - lost
        assert growth >= 0 and (growth == 0 or r.action == SURPLUS)
        assert growth < valid * STEP or growth == 0
        if r.stage > 1:
            moved = sum(r.transfers.values()) + (r.non_transferable - non_transferable)
            assert moved + growth == 0
        for value in [*r.totals.values(), *r.transfers.values(), r.non_transferable, r.lost]:
            assert value.as_tuple().exponent >= -5
            assert value == value.quantize(STEP)
        lost, non_transferable = r.lost, r.non_transferable
    quota_reached = {c for r in result.rounds for c in r.elected if r.totals[c] >= result.quota}
    continuing_at_end = set(result.elected) - quota_reached
    assert all(result.rounds[-1].totals[c] < result.quota for c in continuing_at_end)


@settings(QUICK, max_examples=200)
@given(elections(), st.randoms(use_true_random=False))
def test_the_count_depends_on_the_ballots_alone_not_their_order_or_grouping(election, rnd):
    candidates, ballots, seats = election
    grouped = count(candidates, ballots, seats, seed="published")
    papers = [list(ranking) for ranking in ballots.elements()]
    rnd.shuffle(papers)
    assert count(candidates, papers, seats, seed="published") == grouped
    assert count(candidates, [Ballot(tuple(p)) for p in papers], seats, "published") == grouped


@settings(QUICK, max_examples=400)
@given(elections())
def test_a_different_seed_changes_nothing_unless_a_lot_was_drawn(election):
    candidates, ballots, seats = election
    first = count(candidates, ballots, seats, seed="first seed")
    second = count(candidates, ballots, seats, seed="second seed")
    assert count(candidates, ballots, seats, seed="first seed") == first
    if not first.lot_used:
        assert second == replace(first, seed="second seed")


def drawn_by_lot(seed: str, stage: int, kind: str, tied: list[str]) -> str:
    """The lot as the module's docstring publishes it, redrawn independently."""
    digest = {
        c: hashlib.sha256(json.dumps(["coop stv lot", seed, stage, kind, c]).encode()).digest()
        for c in tied
    }
    return min(tied, key=digest.get)


def test_a_tie_at_every_stage_is_decided_by_a_lot_anyone_can_redraw_from_the_seed():
    """A and B have 2 votes each at the only earlier stage, so rule 52(2)(b) applies: the
    lot decides who is excluded, and with it who wins."""
    ballots = Counter({("A", "C"): 2, ("B", "A"): 2, ("C",): 3})
    winners = {}
    for seed in (f"seed {i}" for i in range(20)):
        result = count(["A", "B", "C"], ballots, seats=1, seed=seed)
        tie = result.rounds[1].tie
        assert tie is not None and tie.decided_by == "lot" and result.lot_used
        assert tie.kind == "exclusion" and tie.candidates == ("A", "B")
        assert (
            tie.chosen
            == result.rounds[1].candidate
            == drawn_by_lot(seed, 2, "exclusion", ["A", "B"])
        )
        assert "lot" in result.rounds[1].reason
        winners[result.elected] = seed
    assert set(winners) == {("A",), ("C",)}


def test_equal_lowest_candidates_are_split_by_the_most_recent_stage_where_they_differed():
    """X and Y tie at 6 after stage 3. At stage 2 X had fewer (5 to 6), at stage 1 more
    (5 to 4): rule 52(2)(a) looks at the most recent preceding stage, so X is excluded."""
    ballots = Counter({("H",): 10, ("X",): 5, ("Y",): 4, ("W", "X"): 1, ("W",): 2, ("Z", "Y"): 2})
    result = count(["H", "W", "X", "Y", "Z"], ballots, seats=1, seed="s")
    assert [r.candidate for r in result.rounds[1:4]] == ["Z", "W", "X"]
    tie = result.rounds[3].tie
    assert tie is not None and (tie.decided_by, tie.candidates) == ("earlier stage", ("X", "Y"))
    assert not result.lot_used


def test_equal_surpluses_go_in_the_order_of_the_votes_at_the_stage_before():
    """P and Q both reach 11 (quota 10) when S is excluded; at stage 1 P had 9 and Q 8, so
    P's surplus moves first (rule 50(2))."""
    ballots = Counter(
        {("P",): 9, ("Q",): 8, ("R",): 9, ("U",): 6, ("S", "P", "R"): 2, ("S", "Q", "U"): 3}
    )
    result = count(["P", "Q", "R", "S", "U"], ballots, seats=3, seed="s")
    assert result.quota == 10
    assert result.rounds[1].elected == ("P", "Q")
    assert [(r.action, r.candidate) for r in result.rounds[2:4]] == [(SURPLUS, "P"), (SURPLUS, "Q")]
    assert result.rounds[2].tie is not None
    assert result.rounds[2].tie.decided_by == "earlier stage"


def test_the_last_vacancies_go_to_the_continuing_candidates_without_further_transfer():
    """Rule 53: after A's election two continuing candidates remain for two seats, so they
    are deemed elected and A's surplus is never transferred."""
    result = count(["A", "B", "C"], Counter({("A", "C"): 10, ("B",): 3, ("C",): 2}), 3, "s")
    assert len(result.rounds) == 1
    assert result.elected == ("A", "B", "C")
    assert result.rounds[0].elected == ("A", "B", "C")
    assert "rule 53" in result.rounds[0].reason


def test_the_rounds_csv_has_a_row_per_stage_with_five_place_figures():
    result = count(TAIN_2017_CANDIDATES, TAIN_2017, seats=3, seed="s")
    rows = list(csv.DictReader(io.StringIO(rounds_csv(result))))
    assert len(rows) == len(result.rounds)
    assert rows[1]["action"] == "excluded" and rows[1]["candidate"] == SKINNER
    assert rows[1][f"{SKINNER} transfer"] == "-139.00000"
    assert rows[3][f"{LOUDEN} votes"] == "874.11960"
    assert rows[3]["lost to truncation"] == "0.00001"
    assert rows[2]["deemed elected"] == ROBERTSON


def test_the_rounds_csv_keeps_spreadsheets_from_running_a_name_as_a_formula():
    result = count(["=HYPERLINK(1)", "B"], Counter({("=HYPERLINK(1)",): 3, ("B",): 1}), 1, "s")
    text = rounds_csv(result)
    assert "'=HYPERLINK(1) votes" in text
    assert ",=HYPERLINK" not in text and not text.startswith("=")


# An independent implementation ---------------------------------------------------------


def stvpoll_count(candidates: list[str], ballots: Counter, seats: int):
    """STVPoll's ScottishSTV (PyPI stvpoll, VoteIT), with its rounding of paper values
    changed from round-half-even to truncation at five places, as rule 49(3) says."""
    from stvpoll.scottish_stv import ScottishSTV

    class Truncating(ScottishSTV):
        round = staticmethod(lambda value: value.quantize(STEP, rounding=ROUND_DOWN))

    poll = Truncating(seats, candidates, random_in_tiebreaks=False)
    for ranking, times in ballots.items():
        poll.add_ballot(ranking, times)
    return poll.calculate()


def stages_of(theirs) -> list[dict]:
    """STVPoll's votes after each transfer that is a stage under the rules. It logs one
    entry per transfer, and also "transfers" the nil surplus of a candidate elected with
    exactly the quota, which is no stage (rule 49 moves papers only from a candidate whose
    votes exceed the quota)."""
    from stvpoll.types import CandidateStatus, SelectionMethod

    log = iter(theirs.transfer_log)
    stages = [next(log)]
    for selection in theirs.rounds:
        if selection.selection_method == SelectionMethod.NoCompetition:
            continue  # elected without a transfer
        entry = next(log, None)
        nil_surplus = selection.status == CandidateStatus.Elected and all(
            selection.votes[c] == theirs.quota for c in selection.selected
        )
        if entry is not None and not nil_surplus:
            stages.append(entry)
    return stages


def comparable(result: Result) -> bool:
    """No tie anywhere (the two break ties differently), and no stage at which two
    candidates reach the quota while seats remain (STVPoll then transfers both surpluses in
    one step, and papers of the first may pass to the second: the rules skip candidates
    already deemed elected)."""
    if any(r.tie for r in result.rounds):
        return False
    elected = 0
    for r in result.rounds:
        by_quota = [c for c in r.elected if r.totals[c] >= result.quota]
        elected += len(by_quota)
        if len(by_quota) > 1 and elected < result.seats:
            return False
    return True


@settings(
    QUICK,
    max_examples=900,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(elections())
def test_stvpoll_agrees_on_every_stage_and_the_winners_where_the_rules_coincide(election):
    """STVPoll's Scottish STV follows the same rules where `comparable` holds: Droop quota,
    all of a candidate's papers transferred at (surplus / votes) times their value, the
    elected candidate kept at the quota, the lowest excluded with papers at their values,
    the last candidates elected when as many as the seats left. Its paper values are
    rounded half-even to five places; truncating them instead (`stvpoll_count`) makes the
    arithmetic that of rule 49(3), except that STVPoll divides in 28-digit decimals where
    this module divides exactly. So on comparable elections every candidate's total and
    the non-transferable papers agree at every stage up to this module's last (STVPoll may
    go on to transfer a surplus that rule 53(2) leaves alone), to within 0.00001 a paper
    per surplus transferred, and the winners are the same whenever the totals agree exactly."""
    candidates, ballots, seats = election
    assume(seats < len(candidates))
    ours = count(candidates, ballots, seats, seed="s")
    assume(comparable(ours))
    theirs = stvpoll_count(candidates, ballots, seats)
    log = stages_of(theirs)
    assert len(log) >= len(ours.rounds)
    valid = sum(ballots.values())
    exact = True
    for r, stage in zip(ours.rounds, log, strict=False):
        surpluses = sum(1 for earlier in ours.rounds[: r.stage] if earlier.action == SURPLUS)
        margin = valid * STEP * surpluses
        for candidate, votes in stage["current_votes"].items():
            assert abs(r.totals[candidate] - votes) <= margin
            exact = exact and r.totals[candidate] == votes
        assert abs(r.non_transferable - stage["exhausted_votes"]) <= margin
    if exact:
        assert set(theirs) == set(ours.elected)


# Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranking", "message"),
    [
        (("A", "B", "A"), "'A' is ranked more than once."),
        (("A", "Z"), "'Z' is not a candidate in this election."),
        ((), "The ballot ranks no candidate, so it cannot be counted."),
        ({}, "The ballot ranks no candidate, so it cannot be counted."),
        ({"A": 1, "B": 3}, "The ranking has no preference 2: preferences run 1, 2, 3"),
        ({"A": 2, "B": 3}, "The ranking has no preference 1"),
        ({"A": 1, "B": 1}, "'A' and 'B' are both ranked 1: each rank goes to one candidate."),
        ({"A": 0}, "The rank of 'A' must be a whole number, 1 or more."),
        ({"A": 1.5}, "The rank of 'A' must be a whole number, 1 or more."),
        ("AB", "A ranking lists candidate ids, one per preference, not one string."),
        (("A", 3), "Candidate ids are text, not int."),
    ],
)
def test_a_bad_ranking_is_refused_with_what_is_wrong(ranking, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        check_ranking(ranking, ["A", "B", "C"])


def test_a_good_ranking_comes_back_best_first():
    assert check_ranking({"C": 2, "A": 1}, ["A", "B", "C"]) == ("A", "C")
    assert check_ranking(["B"], ["A", "B", "C"]) == ("B",)
    assert Ballot.of({"B": 1, "A": 2}, ["A", "B"]) == Ballot(("B", "A"))


@pytest.mark.parametrize(
    ("ranking", "message"),
    [((), "ranks no candidate"), (("A", "A"), "ranked more than once"), ("A", "not one string")],
)
def test_a_ballot_refuses_an_empty_or_repeated_ranking(ranking, message):
    with pytest.raises(ValueError, match=message):
        Ballot(ranking)
    with pytest.raises(ValueError, match="'Z' is not a candidate"):
        Ballot.of(("Z",), ["A"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((["A", "B"], [("A",)], 0, "s"), "There must be at least one seat to fill."),
        ((["A", "B"], [("A",)], 3, "s"), "3 seats cannot be filled from 2 candidates."),
        ((["A", "B"], [("A",)], True, "s"), "There must be at least one seat to fill."),
        ((["A", "A"], [("A",)], 1, "s"), "Give each candidate once, by a unique id."),
        (([], [("A",)], 1, "s"), "Give each candidate once, by a unique id."),
        ((["A", ""], [("A",)], 1, "s"), "Candidate ids must be non-empty text."),
        ((["A", "B"], [("A",)], 1, ""), "Give the seed for drawing lots"),
        ((["A", "B"], [], 1, "s"), "There are no valid ballot papers to count."),
        ((["A", "B"], [("A",), ("B", "B")], 1, "s"), "Ballot 2: 'B' is ranked more than once."),
        ((["A", "B"], [("A",), ("C",)], 1, "s"), "Ballot 2: 'C' is not a candidate"),
        ((["A", "B"], [("A",), ()], 1, "s"), "Ballot 2: The ballot ranks no candidate"),
        ((["A", "B"], Counter({("A",): -1}), 1, "s"), "The number of ballots ranking"),
        ((["A", "B"], {("C",): 2}, 1, "s"), r"The ranking \('C',\): 'C' is not a candidate"),
    ],
)
def test_a_count_that_cannot_be_made_is_refused_with_a_clear_reason(arguments, message):
    with pytest.raises(ValueError, match=message):
        count(*arguments)


def test_a_random_electorate_of_realistic_size_is_counted_quickly():
    """A smoke test of the grouping: bench/stv.py measures 10,000 ballots properly."""
    rnd = random.Random(7)
    names = [f"c{i}" for i in range(8)]
    papers = [tuple(rnd.sample(names, rnd.randint(1, 8))) for _ in range(2000)]
    result = count(names, papers, seats=3, seed="s")
    assert len(result.elected) == 3
