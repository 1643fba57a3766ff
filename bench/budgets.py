"""The HTTP benchmark's budgets (issue 8) and its report, bench/results.md."""

import itertools
from datetime import UTC, datetime

from bench import growth

CEILING_SHARE = 0.40  # anonymous idea list and idea page, of the static file's throughput
ANONYMOUS_P99_MS = 50.0
SIGNED_IN_P99_MS = 80.0
POSTS_PER_SECOND = 300.0
GROWTH = 0.20  # 10x the data may change list and idea page latency by less than this
WORKER_MIB = 200.0


def report(runs, args, machine: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# HTTP benchmark at national scale",
        "",
        f"Run {now} on {machine}. gunicorn with 2 sync workers (production settings, "
        f"PostgreSQL, Redis); wrk with 2 threads and {args.connections} connections on the "
        f"same machine, {args.duration:g} s per endpoint after a {args.warm_up:g} s warm-up. "
        "Throughput is also given as a share of the ceiling: a static file served by the "
        "same gunicorn in the same run. Visitors' pages come from the page cache (Redis) as "
        "in production; the rows marked (cache off) load the same pages from another "
        "gunicorn with PAGE_CACHE_SECONDS=0 over one connection, one request at a time, so "
        "that p50 is what building a page costs, with no queue in it. Those are loaded last, "
        f"with every size served at once, in {growth.BLOCKS * growth.ROUNDS_PER_BLOCK} "
        "rounds that each load a page from every size in turn for a moment, the servers "
        f"started afresh {growth.BLOCKS} times; their figures are the medians of the rounds, "
        "so that the machine's drift falls on every size alike and how the cost grows with "
        "the data is what remains. SQL: statements for one request of the endpoint, built "
        "without any cache (in-process, same data).",
        "",
    ]
    checks: list[tuple[str, bool]] = []
    for run in runs:
        lines += _size_table(run, checks)
    lines += _growth(runs, checks)
    lines += ["## Budgets", "", "| budget | met |", "|---|---|"]
    lines += [f"| {name} | {'yes' if ok else '**no**'} |" for name, ok in checks]
    met = all(ok for _, ok in checks)
    lines += ["", f"Every budget met: **{'yes' if met else 'no'}**.", ""]
    return "\n".join(lines)


def _size_table(run, checks: list) -> list[str]:
    network = run.network
    ceiling = _ceiling(run)
    lines = [
        f"## {run.size.capitalize()}: {network.ideas:,} ideas",
        "",
        f"{network.members:,} members, {network.ideas:,} ideas, {network.comments:,} comments, "
        f"{network.reactions:,} supports and oppositions, {network.proposals} proposals with "
        f"{network.votes:,} votes, {network.updates} updates (seeded in "
        f"{network.seconds:.0f} s, not timed).",
        "",
        "| endpoint | req/s | of ceiling | p50 ms | p99 ms | errors | SQL | budget |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for measured in run.measured:
        load, group = measured.load, measured.endpoint.group
        share = load.per_second / ceiling if ceiling else 0.0
        verdict = _verdict(run.size, measured, share, checks)
        lines.append(
            f"| {measured.endpoint.name} | {load.per_second:,.0f} | {share:.0%} | "
            f"{load.p50_ms:.1f} | {load.p99_ms:.1f} | {load.errors} | {measured.queries} | "
            f"{verdict} |"
        )
        if group == "post":
            lines.append(
                f"|   rows written | {measured.rows_written:,} for {load.counted_ok:,} "
                f"successful responses | | | | | | |"
            )
    peaks = ", ".join(f"{mib:.0f} MiB" for mib in run.peak_rss_mib)
    worker_ok = bool(run.peak_rss_mib) and max(run.peak_rss_mib) < WORKER_MIB
    checks.append((f"{run.size}: each worker under {WORKER_MIB:.0f} MB ({peaks})", worker_ok))
    lines += ["", f"Peak resident memory (VmHWM) of the gunicorn workers: {peaks}.", ""]
    return lines


def _verdict(size: str, measured, share: float, checks: list) -> str:
    load, endpoint = measured.load, measured.endpoint
    results = []
    if endpoint.group in ("anonymous list", "anonymous idea"):
        results.append(
            (
                f"{size}: {endpoint.name} at {CEILING_SHARE:.0%} of the ceiling",
                share >= CEILING_SHARE,
            )
        )
        results.append(
            (f"{size}: {endpoint.name} p99 under {ANONYMOUS_P99_MS:.0f} ms",
             load.p99_ms < ANONYMOUS_P99_MS)
        )  # fmt: skip
    elif endpoint.group == "signed-in":
        results.append(
            (f"{size}: {endpoint.name} p99 under {SIGNED_IN_P99_MS:.0f} ms",
             load.p99_ms < SIGNED_IN_P99_MS)
        )  # fmt: skip
    elif endpoint.group == "post":
        results.append(
            (f"{size}: {endpoint.name} at {POSTS_PER_SECOND:.0f}/s",
             load.per_second >= POSTS_PER_SECOND)
        )  # fmt: skip
        in_flight = measured.rows_written - load.counted_ok
        results.append(
            (f"{size}: {endpoint.name}: a row for every success, none twice, no error",
             load.errors == 0 and load.wrapped == 0 and 0 <= in_flight <= 16)
        )  # fmt: skip
    if load.errors and endpoint.group != "post":
        results.append((f"{size}: {endpoint.name} without errors", False))
    checks += results
    if not results:
        return ""
    return "met" if all(ok for _, ok in results) else "**not met**"


def _growth(runs, checks: list) -> list[str]:
    """Latency of the list and idea pages, built without the page cache, from each size to
    the next (10x the ideas), measured interleaved (bench/growth.py)."""
    lines = []
    for smaller, larger in itertools.pairwise(runs):
        lines += [
            f"## From {smaller.size} to {larger.size} (10x the ideas)",
            "",
            f"| endpoint | p50 ms, {smaller.size} | p50 ms, {larger.size} | change | SQL | SQL |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        before = {m.endpoint.name: m for m in smaller.measured}
        for measured in larger.measured:
            if measured.endpoint.group != "uncached":  # what the data costs, not the cache
                continue
            old = before[measured.endpoint.name]
            change = measured.load.p50_ms / old.load.p50_ms - 1
            lines.append(
                f"| {measured.endpoint.name} | {old.load.p50_ms:.2f} | "
                f"{measured.load.p50_ms:.2f} | {change:+.0%} | {old.queries} | "
                f"{measured.queries} |"
            )
            checks.append(
                (f"{smaller.size} to {larger.size}: {measured.endpoint.name} latency changes "
                 f"less than {GROWTH:.0%} ({change:+.0%})", change < GROWTH)
            )  # fmt: skip
            checks.append(
                (f"{smaller.size} to {larger.size}: {measured.endpoint.name} runs the same "
                 "number of SQL statements", old.queries == measured.queries)
            )  # fmt: skip
        lines.append("")
    return lines


def _ceiling(run) -> float:
    return next(m for m in run.measured if m.endpoint.group == "ceiling").load.per_second
