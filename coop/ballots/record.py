"""The public record of a ballot box and its recount: pure functions over published data,
with no database and no app, so that anyone can check a result with this file, crypto.py
and PyNaCl (`python -m coop.ballots.verify record.json`).

A record lists every entry in the order the box accepted it, as a hash chain: each entry's
`chain` is the hash of the previous one with this entry's position, tracker and the
position it replaces. Anyone who kept an earlier head of the chain can check that the
final list extends it, so no ballot can be dropped or slipped in afterwards unnoticed.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from coop.ballots import crypto

FORMAT = "coop-ballot-record/1"


@dataclass(frozen=True)
class Entry:
    seq: int
    tracker: bytes
    chain: bytes
    replaces: int | None
    ciphertext: bytes | None  # None: the removal of the ballot at `replaces`
    proof: bytes | None


def box_context(box_id: int) -> bytes:
    """What every proof and tracker of a box is bound to, so none can be reused elsewhere."""
    return f"coop ballot box {box_id}".encode()


def format_tracker(tracker: bytes) -> str:
    """A tracker as people read it: hexadecimal in groups of eight."""
    text = tracker.hex()
    return " ".join(text[i : i + 8] for i in range(0, len(text), 8))


def parse_tracker(text: str) -> bytes | None:
    """What someone typed or pasted, spaces and case aside; None if it is not a tracker."""
    cleaned = "".join(text.split()).lower()
    if len(cleaned) != 64:
        return None
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        return None


def removal_tracker(context: bytes, removed: bytes) -> bytes:
    return hashlib.sha256(b"coop ballot removed\x00" + context + removed).digest()


def counted(entries: Iterable[Entry]) -> list[Entry]:
    """The ballots that count: every encrypted ballot that no later entry replaces."""
    entries = list(entries)
    replaced = {entry.replaces for entry in entries if entry.replaces is not None}
    return [e for e in entries if e.ciphertext is not None and e.seq not in replaced]


@dataclass
class Recount:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    counted: int = 0
    head: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def entry_from_json(item: dict) -> Entry:
    def raw(name: str) -> bytes | None:
        return bytes.fromhex(item[name]) if item.get(name) else None

    return Entry(
        seq=int(item["seq"]),
        tracker=bytes.fromhex(item["tracker"]),
        chain=bytes.fromhex(item["chain"]),
        replaces=item.get("replaces"),
        ciphertext=raw("ciphertext"),
        proof=raw("proof"),
    )


def check_chain(
    context: bytes, public: bytes, entries: list[Entry], problems: list[str], closed: bool = True
) -> None:
    """Positions 1, 2, 3...; each link right; each replaced position an earlier entry that
    nothing replaced before; once the ballots are published (closed), each replaced entry a
    ballot and each tracker the hash of its ballot."""
    previous = crypto.chain_start(context, public)
    by_seq: dict[int, Entry] = {}
    replaced: set[int] = set()
    for expected, entry in enumerate(entries, start=1):
        if entry.seq != expected:
            problems.append(f"entry {expected}: position {entry.seq} out of order")
            return
        if entry.replaces is not None:
            earlier = by_seq.get(entry.replaces)
            if (
                earlier is None
                or entry.replaces in replaced
                or (closed and earlier.ciphertext is None)
            ):
                problems.append(f"entry {entry.seq}: replaces {entry.replaces}, not a live ballot")
            replaced.add(entry.replaces)
        if not closed:
            pass  # only the links can be checked before the ballots are published
        elif entry.ciphertext is not None:
            ciphertext = crypto.Ciphertext.from_bytes(entry.ciphertext)
            if entry.tracker != crypto.tracker(context, ciphertext, entry.proof or b""):
                problems.append(f"entry {entry.seq}: tracker is not the hash of its ballot")
        elif (
            entry.replaces is None
            or entry.replaces not in by_seq
            or (entry.tracker != removal_tracker(context, by_seq[entry.replaces].tracker))
        ):
            problems.append(f"entry {entry.seq}: a removal that removes nothing known")
        previous = crypto.chain_next(previous, entry.seq, entry.tracker, entry.replaces)
        if entry.chain != previous:
            problems.append(f"entry {entry.seq}: the hash chain is broken here")
            return
        by_seq[entry.seq] = entry


def recount(record: dict, verify_ballot: Callable[..., bool] = crypto.verify_ballot) -> Recount:
    """Check everything a record claims, from the record alone."""
    result = Recount()
    problems = result.problems
    if record.get("format") != FORMAT:
        problems.append(f"not a {FORMAT} record")
        return result
    context = box_context(int(record["box"]))
    public = bytes.fromhex(record["public_key"])
    weights = tuple(int(weight) for weight in record["weights"])
    choices = list(record["choices"])
    entries = [entry_from_json(item) for item in record["entries"]]
    closed = bool(record.get("closed"))
    check_chain(context, public, entries, problems, closed)
    if entries:
        result.head = entries[-1].chain.hex()
    if not closed:
        return result
    ballots = counted(entries)
    result.counted = len(ballots)
    for entry in entries:
        if entry.ciphertext is None:
            continue
        ciphertext = crypto.Ciphertext.from_bytes(entry.ciphertext)
        if not verify_ballot(public, weights, ciphertext, entry.proof or b"", context):
            problems.append(f"entry {entry.seq}: the ballot's proof does not check out")
    if record.get("total") is None:
        return result  # still open: the list and the ballots are all there is to check
    total = crypto.tally(crypto.Ciphertext.from_bytes(entry.ciphertext) for entry in ballots)
    if total.to_bytes().hex() != record["total"]:
        problems.append("the encrypted total is not the sum of the counted ballots")
        return result
    share = bytes.fromhex(record["decryption"])
    proof = bytes.fromhex(record["decryption_proof"]) if record.get("decryption_proof") else b""
    if not crypto.verify_decryption(public, total, share, proof, context):
        problems.append("the decryption of the total is not proven")
        return result
    try:
        counts = crypto.decode_counts(crypto.sub(total.b, share), weights, len(ballots))
    except crypto.CryptoError:
        problems.append("the decrypted total is not a possible count")
        return result
    result.counts = dict(zip(choices, counts, strict=True))
    if record.get("result") != result.counts:
        problems.append(f"the published result {record.get('result')} is not {result.counts}")
    if record.get("counted") != len(ballots):
        problems.append(f"the record says {record.get('counted')} ballots; {len(ballots)} count")
    return result
