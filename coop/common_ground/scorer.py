"""Common-ground scoring: which ideas are supported across the main divide among members.

The method is the one X's Community Notes uses to rate notes, applied to support and
opposition. Each reaction becomes a rating y (support 1, oppose 0) modelled as

    y ≈ mu + member_intercept + idea_intercept + member_factor * idea_factor

and the parameters minimise the mean squared error plus L2 penalties on the mean squared
intercepts (INTERCEPT_LAMBDA) and factors (FACTOR_LAMBDA), the intercepts held back harder.
The one-dimensional factor product soaks up the support that follows the main divide
(members on one side, ideas liked by that side), so the idea intercept is the support left
once the divide is explained away: the common-ground score. Ideas that only one side
supports get a large factor and a modest intercept, however many votes they collect; a
handful of votes cannot move an intercept far from zero against the penalty.

The fit is alternating ridge regression: with one side's parameters fixed, each idea (or
member) is a 2x2 least-squares problem, solved for all ideas at once from sums that are
sparse matrix-vector products (scipy.sparse).
It starts from a fixed, seeded position and visits the reactions in sorted order, so the
same reactions always give the same scores.

Member factors are political opinions. They exist only in memory inside `fit` and
`score`: never store, log, show or export them.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import sparse

INTERCEPT_LAMBDA = 0.15
FACTOR_LAMBDA = 0.03

# Minimum votes. A member counts once they have reacted to MIN_MEMBER_VOTES ideas (fewer
# says nothing about where they stand). An idea gets a verdict once it has MIN_IDEA_VOTES
# counted votes, at least MIN_SIDE_VOTES from each side of the divide; until then it
# "needs more votes".
MIN_MEMBER_VOTES = 3
MIN_IDEA_VOTES = 10
MIN_SIDE_VOTES = 3

# Common ground (Community Notes' helpfulness thresholds): intercept at least 0.40, factor
# below 0.50 in size, and more support than opposition among the counted votes of each
# side. An idea that already had common ground keeps it until it falls below the looser
# KEEP_ thresholds, so statuses do not flicker between runs.
MIN_SCORE = 0.40
MAX_DIVIDE = 0.50
KEEP_MIN_SCORE = 0.37
KEEP_MAX_DIVIDE = 0.55
# Members this close to the middle of the divide are on neither side for the side counts.
SIDE_MARGIN = 0.05

MAX_ITERATIONS = 200
TOLERANCE = 1e-6
SEED = 20_261_128


class Status(StrEnum):
    COMMON_GROUND = "common_ground"
    NEEDS_MORE_VOTES = "needs_votes"
    NOT_SUPPORTED = "not_supported"


@dataclass(frozen=True)
class IdeaResult:
    """One idea's result. `score` is the idea intercept (0 when no counted votes);
    `divide` its position on the main divide, signed so that side A (the side with more
    counted members) is positive; `side_a_support` and `side_b_support` the share of
    support among the counted votes of each side (None below MIN_SIDE_VOTES)."""

    score: float
    divide: float
    status: Status
    votes: int
    side_a_support: float | None
    side_b_support: float | None


@dataclass(frozen=True)
class Reactions:
    """Reactions as three equal-length arrays: member ids, idea ids, values (+1 or -1)."""

    members: np.ndarray
    ideas: np.ndarray
    values: np.ndarray

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int, int]]) -> "Reactions":
        table = np.array(list(rows), dtype=np.int64).reshape(-1, 3)
        return cls(table[:, 0], table[:, 1], table[:, 2])


@dataclass(frozen=True)
class Fit:
    """The fitted model over the counted reactions. Holds member factors: keep in memory."""

    idea_ids: np.ndarray
    idea_intercepts: np.ndarray
    idea_factors: np.ndarray
    member_ids: np.ndarray
    member_factors: np.ndarray
    mean: float
    iterations: int
    # Counted votes per idea: total, then support and votes on each side.
    votes: np.ndarray
    side_a_votes: np.ndarray
    side_a_supports: np.ndarray
    side_b_votes: np.ndarray
    side_b_supports: np.ndarray
    # Ideas whose every reaction came from members with too few votes.
    uncounted_idea_ids: np.ndarray


def score(
    reactions: Reactions | Iterable[tuple[int, int, int]],
    previous: Mapping[int, str] | None = None,
) -> dict[int, IdeaResult]:
    """Score every idea that appears in `reactions`.

    `reactions` are (member id, idea id, value) with value +1 (support) or -1 (oppose), at
    most one per member and idea, in any order; a `Reactions` of arrays is faster for
    millions. `previous` maps idea ids to the status each had after the last run, for the
    hysteresis.

    Returns {idea id: IdeaResult} with, for each idea, its score (the idea intercept, on
    the 0-1 rating scale: higher is more support the divide does not explain), its
    position on the main divide (the idea factor) and its status:

    - NEEDS_MORE_VOTES: fewer than MIN_IDEA_VOTES counted votes, or fewer than
      MIN_SIDE_VOTES from either side (members' votes count from MIN_MEMBER_VOTES);
    - COMMON_GROUND: score >= MIN_SCORE, |divide| < MAX_DIVIDE and more support than
      opposition on each side (KEEP_MIN_SCORE, KEEP_MAX_DIVIDE and no net opposition on
      either side for an idea whose previous status was COMMON_GROUND);
    - NOT_SUPPORTED: otherwise.

    Pure: reads nothing else and writes nothing; the same arguments give the same result.
    Raises ValueError on a value other than +1/-1 or on a repeated (member, idea) pair.
    """
    return statuses(fit(reactions), previous)


def fit(reactions: Reactions | Iterable[tuple[int, int, int]]) -> Fit:
    """Fit the model (see the module docstring). The result holds member factors."""
    data = reactions if isinstance(reactions, Reactions) else Reactions.from_rows(reactions)
    members, ideas, values = _checked(data)
    all_idea_ids = np.unique(ideas)

    member_ids, member_index, member_counts = np.unique(
        members, return_inverse=True, return_counts=True
    )
    counted = member_counts[member_index] >= MIN_MEMBER_VOTES
    member_ids, member_index = np.unique(members[counted], return_inverse=True)
    idea_ids, idea_index = np.unique(ideas[counted], return_inverse=True)
    ratings = (values[counted] + 1) / 2.0
    uncounted = np.setdiff1d(all_idea_ids, idea_ids, assume_unique=True)

    model = _Model(member_index, idea_index, ratings, len(member_ids), len(idea_ids))
    iterations = model.run()
    member_factors, idea_factors = model.member_factors, model.idea_factors
    if np.count_nonzero(member_factors > 0) < np.count_nonzero(member_factors < 0):
        member_factors, idea_factors = -member_factors, -idea_factors

    side_a = member_factors[member_index] > SIDE_MARGIN
    side_b = member_factors[member_index] < -SIDE_MARGIN
    supports = ratings > 0.5
    n_ideas = len(idea_ids)

    def per_idea(mask: np.ndarray) -> np.ndarray:
        return np.bincount(idea_index[mask], minlength=n_ideas)

    return Fit(
        idea_ids=idea_ids,
        idea_intercepts=model.idea_intercepts,
        idea_factors=idea_factors,
        member_ids=member_ids,
        member_factors=member_factors,
        mean=model.mean,
        iterations=iterations,
        votes=np.bincount(idea_index, minlength=n_ideas),
        side_a_votes=per_idea(side_a),
        side_a_supports=per_idea(side_a & supports),
        side_b_votes=per_idea(side_b),
        side_b_supports=per_idea(side_b & supports),
        uncounted_idea_ids=uncounted,
    )


def statuses(fitted: Fit, previous: Mapping[int, str] | None = None) -> dict[int, IdeaResult]:
    """Turn a fit into each idea's result, with hysteresis against `previous` statuses."""
    previous = previous or {}
    results: dict[int, IdeaResult] = {}
    for n, idea_id in enumerate(fitted.idea_ids.tolist()):
        a_votes, b_votes = int(fitted.side_a_votes[n]), int(fitted.side_b_votes[n])
        a_share = _share(int(fitted.side_a_supports[n]), a_votes)
        b_share = _share(int(fitted.side_b_supports[n]), b_votes)
        intercept = float(fitted.idea_intercepts[n])
        divide = float(fitted.idea_factors[n])
        votes = int(fitted.votes[n])
        if a_share is None or b_share is None or votes < MIN_IDEA_VOTES:
            status = Status.NEEDS_MORE_VOTES
        elif _common_ground(
            intercept, divide, a_share, b_share, previous.get(idea_id) == Status.COMMON_GROUND
        ):
            status = Status.COMMON_GROUND
        else:
            status = Status.NOT_SUPPORTED
        results[idea_id] = IdeaResult(
            round(intercept, 6), round(divide, 6), status, votes, a_share, b_share
        )
    for idea_id in fitted.uncounted_idea_ids.tolist():
        results[idea_id] = IdeaResult(0.0, 0.0, Status.NEEDS_MORE_VOTES, 0, None, None)
    return results


def _common_ground(
    intercept: float, divide: float, a_share: float, b_share: float, had_it: bool
) -> bool:
    if had_it:
        return (
            intercept >= KEEP_MIN_SCORE
            and abs(divide) < KEEP_MAX_DIVIDE
            and min(a_share, b_share) >= 0.5
        )
    return intercept >= MIN_SCORE and abs(divide) < MAX_DIVIDE and min(a_share, b_share) > 0.5


def _share(supports: int, votes: int) -> float | None:
    return round(supports / votes, 4) if votes >= MIN_SIDE_VOTES else None


def _checked(data: Reactions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    members = np.asarray(data.members, dtype=np.int64)
    ideas = np.asarray(data.ideas, dtype=np.int64)
    values = np.asarray(data.values, dtype=np.int64)
    if not members.shape == ideas.shape == values.shape or members.ndim != 1:
        raise ValueError("members, ideas and values must be equal-length 1-d arrays")
    if not np.all((values == 1) | (values == -1)):
        raise ValueError("a reaction's value must be +1 (support) or -1 (oppose)")
    # Sorted by (member, idea): the sums below then add up in the same order every time.
    order = np.lexsort((ideas, members))
    members, ideas, values = members[order], ideas[order], values[order]
    repeated = (members[1:] == members[:-1]) & (ideas[1:] == ideas[:-1])
    if repeated.any():
        raise ValueError("at most one reaction per member and idea")
    return members, ideas, values


class _Model:
    """Alternating ridge solves of the Community Notes loss (in sum form: each mean-squared
    penalty becomes a per-parameter weight of lambda * ratings / parameters).

    Every sum the solves need is a sparse matrix-vector product with the idea x member
    matrix of who reacted (`voted`) or of their ratings (`rated`), so an iteration costs a
    few passes over the reactions and no per-reaction temporaries."""

    def __init__(self, members, ideas, ratings, n_members: int, n_ideas: int):
        shape = (n_ideas, n_members)
        self.voted = sparse.csr_matrix((np.ones(len(ratings)), (ideas, members)), shape=shape)
        self.rated = sparse.csr_matrix((ratings, (ideas, members)), shape=shape)
        self.voted_t = self.voted.T.tocsr()
        self.rated_t = self.rated.T.tocsr()
        self.total = len(ratings)
        self.rating_sum = float(ratings.sum())
        self.idea_counts = np.asarray(self.voted.sum(axis=1)).ravel()
        self.member_counts = np.asarray(self.voted.sum(axis=0)).ravel()
        self.idea_ratings = np.asarray(self.rated.sum(axis=1)).ravel()
        self.member_ratings = np.asarray(self.rated.sum(axis=0)).ravel()
        per_member = self.total / max(n_members, 1)
        per_idea = self.total / max(n_ideas, 1)
        self.member_penalties = (INTERCEPT_LAMBDA * per_member, FACTOR_LAMBDA * per_member)
        self.idea_penalties = (INTERCEPT_LAMBDA * per_idea, FACTOR_LAMBDA * per_idea)
        rng = np.random.default_rng(SEED)
        self.member_factors = rng.normal(0.0, 0.1, n_members)
        self.member_intercepts = np.zeros(n_members)
        self.idea_factors = np.zeros(n_ideas)
        self.idea_intercepts = np.zeros(n_ideas)
        self.mean = self.rating_sum / self.total / (1 + INTERCEPT_LAMBDA) if self.total else 0.0

    def run(self) -> int:
        if not self.total:
            return 0
        iteration = 0
        while iteration < MAX_ITERATIONS:
            iteration += 1
            before = self.idea_intercepts, self.idea_factors
            self.idea_intercepts, self.idea_factors = _ridge(
                self.voted,
                self.rated,
                self.idea_counts,
                self.idea_ratings,
                self.mean,
                self.member_intercepts,
                self.member_factors,
                self.idea_penalties,
            )
            self.member_intercepts, self.member_factors = _ridge(
                self.voted_t,
                self.rated_t,
                self.member_counts,
                self.member_ratings,
                self.mean,
                self.idea_intercepts,
                self.idea_factors,
                self.member_penalties,
            )
            products = self.idea_factors @ (self.voted @ self.member_factors)
            residual = (
                self.rating_sum
                - self.member_counts @ self.member_intercepts
                - self.idea_counts @ self.idea_intercepts
                - products
            )
            self.mean = residual / self.total / (1 + INTERCEPT_LAMBDA)
            change = max(
                np.abs(self.idea_intercepts - before[0]).max(),
                np.abs(self.idea_factors - before[1]).max(),
            )
            if change < TOLERANCE:
                break
        return iteration


def _ridge(voted, rated, counts, rating_sums, mean, intercepts, factors, penalties):
    """For every row of `voted` (an idea, or a member in the transposed matrices) at once:
    the intercept b and factor g minimising, over the row's reactions with the other side's
    intercept a and factor f, sum((rating - mean - a - b - f * g)^2) + penalties . (b^2, g^2).
    """
    sums = voted @ np.column_stack((factors, factors * factors, intercepts, intercepts * factors))
    sum_factor, sum_factor_sq = sums[:, 0], sums[:, 1]
    sum_target = rating_sums - mean * counts - sums[:, 2]
    sum_cross = rated @ factors - mean * sum_factor - sums[:, 3]
    a = counts + penalties[0]
    b = sum_factor
    d = sum_factor_sq + penalties[1]
    determinant = a * d - b * b
    new_intercepts = (d * sum_target - b * sum_cross) / determinant
    new_factors = (a * sum_cross - b * sum_target) / determinant
    return new_intercepts, new_factors
