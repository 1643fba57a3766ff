"""The scorer on synthetic populations: two opinion camps of unequal size."""

import random

import numpy as np
import pytest

from coop.common_ground import scorer
from coop.common_ground.scorer import Fit, Reactions, Status
from tests.common_ground import population as pop


@pytest.fixture(scope="module")
def people() -> pop.Population:
    return pop.two_camps()


@pytest.fixture(scope="module")
def results(people) -> dict[int, scorer.IdeaResult]:
    return scorer.score(people.reactions)


def ranked(results: dict[int, scorer.IdeaResult]) -> list[int]:
    return sorted(results, key=lambda idea: (-results[idea].score, idea))


def test_bridging_ideas_rank_above_every_other_idea_and_have_common_ground(results):
    bridging = set(pop.BRIDGING)
    assert set(ranked(results)[: len(bridging)]) == bridging
    assert all(results[idea].status == Status.COMMON_GROUND for idea in bridging)
    others = set(results) - bridging
    assert not any(results[idea].status == Status.COMMON_GROUND for idea in others)


def test_popular_one_camp_idea_ranks_below_all_bridging_ideas(people, results):
    popular = results[pop.POPULAR]
    assert people.votes(pop.POPULAR) > 2 * max(people.votes(i) for i in pop.BRIDGING)
    assert people.raw_support(pop.POPULAR) > 1.5 * max(people.raw_support(i) for i in pop.BRIDGING)
    assert popular.score < min(results[idea].score for idea in pop.BRIDGING)
    assert popular.status == Status.NOT_SUPPORTED
    assert abs(popular.divide) >= scorer.MAX_DIVIDE
    assert all(abs(results[idea].divide) < scorer.MAX_DIVIDE / 2 for idea in pop.BRIDGING)


def test_camp_ideas_sit_on_opposite_sides_of_the_divide(results):
    big = [results[idea].divide for idea in pop.BIG_CAMP_IDEAS]
    small = [results[idea].divide for idea in pop.SMALL_CAMP_IDEAS]
    assert min(big) > 0 > max(small)  # side A, the side with more members, is positive
    for idea in pop.BIG_CAMP_IDEAS:
        assert results[idea].side_a_support > 0.5 > results[idea].side_b_support


def test_member_factor_separates_the_camps(people):
    fitted = scorer.fit(people.reactions)
    factors = dict(zip(fitted.member_ids.tolist(), fitted.member_factors.tolist(), strict=True))
    big = [factors[m] for m, camp in people.camp_of.items() if camp == "big" and m in factors]
    small = [factors[m] for m, camp in people.camp_of.items() if camp == "small" and m in factors]
    assert len(big) > 200 and len(small) > 100
    assert min(big) > 0 > max(small)


def test_new_idea_with_a_handful_of_votes_stays_out_of_the_top(people, results):
    assert people.votes(pop.NEW) == 5 and people.raw_support(pop.NEW) == 5
    new = results[pop.NEW]
    assert new.status == Status.NEEDS_MORE_VOTES
    assert ranked(results).index(pop.NEW) >= len(pop.BRIDGING)
    assert new.score < min(results[idea].score for idea in pop.BRIDGING) - 0.15


def test_scores_barely_move_when_a_tenth_of_the_votes_is_dropped(people, results):
    rng = random.Random(3)
    kept = [reaction for reaction in people.reactions if rng.random() >= 0.10]
    thinned = scorer.score(kept)
    compared = [idea for idea, result in results.items() if result.votes >= scorer.MIN_IDEA_VOTES]
    moves = [abs(results[idea].score - thinned[idea].score) for idea in compared]
    assert max(moves) < 0.05
    assert np.mean(moves) < 0.02
    assert set(ranked(thinned)[: len(pop.BRIDGING)]) == set(pop.BRIDGING)
    assert thinned[pop.POPULAR].score < min(thinned[idea].score for idea in pop.BRIDGING)


def test_the_same_reactions_in_any_order_give_identical_results(people, results):
    shuffled = list(people.reactions)
    random.Random(11).shuffle(shuffled)
    assert scorer.score(shuffled) == results
    members, ideas, values = (np.array(column) for column in zip(*shuffled, strict=True))
    assert scorer.score(Reactions(members, ideas, values)) == results


def test_larger_camp_is_side_a_whichever_ids_it_has():
    people = pop.two_camps(seed=5, big=130, small=220)  # the camp with low ids is now smaller
    fitted = scorer.fit(people.reactions)
    factors = dict(zip(fitted.member_ids.tolist(), fitted.member_factors.tolist(), strict=True))
    assert all(factors[m] < 0 for m, camp in people.camp_of.items() if camp == "big")


# Minimum votes


def test_members_with_too_few_reactions_are_not_counted(people):
    newcomer = 9_999  # reacts to two ideas only
    extra = [(newcomer, pop.POPULAR, -1), (newcomer, 1, 1)]
    fitted = scorer.fit(people.reactions + extra)
    assert newcomer not in fitted.member_ids
    assert scorer.score(people.reactions + extra) == scorer.score(people.reactions)


def test_idea_needs_enough_votes_and_votes_from_both_sides(people):
    big_members = [m for m, camp in people.camp_of.items() if camp == "big"]
    small_members = [m for m, camp in people.camp_of.items() if camp == "small"]
    one_sided, nearly = 501, 502
    extra = [(m, one_sided, 1) for m in big_members[:40]]  # many votes, one side only
    extra += [(m, nearly, 1) for m in big_members[:7] + small_members[:2]]  # 9 votes
    results = scorer.score(people.reactions + extra)
    assert results[one_sided].votes == 40
    assert results[one_sided].side_b_support is None
    assert results[one_sided].status == Status.NEEDS_MORE_VOTES
    assert results[nearly].status == Status.NEEDS_MORE_VOTES


def test_idea_whose_voters_all_have_too_few_votes_still_gets_a_result():
    results = scorer.score([(1, 10, 1), (2, 10, 1), (3, 11, -1)])
    assert results[10] == scorer.IdeaResult(0.0, 0.0, Status.NEEDS_MORE_VOTES, 0, None, None)
    assert set(results) == {10, 11}


def test_no_reactions_give_no_results():
    assert scorer.score([]) == {}


@pytest.mark.parametrize(
    "reactions",
    [[(1, 1, 2)], [(1, 1, 0)], [(1, 1, 1), (1, 1, -1)]],
    ids=["value 2", "value 0", "two reactions by one member"],
)
def test_invalid_reactions_are_refused(reactions):
    with pytest.raises(ValueError):
        scorer.score(reactions)


# Thresholds and hysteresis, on a fitted model written by hand


def one_idea_fit(intercept: float, factor: float, a: tuple[int, int], b: tuple[int, int]) -> Fit:
    """A fit of idea 1 with `intercept`, `factor` and (supports, votes) on sides A and B."""

    def array(value):
        return np.array([value])

    return Fit(
        idea_ids=array(1),
        idea_intercepts=array(intercept),
        idea_factors=array(factor),
        member_ids=np.array([], dtype=np.int64),
        member_factors=np.array([]),
        mean=0.2,
        iterations=1,
        votes=array(a[1] + b[1]),
        side_a_votes=array(a[1]),
        side_a_supports=array(a[0]),
        side_b_votes=array(b[1]),
        side_b_supports=array(b[0]),
        uncounted_idea_ids=np.array([], dtype=np.int64),
    )


@pytest.mark.parametrize(
    ("intercept", "factor", "a", "b", "expected"),
    [
        (0.40, 0.0, (8, 10), (8, 10), Status.COMMON_GROUND),
        (0.39, 0.0, (8, 10), (8, 10), Status.NOT_SUPPORTED),
        (0.60, 0.49, (8, 10), (8, 10), Status.COMMON_GROUND),
        (0.60, -0.50, (8, 10), (8, 10), Status.NOT_SUPPORTED),
        (0.60, 0.0, (8, 10), (5, 10), Status.NOT_SUPPORTED),  # a tie is not net support
        (0.60, 0.0, (8, 10), (2, 2), Status.NEEDS_MORE_VOTES),  # too few from side B
        (0.60, 0.0, (4, 4), (4, 5), Status.NEEDS_MORE_VOTES),  # 9 votes in all
    ],
)
def test_common_ground_thresholds(intercept, factor, a, b, expected):
    assert scorer.statuses(one_idea_fit(intercept, factor, a, b))[1].status == expected


@pytest.mark.parametrize(
    ("intercept", "factor", "b", "kept"),
    [
        (0.38, 0.0, (8, 10), True),
        (0.37, 0.54, (8, 10), True),
        (0.60, 0.0, (5, 10), True),
        (0.36, 0.0, (8, 10), False),
        (0.60, 0.55, (8, 10), False),
        (0.60, 0.0, (4, 10), False),
    ],
)
def test_common_ground_is_kept_until_the_looser_thresholds(intercept, factor, b, kept):
    fitted = one_idea_fit(intercept, factor, (8, 10), b)
    before = {1: Status.COMMON_GROUND.value}
    assert (scorer.statuses(fitted, before)[1].status == Status.COMMON_GROUND) is kept
    if intercept < scorer.MIN_SCORE or abs(factor) >= scorer.MAX_DIVIDE or b[0] * 2 <= b[1]:
        assert scorer.statuses(fitted)[1].status != Status.COMMON_GROUND
