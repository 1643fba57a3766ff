"""A voter's ranking of candidates, checked: best first, by candidate id, each candidate once,
every one a candidate of the election; from a list, or from ranks 1, 2, 3 without gaps."""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Ballot:
    """One voter's ranking, best first, by candidate id."""

    ranking: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranking", _check_order(_as_order(self.ranking)))

    @classmethod
    def of(cls, ranking: Sequence[str] | Mapping[str, int], candidates: Iterable[str]) -> "Ballot":
        return cls(check_ranking(ranking, candidates))


def check_ranking(
    ranking: Sequence[str] | Mapping[str, int], candidates: Iterable[str]
) -> tuple[str, ...]:
    """The ranking as candidate ids, best first, or ValueError saying what is wrong with it.
    A mapping gives each candidate's rank (1 best); the ranks must run 1, 2, 3 without
    gaps or repeats."""
    order = _check_order(_as_order(ranking))
    known = set(candidates)
    for candidate in order:
        if candidate not in known:
            raise ValueError(f"{candidate!r} is not a candidate in this election.")
    return order


def _as_order(ranking: Sequence[str] | Mapping[str, int]) -> tuple[str, ...]:
    if isinstance(ranking, Mapping):
        return _order_of_ranks(ranking)
    if isinstance(ranking, str):
        raise ValueError("A ranking lists candidate ids, one per preference, not one string.")
    return tuple(ranking)


def _order_of_ranks(ranks: Mapping[str, int]) -> tuple[str, ...]:
    by_rank: dict[int, list[str]] = {}
    for candidate, rank in ranks.items():
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ValueError(f"The rank of {candidate!r} must be a whole number, 1 or more.")
        by_rank.setdefault(rank, []).append(candidate)
    for rank, holders in sorted(by_rank.items()):
        if len(holders) > 1:
            names = " and ".join(repr(c) for c in holders)
            raise ValueError(f"{names} are both ranked {rank}: each rank goes to one candidate.")
    for expected, rank in enumerate(sorted(by_rank), start=1):
        if rank != expected:
            raise ValueError(
                f"The ranking has no preference {expected}: preferences run 1, 2, 3 and so "
                "on without gaps."
            )
    return tuple(by_rank[rank][0] for rank in sorted(by_rank))


def _check_order(order: tuple[str, ...]) -> tuple[str, ...]:
    if not order:
        raise ValueError("The ballot ranks no candidate, so it cannot be counted.")
    for candidate in order:
        if not isinstance(candidate, str):
            raise ValueError(f"Candidate ids are text, not {type(candidate).__name__}.")
    repeated = [c for c, times in Counter(order).items() if times > 1]
    if repeated:
        raise ValueError(f"{repeated[0]!r} is ranked more than once.")
    return order
