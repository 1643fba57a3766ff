"""How a closed vote is decided: pure functions, no app needed."""

import pytest

from coop.proposals.models import Rule
from coop.proposals.rules import decide, quorum_met, rule_met


@pytest.mark.parametrize(
    ("votes_for", "votes_against", "carried"),
    [(2, 1, True), (1, 0, True), (51, 50, True), (1, 1, False), (50, 50, False), (1, 2, False)],
)
def test_a_majority_needs_strictly_more_for_than_against(votes_for, votes_against, carried):
    assert rule_met(Rule.MAJORITY, votes_for, votes_against) is carried


@pytest.mark.parametrize(
    ("votes_for", "votes_against", "carried"),
    [(2, 1, True), (200, 100, True), (3, 1, True), (199, 101, False), (3, 2, False)],
)
def test_two_thirds_is_met_at_exactly_two_thirds_and_not_below(votes_for, votes_against, carried):
    assert rule_met(Rule.TWO_THIRDS, votes_for, votes_against) is carried


@pytest.mark.parametrize(
    ("votes_for", "votes_against", "carried"),
    [(3, 1, True), (75, 25, True), (4, 0, True), (74, 26, False), (2, 1, False)],
)
def test_three_quarters_is_met_at_exactly_three_quarters_and_not_below(
    votes_for, votes_against, carried
):
    assert rule_met(Rule.THREE_QUARTERS, votes_for, votes_against) is carried


def test_abstentions_are_left_out_of_the_ratio_but_counted_in_turnout():
    result = decide(Rule.TWO_THIRDS, 2, 1, 50, electorate=100, quorum_percent=None)
    assert result.carried
    assert result.turnout == 53
    assert not decide(Rule.MAJORITY, 1, 1, 50, electorate=100, quorum_percent=None).carried


def test_abstentions_count_towards_the_quorum():
    result = decide(Rule.MAJORITY, 1, 0, 2, electorate=10, quorum_percent=30)
    assert result.quorum_met and result.carried


@pytest.mark.parametrize(
    ("turnout", "electorate", "percent", "met"),
    [(3, 10, 30, True), (2, 10, 30, False), (1, 3, 34, False), (2, 3, 66, True), (0, 5, 1, False)],
)
def test_quorum_is_a_share_of_the_electorate(turnout, electorate, percent, met):
    assert quorum_met(turnout, electorate, percent) is met


def test_without_a_quorum_any_turnout_counts():
    assert quorum_met(0, 100, None)


def test_a_missed_quorum_means_not_carried_whatever_the_votes():
    result = decide(Rule.MAJORITY, 2, 0, 0, electorate=10, quorum_percent=30)
    assert not result.quorum_met
    assert not result.carried


@pytest.mark.parametrize("rule", list(Rule))
def test_zero_votes_is_not_carried(rule):
    result = decide(rule, 0, 0, 0, electorate=10, quorum_percent=None)
    assert result.turnout == 0
    assert result.quorum_met
    assert not result.carried


@pytest.mark.parametrize("rule", list(Rule))
def test_only_abstentions_is_not_carried(rule):
    assert not decide(rule, 0, 0, 5, electorate=10, quorum_percent=None).carried


def test_the_result_keeps_every_count():
    result = decide(Rule.MAJORITY, 4, 3, 2, electorate=20, quorum_percent=25)
    assert (result.votes_for, result.votes_against, result.votes_abstain) == (4, 3, 2)
    assert result.electorate == 20
    assert result.quorum_met and result.carried
