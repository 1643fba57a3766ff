"""Recount a board election from its published ballot set, with nothing but this package
and PyNaCl:

    python -m coop.elections.voting.recount ballots.json

Checks the box's public list (every position, link of the hash chain and tracker, every
ballot's proof that its sender knew its randomness), that the mixed ballots are a shuffle
of re-encryptions of exactly the ballots that count (verify_mix), that every decryption is
proven and decodes to the published ranking (verify_opened), and counts the rankings again
(STV by coop/elections/stv.py, or first past the post). Exit status 0 only if all hold.

Nothing in the file ties a decrypted ranking to an entry of the list or to a member: the
entries are the ballots as cast (encrypted), the rankings those of the shuffled ballots."""

import argparse
import json
import sys
from collections.abc import Collection
from dataclasses import dataclass, field

from coop.ballots import crypto, mix
from coop.ballots.record import Entry, box_context, counted, removal_tracker
from coop.elections.stv import Result
from coop.elections.stv import count as stv_count
from coop.elections.voting.rules import (
    Plurality,
    ballot_order,
    election_context,
    plurality,
    unique_names,
)

# The limits of coop/elections (models.py, voting/models.py), repeated so that the recount
# imports no database code; tests/elections checks they agree.
CANDIDATES_MAX = 60
NAME_MAX = 80
SEATS_MAX = 20
SEED_LENGTH = 64

FORMAT = "coop-election-ballots/1"


@dataclass(frozen=True)
class Tally:
    elected: tuple[str, ...]
    valid: int  # ballots ranking at least one candidate
    stv: Result | None = None
    plurality: Plurality | None = None
    excluded: tuple[str, ...] = ()  # excluded before the first stage (no longer members)


def tally(method: str, names: list[str], rankings, seats: int, seed: str,
          excluded: Collection[int] = ()) -> Tally:  # fmt: skip
    """Count the opened rankings (tuples of ballot-paper positions; None or empty: a ballot
    that ranks nobody, set aside). Candidates at the `excluded` positions are excluded
    before the first stage: each ballot passes to its next preference (a ballot ranking
    only them is set aside). With no ballot left nobody is elected."""
    valid = [ranking for ranking in rankings if ranking]
    gone = tuple(names[p] for p in sorted(excluded))
    continuing = [name for p, name in enumerate(names) if p not in excluded]
    left = [r for r in (tuple(names[p] for p in v if p not in excluded) for v in valid) if r]
    if not left:
        return Tally((), len(valid), excluded=gone)
    if method == "fptp":
        counted_ = plurality(continuing, left, seats, seed)
        return Tally(counted_.elected, len(valid), plurality=counted_, excluded=gone)
    result = stv_count(continuing, left, seats, seed)
    return Tally(result.elected, len(valid), stv=result, excluded=gone)


def check_list(box: bytes, context: bytes, public: bytes, entries: list[Entry], candidates: int,
               problems: list[str]) -> None:  # fmt: skip
    """Positions 1, 2, 3...; each replaced position an earlier live ballot; each tracker
    the hash of its ballot (or of the removal); each link of the chain; each proof. The
    chain and the removals are bound to the box (`box`: coop/ballots keeps them), the
    ballots, their trackers and proofs to the election (`context`)."""
    previous = crypto.chain_start(box, public)
    by_seq: dict[int, Entry] = {}
    replaced: set[int] = set()
    for expected, entry in enumerate(entries, start=1):
        if entry.seq != expected:
            problems.append(f"entry {expected}: position {entry.seq} out of order")
            return
        if entry.replaces is not None:
            earlier = by_seq.get(entry.replaces)
            if earlier is None or entry.replaces in replaced or earlier.ciphertext is None:
                problems.append(f"entry {entry.seq}: replaces {entry.replaces}, not a live ballot")
            replaced.add(entry.replaces)
        if entry.ciphertext is not None:
            proof = entry.proof or b""
            if entry.tracker != mix.blob_tracker(context, entry.ciphertext, proof):
                problems.append(f"entry {entry.seq}: tracker is not the hash of its ballot")
            if not mix.verify_sealed(public, entry.ciphertext, proof, candidates, context):
                problems.append(f"entry {entry.seq}: the ballot's proof does not check out")
        elif entry.replaces not in by_seq or entry.tracker != removal_tracker(
            box, by_seq[entry.replaces].tracker
        ):
            problems.append(f"entry {entry.seq}: a removal that removes nothing known")
        previous = crypto.chain_next(previous, entry.seq, entry.tracker, entry.replaces)
        if entry.chain != previous:
            problems.append(f"entry {entry.seq}: the hash chain is broken here")
            return
        by_seq[entry.seq] = entry


@dataclass
class Recount:
    problems: list[str] = field(default_factory=list)
    tally: Tally | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class Malformed(ValueError):
    """A field of the ballot set that is missing, of the wrong type or out of range."""


HEX_KEY = 64  # hex characters of a 32-byte key, tracker or link


def _field(record, name: str, kind, where: str = ""):
    if not isinstance(record, dict) or name not in record:
        raise Malformed(f"{where}{name} is missing")
    value = record[name]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise Malformed(f"{where}{name} is not {_KINDS.get(kind, 'valid')}")
    return value


_KINDS = {int: "a whole number", str: "text", list: "a list", dict: "an object"}


def _number(record, name: str, low: int, high: int, where: str = "") -> int:
    value = _field(record, name, int, where)
    if not low <= value <= high:
        raise Malformed(f"{where}{name} is not from {low} to {high}")
    return value


def _hex(record, name: str, where: str = "", length: int | None = None,
         optional: bool = False) -> bytes | None:  # fmt: skip
    if optional and isinstance(record, dict) and record.get(name) is None:
        return None
    value = _field(record, name, str, where)
    if (length is not None and len(value) != length) or len(value) % 2:
        raise Malformed(f"{where}{name} is not {length or 'an even number of'} hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise Malformed(f"{where}{name} is not hexadecimal") from None


@dataclass(frozen=True)
class _Paper:
    nominations: list[int]
    names: list[str]
    excluded: frozenset[int]


def _paper(record: dict) -> _Paper:
    items = _field(record, "candidates", list)
    if not 2 <= len(items) <= CANDIDATES_MAX:
        raise Malformed(f"candidates: a ballot lists 2 to {CANDIDATES_MAX} candidates")
    nominations, names, excluded = [], [], set()
    for position, item in enumerate(items):
        where = f"candidate {position + 1}: "
        nominations.append(_number(item, "nomination", 1, 2**63 - 1, where))
        name = _field(item, "name", str, where)
        if not 1 <= len(name) <= NAME_MAX:
            raise Malformed(f"{where}name is not 1 to {NAME_MAX} characters")
        names.append(name)
        if _field(item, "excluded", str, where):
            excluded.add(position)
    if len(set(nominations)) != len(nominations):
        raise Malformed("candidates: a nomination is listed twice")
    return _Paper(nominations, names, frozenset(excluded))


def _entries(record: dict) -> list[Entry]:
    out = []
    for number, item in enumerate(_field(record, "entries", list), start=1):
        where = f"entry {number}: "
        replaces = item.get("replaces") if isinstance(item, dict) else None
        if replaces is not None and (isinstance(replaces, bool) or not isinstance(replaces, int)):
            raise Malformed(f"{where}replaces is not a whole number")
        out.append(
            Entry(
                seq=_number(item, "seq", 1, 2**63 - 1, where),
                tracker=_hex(item, "tracker", where, HEX_KEY),
                chain=_hex(item, "chain", where, HEX_KEY),
                replaces=replaces,
                ciphertext=_hex(item, "ciphertext", where, optional=True),
                proof=_hex(item, "proof", where, optional=True),
            )
        )
    return out


def _opened(record: dict, n: int) -> mix.Opened:
    rankings, shares, proofs = [], [], []
    for number, item in enumerate(_field(record, "opened", list), start=1):
        where = f"opened ballot {number}: "
        ranking = item.get("ranking") if isinstance(item, dict) else None
        if ranking is not None:
            if (
                not isinstance(ranking, list)
                or len(ranking) > n
                or any(
                    isinstance(p, bool) or not isinstance(p, int) or not 0 <= p < n for p in ranking
                )
            ):
                raise Malformed(f"{where}ranking is not a list of ballot-paper positions")
            if len(set(ranking)) != len(ranking):
                raise Malformed(f"{where}ranking ranks a candidate twice")
            ranking = tuple(ranking)
        rankings.append(ranking)
        shares.append(_hex(item, "share", where))
        proofs.append(_hex(item, "proof", where))
    return mix.Opened(rankings, shares, proofs)


def recount(record: dict) -> Recount:
    """Check everything the ballot set claims, from the file alone. The parameters of the
    election (candidates in paper order with their nominations, seats, method, seed) are
    bound into every proof (rules.election_context), so a file that changes any of them
    fails; the ballot-paper order is recomputed from the seed. Nothing is counted unless
    every check holds. Never raises: a file it cannot read is a problem found."""
    out = Recount()
    try:
        _recount(record, out)
    except Malformed as error:
        out.problems.append(f"the file is not a readable ballot set: {error}")
    except Exception as error:  # a malformed file must never crash the check
        out.problems.append(f"the file is not a readable ballot set ({type(error).__name__})")
    if out.problems:
        out.tally = None
    return out


def _recount(record: dict, out: Recount) -> None:
    problems = out.problems
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        problems.append(f"not a {FORMAT} file")
        return
    paper = _paper(record)
    n = len(paper.names)
    seats = _number(record, "seats", 1, SEATS_MAX)
    method = _field(record, "method", str)
    if method not in ("stv", "fptp"):
        raise Malformed("method is not stv or fptp")
    seed = _field(record, "seed", str)
    if len(seed) != SEED_LENGTH or any(c not in "0123456789abcdef" for c in seed):
        raise Malformed(f"seed is not {SEED_LENGTH} lower-case hex digits")
    _number(record, "election", 1, 2**63 - 1)
    box_id = _number(record, "box", 1, 2**63 - 1)
    public = _hex(record, "public_key", length=HEX_KEY)
    entries = _entries(record)
    mixed_record = _field(record, "mix", dict)
    mixed = mix.Mixed(
        [_hex({"ballot": b}, "ballot", "mix: ") for b in _field(mixed_record, "ballots", list)],
        _hex(mixed_record, "proof", "mix: "),
    )
    opened = _opened(record, n)
    published = _field(record, "result", dict)
    claimed = _field(published, "elected", list, "result: ")
    if not all(isinstance(name, str) for name in claimed):
        raise Malformed("result: elected is not a list of names")
    claimed_valid = _number(published, "valid_ballots", 0, 2**63 - 1, "result: ")

    if ballot_order(seed, paper.nominations) != paper.nominations:
        problems.append("the candidates are not in the ballot-paper order the seed draws")
    box = box_context(box_id)
    context = election_context(box_id, list(zip(paper.nominations, paper.names, strict=True)),
                               seats, method, seed)  # fmt: skip
    check_list(box, context, public, entries, n, problems)
    before = [entry.ciphertext for entry in counted(entries)]
    if (before or mixed.blobs) and not mix.verify_mix(public, before, mixed, n, context):
        problems.append(
            "the mixed ballots are not a proven shuffle of the counted ones (or the "
            "candidates, seats, method or seed are not the election's)"
        )
    if len(opened.rankings) != len(mixed.blobs) or not mix.verify_opened(
        public, mixed.blobs, opened, n, context
    ):
        problems.append("the decryptions are not proven, or a ranking is not what it decrypts to")
    if problems:
        return  # nothing is counted from ballots that did not check out
    names = unique_names(paper.names)
    out.tally = tally(method, names, opened.rankings, seats, seed, paper.excluded)
    if sorted(out.tally.elected) != sorted(claimed):
        problems.append(
            f"the published result elects {claimed}, the recount {list(out.tally.elected)}"
        )
    if out.tally.valid != claimed_valid:
        problems.append("the number of valid ballots is not the published one")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="the ballot set's JSON file, or - for standard input")
    args = parser.parse_args(argv)
    result = recount_text(args.file)
    for line in report(result):
        print(line)
    return 0 if result.ok else 1


def read_record(file) -> dict:
    """The ballot set in an open file; Malformed if it is not a JSON object we can read."""
    try:
        record = json.load(file)
    except RecursionError:
        raise Malformed("it is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise Malformed("it is not JSON") from None
    if not isinstance(record, dict):
        raise Malformed("it is not a JSON object")
    return record


def recount_text(path: str) -> Recount:
    """Recount the file at `path` (- for standard input): never raises."""
    try:
        if path == "-":
            record = read_record(sys.stdin)
        else:
            with open(path, encoding="utf-8") as file:
                record = read_record(file)
    except Malformed as error:
        return Recount([f"the file is not a readable ballot set: {error}"])
    except OSError as error:
        return Recount([f"the file cannot be read ({error.strerror or type(error).__name__})"])
    except Exception as error:
        return Recount([f"the file is not a readable ballot set ({type(error).__name__})"])
    return recount(record)


def report(result: Recount) -> list[str]:
    """What the recount prints: the result if every check held, else each problem."""
    lines = []
    if result.tally is not None:
        lines.append(f"Valid ballots: {result.tally.valid}")
        if result.tally.excluded:
            lines.append("Excluded before the count: " + "; ".join(result.tally.excluded))
        lines.append("Elected: " + ("; ".join(result.tally.elected) or "nobody"))
    lines += [f"PROBLEM: {problem}" for problem in result.problems]
    lines.append(
        "The ballot set checks out." if result.ok else f"{len(result.problems)} problem(s) found."
    )
    return lines


if __name__ == "__main__":
    sys.exit(main())
