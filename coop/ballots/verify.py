"""Recount a vote from its published record, with nothing but this package and PyNaCl:

    python -m coop.ballots.verify record.json [--tracker "3f2a9c1d ..."] [--jobs 2]

Checks the hash chain, every tracker, every ballot's proof, that the encrypted total is the
sum of the ballots that count, the proof of its decryption, and the published result; with
--tracker, that your ballot is on the list and counted. Exit status 0 only if all hold.
"""

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor

from coop.ballots import crypto
from coop.ballots.record import box_context, counted, entry_from_json, parse_tracker, recount


def check_proofs(record: dict, jobs: int) -> set[int]:
    """The positions of ballots whose proof fails, checked on `jobs` processes."""
    public = bytes.fromhex(record["public_key"])
    weights = tuple(record["weights"])
    context = box_context(int(record["box"]))
    work = [
        (public, weights, bytes.fromhex(e["ciphertext"]), bytes.fromhex(e["proof"] or ""),
         context, e["seq"])
        for e in record["entries"] if e.get("ciphertext")
    ]  # fmt: skip
    if jobs <= 1:
        return {seq for ok, seq in map(_check_one, work) if not ok}
    with ProcessPoolExecutor(jobs) as pool:
        return {seq for ok, seq in pool.map(_check_one, work, chunksize=256) if not ok}


def _check_one(item: tuple) -> tuple[bool, int]:
    public, weights, ciphertext, proof, context, seq = item
    ciphertext = crypto.Ciphertext.from_bytes(ciphertext)
    return crypto.verify_ballot(public, weights, ciphertext, proof, context), seq


def proofs_checked_apart(*_args) -> bool:
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("record", help="the record's JSON file, or - for standard input")
    parser.add_argument("--tracker", help="your ballot's tracker, to find it on the list")
    parser.add_argument("--jobs", type=int, default=1, help="processes checking proofs")
    args = parser.parse_args(argv)
    source = sys.stdin if args.record == "-" else open(args.record, encoding="utf-8")  # noqa: SIM115
    with source:
        record = json.load(source)
    failed: set[int] = set()
    if record.get("closed") and args.jobs > 1:
        failed = check_proofs(record, args.jobs)
    result = recount(
        record, verify_ballot=(lambda *_: True) if args.jobs > 1 else crypto.verify_ballot
    )
    problems = [f"entry {seq}: the ballot's proof does not check out" for seq in sorted(failed)]
    problems += result.problems
    print(f"Entries: {len(record['entries'])}; head of the chain: {result.head or 'none'}")
    if args.tracker:
        problems += _find(record, args.tracker)
    if result.counts:
        print("Recounted: " + ", ".join(f"{name} {n}" for name, n in result.counts.items()))
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("The record checks out." if not problems else f"{len(problems)} problem(s) found.")
    return 0 if not problems else 1


def _find(record: dict, text: str) -> list[str]:
    tracker = parse_tracker(text)
    if tracker is None:
        return ["that is not a tracker (64 hexadecimal digits)"]
    entries = [entry_from_json(item) for item in record["entries"]]
    mine = next((entry for entry in entries if entry.tracker == tracker), None)
    if mine is None:
        return ["your tracker is not on the list"]
    if record.get("closed") and mine not in counted(entries):
        print(f"Your ballot is entry {mine.seq}; a later ballot of yours replaced it.")
        return []
    print(
        f"Your ballot is entry {mine.seq}"
        + (", and it is counted." if record.get("closed") else ".")
    )
    return []


if __name__ == "__main__":
    sys.exit(main())
