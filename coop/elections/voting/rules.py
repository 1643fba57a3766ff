"""Pure decisions of an election's vote: the order of the ballot paper, a member's ranking
read from the ballot form, and the first-past-the-post count. No database, no Flask, so
that the recount (coop/elections/voting/recount.py) runs them from a file alone."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from coop.ballots.record import box_context
from coop.elections.rankings import check_ranking


def election_context(box_id: int, paper: Sequence[tuple[int, str]], seats: int, method: str,
                     seed: str) -> bytes:  # fmt: skip
    """What every ballot's proof and tracker, the mix's proof and each decryption's proof of
    an election are bound to: the box's context and SHA-256 of the election's parameters as
    fixed when the box opened (the candidates in ballot-paper order, each as its nomination
    id and name, the seats, the method and the lot seed), as canonical JSON. A ballot set
    whose candidates were relabelled or reordered, or whose seats, method or seed were
    changed, then fails every proof of the recount."""
    parameters = {
        "candidates": [[int(nomination), str(name)] for nomination, name in paper],
        "method": str(method),
        "seats": int(seats),
        "seed": str(seed),
    }
    text = json.dumps(parameters, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(b"coop election parameters\x00" + text.encode()).digest()
    return box_context(box_id) + b"\x00" + digest


def ballot_order(seed: str, nomination_ids: Sequence[int]) -> list[int]:
    """The nominations in ballot-paper order: by SHA-256 of the JSON array ["coop ballot
    order", seed, nomination id], smallest first. The seed was published when the election
    was set up, before anyone knew who would stand, so nobody chooses the order; a random
    order spreads the advantage the top of a paper gives (ballot-order effect) instead of
    handing it to the start of the alphabet. Anyone can recompute it."""

    def key(nomination_id: int) -> bytes:
        text = json.dumps(["coop ballot order", seed, nomination_id], separators=(",", ":"))
        return hashlib.sha256(text.encode()).digest()

    return sorted(nomination_ids, key=key)


class RankingError(ValueError):
    """What is wrong with a ballot form, and the field (preference_N or marks) it concerns."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def read_ranking(choices: Sequence[str | None], candidates: int) -> tuple[int, ...]:
    """A ranking from the ballot form's selects, the first preference first: each value a
    ballot-paper position ("0", "1", ...) or empty. Refused with the field at fault when a
    preference is left empty before a later one (a gap), a candidate is ranked twice, or a
    value is not a candidate; at least one preference is needed."""
    if len(choices) > candidates:
        raise RankingError("There are more preferences than candidates.", "preference_1")
    positions: list[int] = []
    gap: int | None = None
    for number, value in enumerate(choices, start=1):
        value = (value or "").strip()
        if not value:
            gap = gap or number
            continue
        if gap is not None:
            raise RankingError(
                f"Preference {gap} is empty but preference {number} is not: number your "
                "preferences 1, 2, 3 and so on without gaps.",
                f"preference_{gap}",
            )
        if not value.isdecimal() or int(value) >= candidates:
            raise RankingError("Choose a candidate from the list.", f"preference_{number}")
        if int(value) in positions:
            raise RankingError(
                "You have already given this candidate an earlier preference: each candidate once.",
                f"preference_{number}",
            )
        positions.append(int(value))
    if not positions:
        raise RankingError("Give at least your first preference.", "preference_1")
    names = [str(p) for p in range(candidates)]
    check_ranking([str(p) for p in positions], names)  # the count's own check, once more
    return tuple(positions)


def read_marks(values: Sequence[str], candidates: int, seats: int) -> tuple[int, ...]:
    """First past the post: the candidates marked, at most one per seat, as ballot-paper
    positions in paper order (the order of marks means nothing)."""
    marks: set[int] = set()
    for value in values:
        value = (value or "").strip()
        if not value.isdecimal() or int(value) >= candidates:
            raise RankingError("Choose candidates from the list.", "marks")
        marks.add(int(value))
    if not marks:
        raise RankingError("Mark at least one candidate.", "marks")
    if len(marks) > seats:
        raise RankingError(f"Mark at most {seats} candidate(s): one per seat.", "marks")
    return tuple(sorted(marks))


@dataclass(frozen=True)
class Plurality:
    """A first-past-the-post count: each mark one vote, the most votes elected."""

    candidates: tuple[str, ...]
    seats: int
    votes: dict[str, int]
    elected: tuple[str, ...]
    valid_ballots: int
    lot: tuple[str, ...]  # candidates whose place among equals was decided by lot


def plurality(candidates: Sequence[str], rankings: Sequence[Sequence[str]], seats: int,
              seed: str) -> Plurality:  # fmt: skip
    """Every candidate a ballot marks gets one vote from it (as many marks as seats, each of
    equal weight). The `seats` with the most votes are elected; candidates level across the
    last seat are ordered by lot: SHA-256 of ["coop fptp lot", seed, candidate], smallest
    first, drawn from the seed published before the count."""
    candidates = tuple(candidates)
    votes = dict.fromkeys(candidates, 0)
    for ranking in rankings:
        for name in set(ranking):
            votes[name] += 1

    def lot(name: str) -> bytes:
        text = json.dumps(["coop fptp lot", seed, name], separators=(",", ":"))
        return hashlib.sha256(text.encode()).digest()

    order = sorted(candidates, key=lambda name: (-votes[name], lot(name)))
    elected = tuple(order[:seats])
    tied: tuple[str, ...] = ()
    if len(order) > seats:
        last = votes[order[seats - 1]]
        if votes[order[seats]] == last:
            tied = tuple(name for name in order if votes[name] == last)
    return Plurality(candidates, seats, votes, elected, len(rankings), tied)


def unique_names(names: Sequence[str]) -> list[str]:
    """Candidates' names as the count's ids: the same name twice gets " (2)" and so on."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
