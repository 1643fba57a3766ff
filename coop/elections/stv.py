"""Counting a board election by the single transferable vote (STV), under the counting rules
of Scottish council elections: the Scottish Local Government Elections Order 2011 (SSI
2011/399), Schedule 1, rules 46 to 53 (rules 45 to 52 of the 2007 Order, SSI 2007/42, which
the 2011 Order re-enacted one number higher). A pure function of the ballots: no database,
no Flask.

- Rule 46, first stage: each ballot paper goes to its first preference, at value 1.
- Rule 47, the quota: valid ballot papers divided by (seats + 1), "ignoring any decimal
  places", increased by one: `valid // (seats + 1) + 1`.
- Rule 48: a candidate whose votes equal or exceed the quota, at any stage, is deemed elected.
- Rule 49, surplus: ALL the ballot papers the candidate holds are sorted by next available
  preference (the weighted inclusive Gregory method; it is Northern Ireland's rules, not
  Scotland's, that look only at the last parcel received). Each paper moves at
  (surplus x its value when received) / (the candidate's votes), "made to five decimal
  places (any remainder being ignored)": truncated, per paper. The elected candidate keeps
  the quota.
- Rule 50: one surplus per stage, the largest first; equal surpluses go in the order of
  the votes "at the end of the most recent preceding stage at which they had unequal
  numbers of votes", and by lot if they were equal at every stage.
- Rule 51, exclusion: with no surplus to transfer and seats still empty, the continuing
  candidate with the fewest votes is excluded and every paper they hold moves, at the value
  it had when they received it (1 for their first preferences), in one stage.
- Rule 52: equal lowest candidates are split by the most recent preceding stage at which
  they had unequal votes (the lowest then is excluded), and by lot if equal at all stages.
- Rule 53: when the continuing candidates are as many as the seats left they are all
  deemed elected, and no further transfer is made (53(2); since SSI 2021/437 it says none
  is required, so that counting software may run one without effect).

Every figure is kept exactly, as an integer count of hundred-thousandths of a vote: the
rules fix each transfer value to five places, so every total is a sum of five-place
numbers and needs no rounding of its own (the rules round nothing else). Truncating the
transfer values loses a little of each surplus; each Round says how much has been lost so
far, so that at every stage the candidates' totals, the non-transferable papers and that
loss add up to the valid ballots exactly. The rules give the non-transferable parcel of a
surplus no value; it is counted at the value its papers would have moved at, so that the
stage adds up, as Droop's Scottish rule does (run on the ballots Glasgow published for its
21 wards of 2007, the two agree at every stage).

Where the rules leave a choice, this module decides so:
- Three or more equal candidates: at the most recent earlier stage where they differ, those
  tied for the lowest (or highest) stay in the tie and the rule is applied to them again.
- The lot is drawn from a seed published before the count: each tied candidate gets
  SHA-256 of the JSON array ["coop stv lot", seed, stage, kind, candidate id], and the
  smallest digest is drawn (excluded, or transferred first). Anyone can redraw it. It is
  a fair lot only if the seed was fixed and published before anyone could know the ballots
  (with the notice of election, say): whoever chooses a seed after the close of voting
  can try seeds until a tie goes their way.
- Candidates deemed elected at the same stage are listed by votes, highest first, then in
  the order of the candidates on the ballot paper: the order has no effect on the count.
- A count needs at least one valid ballot paper: with none there is nothing to count.

Rankings are grouped first (a Counter of identical rankings), so the count's cost grows
with the distinct rankings and the stages, not the voters: 10,000 ballots for 5 of 12
candidates take about 0.03 s on a 2-core machine (bench/stv.py, bench/stv.md).
"""

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from coop.elections.rankings import Ballot, check_ranking

PLACES = 5
UNIT = 10**PLACES  # one vote, in the hundred-thousandths that every figure is kept in
FIRST = "first preferences"
SURPLUS = "surplus transferred"
EXCLUDED = "excluded"


@dataclass(frozen=True)
class Tie:
    """Candidates level when one had to be chosen, and how the rules chose."""

    kind: str  # "surplus" (whose is transferred first) or "exclusion" (who goes)
    candidates: tuple[str, ...]
    decided_by: str  # "earlier stage" (rules 50(2), 52(2)(a)) or "lot" (50(3), 52(2)(b))
    chosen: str


@dataclass(frozen=True)
class Round:
    """One stage of the count and the state at its end. Votes are exact five-place Decimals."""

    stage: int
    action: str  # FIRST, SURPLUS or EXCLUDED
    candidate: str | None  # whose surplus moved, or who was excluded
    reason: str
    totals: Mapping[str, Decimal]  # every candidate's votes at the end of the stage
    transfers: Mapping[str, Decimal]  # what this stage added (taken away: negative)
    non_transferable: Decimal  # so far, the papers with no next available preference
    lost: Decimal  # so far, the parts of surpluses that truncating transfer values drops
    elected: tuple[str, ...]  # deemed elected at the end of this stage
    tie: Tie | None = None

    @property
    def lot_used(self) -> bool:
        return self.tie is not None and self.tie.decided_by == "lot"


@dataclass(frozen=True)
class Result:
    candidates: tuple[str, ...]
    seats: int
    seed: str
    valid_ballots: int
    quota: int
    elected: tuple[str, ...]  # in the order of election
    rounds: tuple[Round, ...]

    @property
    def lot_used(self) -> bool:
        return any(r.lot_used for r in self.rounds)


def count(
    candidates: Sequence[str],
    ballots: Iterable[Sequence[str] | Mapping[str, int] | Ballot] | Mapping[Sequence[str], int],
    seats: int,
    seed: str,
) -> Result:
    """Count the ballots for `seats` of the `candidates` (in ballot-paper order). `ballots`
    is an iterable of rankings (sequences of ids, rank mappings or Ballot), or a mapping
    such as a Counter from a ranking to how many voters cast it. `seed` decides any lot
    and must be published before the count."""
    candidates = tuple(candidates)
    if not all(isinstance(candidate, str) and candidate for candidate in candidates):
        raise ValueError("Candidate ids must be non-empty text.")
    if not candidates or len(set(candidates)) != len(candidates):
        raise ValueError("Give each candidate once, by a unique id.")
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise ValueError("There must be at least one seat to fill.")
    if seats > len(candidates):
        raise ValueError(f"{seats} seats cannot be filled from {len(candidates)} candidates.")
    if not isinstance(seed, str) or not seed:
        raise ValueError("Give the seed for drawing lots that was published before the count.")
    groups = _group(ballots, candidates)
    if not groups:
        raise ValueError("There are no valid ballot papers to count.")
    return _Count(candidates, groups, seats, seed).run()


def _group(ballots, candidates: tuple[str, ...]) -> Counter[tuple[str, ...]]:
    groups: Counter[tuple[str, ...]] = Counter()
    checked: set = set()
    if isinstance(ballots, Mapping):
        for ranking, times in ballots.items():
            if isinstance(times, bool) or not isinstance(times, int) or times < 0:
                raise ValueError(f"The number of ballots ranking {ranking!r} must be 0 or more.")
            if times:
                groups[_checked(ranking, candidates, checked, None)] += times
        return groups
    for number, ranking in enumerate(ballots, start=1):
        groups[_checked(ranking, candidates, checked, number)] += 1
    return groups


def _checked(ranking, candidates, checked: set, number: int | None) -> tuple[str, ...]:
    if isinstance(ranking, Ballot):
        ranking = ranking.ranking
    if isinstance(ranking, tuple) and _hashable(ranking) and ranking in checked:
        return ranking  # most ballots repeat a ranking already checked
    try:
        order = check_ranking(ranking, candidates)
    except ValueError as error:
        where = f"Ballot {number}" if number is not None else f"The ranking {ranking!r}"
        raise ValueError(f"{where}: {error}") from None
    checked.add(order)
    return order


def _hashable(value: tuple) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _Count:
    """The count in integers of 1/UNIT of a vote. A parcel is (ranking as candidate indexes,
    position of its holder in it, value of each paper, number of papers)."""

    def __init__(self, candidates, groups, seats, seed):
        self.names = candidates
        self.seats, self.seed = seats, seed
        index = {name: i for i, name in enumerate(candidates)}
        self.valid = sum(groups.values())
        self.quota = self.valid // (seats + 1) + 1  # rule 47
        self.quota_units = self.quota * UNIT
        self.continuing = [True] * len(candidates)
        self.total = [0] * len(candidates)
        self.parcels: list[list[tuple[tuple[int, ...], int, int, int]]] = [[] for _ in candidates]
        for ranking, times in groups.items():  # rule 46
            indexes = tuple(index[name] for name in ranking)
            self.parcels[indexes[0]].append((indexes, 0, UNIT, times))
            self.total[indexes[0]] += UNIT * times
        self.non_transferable = self.lost = 0
        self.history: list[list[int]] = []  # every candidate's votes at the end of each stage
        self.pending: list[int] = []  # deemed elected, surplus not yet transferred
        self.elected: list[int] = []
        self.rounds: list[Round] = []

    def run(self) -> Result:
        before = [0] * len(self.names)
        self.record(FIRST, None, "The first preferences were counted (rule 46).", before, None)
        while len(self.elected) < self.seats:
            left = self.seats - len(self.elected)
            still = [c for c, going in enumerate(self.continuing) if going]
            if len(still) <= left:  # rule 53: no further transfer
                self.elect_last(still)
                break
            before = list(self.total)
            if self.pending:
                self.transfer_surplus(before)
            else:
                self.exclude(before)
        return Result(
            candidates=self.names,
            seats=self.seats,
            seed=self.seed,
            valid_ballots=self.valid,
            quota=self.quota,
            elected=tuple(self.names[c] for c in self.elected),
            rounds=tuple(self.rounds),
        )

    def transfer_surplus(self, before: list[int]) -> None:
        largest = max(self.total[c] for c in self.pending)  # rule 50(1): largest surplus
        chosen, tie = self.choose([c for c in self.pending if self.total[c] == largest], "surplus")
        self.pending.remove(chosen)
        votes = self.total[chosen]
        surplus = votes - self.quota_units
        moved = self.move(chosen, lambda value: surplus * value // votes)  # rule 49(3)
        self.lost += surplus - moved
        self.total[chosen] = self.quota_units
        reason = f"The surplus of {self.names[chosen]}, {_votes(surplus)}, was transferred: " + (
            "the largest surplus (rules 49 and 50(1))." if tie is None else _why(tie)
        )
        self.record(SURPLUS, chosen, reason, before, tie)

    def exclude(self, before: list[int]) -> None:
        still = [c for c, going in enumerate(self.continuing) if going]
        lowest = min(self.total[c] for c in still)
        chosen, tie = self.choose([c for c in still if self.total[c] == lowest], "exclusion")
        self.continuing[chosen] = False
        self.move(chosen, lambda value: value)  # rule 51(4): at the value received
        self.total[chosen] = 0
        reason = f"{self.names[chosen]} was excluded with {_votes(lowest)} votes: " + (
            "the fewest (rule 51(1))." if tie is None else _why(tie)
        )
        self.record(EXCLUDED, chosen, reason, before, tie)

    def move(self, holder: int, value_of) -> int:
        """Move every paper `holder` holds to its next available preference; returns the
        value that left them, non-transferable papers included."""
        moved = 0
        for ranking, position, value, times in self.parcels[holder]:
            value = value_of(value)
            moved += value * times
            position += 1
            while position < len(ranking) and not self.continuing[ranking[position]]:
                position += 1
            if position == len(ranking):
                self.non_transferable += value * times
                continue
            to = ranking[position]
            self.parcels[to].append((ranking, position, value, times))
            self.total[to] += value * times
        self.parcels[holder] = []
        return moved

    def record(self, action, candidate, reason, before, tie) -> None:
        reached = [
            c for c, going in enumerate(self.continuing)
            if going and self.total[c] >= self.quota_units
        ]  # fmt: skip
        reached.sort(key=lambda c: (-self.total[c], c))
        for c in reached:  # rule 48
            self.continuing[c] = False
            self.elected.append(c)
            if self.total[c] > self.quota_units:
                self.pending.append(c)
        if reached:
            names = _and(self.names[c] for c in reached)
            reason += (
                f" {names} reached the quota of {self.quota} and {_was(reached)} deemed "
                "elected (rule 48)."
            )
        self.history.append(list(self.total))
        self.rounds.append(
            Round(
                stage=len(self.rounds) + 1,
                action=action,
                candidate=None if candidate is None else self.names[candidate],
                reason=reason,
                totals={n: _votes(v) for n, v in zip(self.names, self.total, strict=True)},
                transfers={
                    n: _votes(after - was)
                    for n, after, was in zip(self.names, self.total, before, strict=True)
                },
                non_transferable=_votes(self.non_transferable),
                lost=_votes(self.lost),
                elected=tuple(self.names[c] for c in reached),
                tie=tie,
            )
        )

    def elect_last(self, still: list[int]) -> None:
        still.sort(key=lambda c: (-self.total[c], c))
        self.elected += still
        for c in still:
            self.continuing[c] = False
        last = self.rounds[-1]
        names = _and(self.names[c] for c in still)
        self.rounds[-1] = replace(
            last,
            elected=last.elected + tuple(self.names[c] for c in still),
            reason=f"{last.reason} {names} {_was(still)} elected to the seats left, being as "
            "many as the continuing candidates (rule 53).",
        )

    def choose(self, tied: list[int], kind: str) -> tuple[int, Tie | None]:
        """Rules 50(2)-(3) and 52(2): the most recent preceding stage at which the tied
        candidates had unequal votes decides (highest surplus first, lowest excluded); if
        they were equal at every stage, the lot does."""
        if len(tied) == 1:
            return tied[0], None
        level = tuple(self.names[c] for c in tied)
        best = min if kind == "exclusion" else max
        for stage in reversed(self.history[:-1]):
            mark = best(stage[c] for c in tied)
            tied = [c for c in tied if stage[c] == mark]
            if len(tied) == 1:
                return tied[0], Tie(kind, level, "earlier stage", self.names[tied[0]])
        drawn = min(tied, key=lambda c: self.lot(kind, c))
        return drawn, Tie(kind, level, "lot", self.names[drawn])

    def lot(self, kind: str, candidate: int) -> bytes:
        stage = len(self.rounds) + 1
        drawn = json.dumps(["coop stv lot", self.seed, stage, kind, self.names[candidate]])
        return hashlib.sha256(drawn.encode()).digest()


def _why(tie: Tie) -> str:
    level = _and(tie.candidates)
    if tie.decided_by == "lot":
        rule = "50(3)" if tie.kind == "surplus" else "52(2)(b)"
        return f"{level} were level at every stage, and the lot chose (rule {rule})."
    rule = "50(2)" if tie.kind == "surplus" else "52(2)(a)"
    return (
        f"{level} were level; the most recent stage at which they differed decided (rule {rule})."
    )


def _votes(units: int) -> Decimal:
    whole, part = divmod(abs(units), UNIT)
    return Decimal(f"{'-' if units < 0 else ''}{whole}.{part:0{PLACES}d}")


def _and(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _was(who: list) -> str:
    return "was" if len(who) == 1 else "were"


def rounds_csv(result: Result) -> str:
    """The stages as CSV, one row each: what happened, then each candidate's transfer and
    votes, the non-transferable papers and the loss to truncation, to five places."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = [f"{c} {what}" for c in result.candidates for what in ("transfer", "votes")]
    writer.writerow(
        _text(name)
        for name in [
            "stage", "action", "candidate", "deemed elected", "tie decided by", *columns,
            "non-transferable transfer", "non-transferable votes", "lost to truncation",
            "reason",
        ]
    )  # fmt: skip
    previous = Decimal(0)
    for r in result.rounds:
        votes = [v for c in result.candidates for v in (r.transfers[c], r.totals[c])]
        writer.writerow(
            [
                r.stage, r.action, _text(r.candidate or ""), _text("; ".join(r.elected)),
                r.tie.decided_by if r.tie else "", *votes,
                r.non_transferable - previous, r.non_transferable, r.lost, _text(r.reason),
            ]
        )  # fmt: skip
        previous = r.non_transferable
    return out.getvalue()


def _text(cell: str) -> str:
    """A text cell a spreadsheet will not run as a formula (the rule of
    coop.validation.spreadsheet_safe, kept here so that the count imports nothing of Flask).
    Numbers are written as they are: a negative transfer is not a formula."""
    return "'" + cell if cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell
