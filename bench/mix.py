"""Counting ranked ballots through the mix-net (coop/ballots/mix.py): N ballots of 12
candidates, made to look like a board election (bench/stv.py's electorate, fixed seed), are
sealed, checked, mixed with a proof of the shuffle, the proof checked, opened with proofs of
decryption and the opening checked; the rankings are compared with those cast. Prints a
table (and writes it with --output). Needs no database; one process.

    .venv/bin/python -m bench.mix [--ballots 1000] [--candidates 12] [--output bench/mix.md]
"""

import argparse
import os
import platform
import random
import time
from collections import Counter
from datetime import UTC, datetime

from bench.stv import SEED, electorate
from coop.ballots import crypto
from coop.ballots.mix import (
    mix,
    open_mixed,
    seal_ranking,
    verify_mix,
    verify_opened,
    verify_sealed,
    width,
)

CONTEXT = b"coop ballot box bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000)
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--output")
    args = parser.parse_args()

    names, ballots = electorate(args.ballots, args.candidates, random.Random(SEED))
    index = {name: i for i, name in enumerate(names)}
    rankings = [tuple(index[name] for name in ballot) for ballot in ballots]
    key = crypto.generate_key()
    n, k = args.ballots, args.candidates
    timings: list[tuple[str, float]] = []

    def timed(step: str, work):
        started = time.perf_counter()
        result = work()
        timings.append((step, time.perf_counter() - started))
        return result

    sealed = timed(
        "seal (as voters cast)", lambda: [seal_ranking(key.public, r, k, CONTEXT) for r in rankings]
    )
    ok = timed(
        "verify_sealed (as cast)",
        lambda: all(verify_sealed(key.public, b, p, k, CONTEXT) for b, p in sealed),
    )
    blobs = [blob for blob, _ in sealed]
    mixed = timed("mix (shuffle and proof)", lambda: mix(key.public, blobs, k, CONTEXT))
    ok &= timed("verify_mix", lambda: verify_mix(key.public, blobs, mixed, k, CONTEXT))
    opened = timed(
        "open_mixed (decrypt, proofs)",
        lambda: open_mixed(key.secret, key.public, mixed.blobs, k, CONTEXT),
    )
    ok &= timed("verify_opened", lambda: verify_opened(key.public, mixed.blobs, opened, k, CONTEXT))
    ok &= Counter(opened.rankings) == Counter(rankings)  # fmt: skip

    closing = sum(s for step, s in timings if not step.endswith("(as cast)"))
    lines = [
        f"# Mixing and opening {n:,} ranked ballots",
        "",
        f"`python -m bench.mix --ballots {n}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.1f} at the end. {k} candidates, "
        f"{width(k)} ciphertexts a ballot; proof of the shuffle {len(mixed.proof):,} bytes.",
        "",
        "| step | seconds | ms a ballot |",
        "|---|---:|---:|",
        *(f"| {step} | {s:.2f} | {1000 * s / max(n, 1):.2f} |" for step, s in timings),
        f"| **closing: mix, verify, open, verify** | **{closing:.2f}** | "
        f"**{1000 * closing / max(n, 1):.2f}** |",
        "",
        f"Everything verified and the opened rankings are those cast: **{'yes' if ok else 'NO'}**.",
        "",
    ]
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write("\n".join(lines))
    print("\n".join(lines))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
