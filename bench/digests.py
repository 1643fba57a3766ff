"""Benchmark: one weekly digest run for a national membership, end to end.

Creates a throwaway PostgreSQL database, migrates it and writes 100,000 members with a
realistic week of activity in bulk (bench/digest_data.py; timed apart). Then starts an
SMTP server that only counts (its own process), two Celery worker processes running the
real app on that database with Redis as the broker (a queue of their own), and times one
weekly run: from publishing `coop.digests.plan("weekly", <a minute from now>)` until every
eligible member has a digest row for the period and none is still pending. Checks that
each sent digest reached the SMTP server exactly once and that none failed, then writes
bench/digests.md and drops the database.

    make bench        # or: .venv/bin/python -m bench.digests [--members N] [--output F]

Two solo workers (the default) rather than one prefork worker with two children: the
task is one process's work from start to finish (its SQL, templates and SMTP connection),
so a prefork parent would only add a process that relays tasks over a pipe and holds a
third copy of the app; solo workers are also what the worker fault tests run. `--pool
prefork` runs the other arrangement for comparison.

COOP_BENCH_PG_URL points at the PostgreSQL server, COOP_BENCH_REDIS_URL at Redis (default
redis://127.0.0.1:6379/0).
"""

import argparse
import os
import platform
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
import sqlalchemy as sa

from bench.database import throwaway_app
from bench.digest_data import Seeded, seed
from bench.processes import CpuMeter, ProcessStats, Workers, stats
from bench.smtp_sink import Received, SmtpSink
from config import celery_settings
from coop.accounts.models import Member
from coop.digests.models import Digest, DigestStatus
from coop.extensions import db
from coop.uktime import utcnow

RESULTS = Path(__file__).with_name("digests.md")
LIMIT_SECONDS = 300.0
REDIS_URL = os.environ.get("COOP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
FREQUENCY = "weekly"


@dataclass
class Run:
    start: datetime  # the period's start
    eligible: int
    seconds: float
    statuses: Counter
    workers: list[ProcessStats]
    cpu: dict[str, float]
    first_claim_seconds: float  # after publishing, when the first batch claimed its rows
    batch_size: int
    pool: str
    load: tuple[float, float, float]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--pool", choices=("solo", "prefork"), default="solo")
    parser.add_argument("--batch-size", type=int, help="DIGEST_BATCH_SIZE (default: config)")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after (seconds)")
    args = parser.parse_args()
    # Stopped from outside, still stop the workers and drop the database and the queue.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("Terminated."))

    queue = f"coop-bench-digests-{uuid.uuid4().hex}"
    try:
        with tempfile.TemporaryDirectory() as instance, SmtpSink() as sink:
            settings = {
                "CELERY": celery_settings(REDIS_URL, task_default_queue=queue),
                "MAIL_BACKEND": "smtp",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": sink.port,
                "SMTP_SECURITY": "none",
                "BASE_URL": "https://coop.example.org",
                "INSTANCE_DIR": instance,
                "MAIL_OUTBOX_DIR": str(Path(instance) / "outbox"),
            }
            if args.batch_size:
                settings["DIGEST_BATCH_SIZE"] = args.batch_size
            with throwaway_app("coop_bench_digests", settings) as app:
                print(f"Seeding {args.members:,} members and their week...", flush=True)
                seeded = seed(args.members, utcnow())
                print(f"Seeded in {seeded.seconds:.0f} s.", flush=True)
                settings["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
                settings["DIGEST_BATCH_SIZE"] = app.config["DIGEST_BATCH_SIZE"]
                run = measure(app, settings, sink, args)
                received = sink.stop()
                checks = check(run, received)
        report(args, seeded, run, received, checks)
    finally:
        redis.Redis.from_url(REDIS_URL).delete(queue)


def measure(app, settings: dict, sink: SmtpSink, args) -> Run:
    celery = app.extensions["celery"]
    workers = Workers(settings, args.pool).start(celery)
    try:
        pids = workers.labelled_pids()
        meter = CpuMeter({**pids, "SMTP sink": sink.process.pid, "this process": os.getpid()})
        start = utcnow() + timedelta(minutes=1)
        # Counted here from the rule, not by coop's own query, so that a slip there shows.
        eligible = db.session.scalar(
            sa.select(sa.func.count()).where(
                Member.digest_frequency == FREQUENCY,
                Member.email_verified_at.is_not(None),
                Member.banned_at.is_(None),
                Member.created_at < start,
            )
        )
        db.session.rollback()
        print(f"{eligible:,} members due a weekly digest; go.", flush=True)
        meter.start()
        published, started = utcnow(), time.perf_counter()
        celery.tasks["coop.digests.plan"].apply_async((FREQUENCY, start.isoformat()))
        statuses = wait_for_run(start, eligible, started, args.timeout)
        seconds = time.perf_counter() - started  # when the end was seen: polls are 1 s apart
        cpu = meter.stop()
        worker_stats = [stats(label, pid) for label, pid in pids.items()]  # before they stop
        load = os.getloadavg()
    finally:
        workers.stop()
    first_claim, last_event = db.session.execute(
        sa.select(
            sa.func.min(Digest.created_at),
            sa.func.max(sa.func.coalesce(Digest.sent_at, Digest.created_at)),
        ).where(Digest.frequency == FREQUENCY, Digest.period_start == start)
    ).one()
    db.session.rollback()
    if last_event and not statuses[DigestStatus.PENDING]:  # the exact end, from the rows
        seconds = (last_event - published).total_seconds()
    return Run(
        start=start,
        eligible=eligible,
        seconds=seconds,
        statuses=statuses,
        workers=worker_stats,
        cpu=cpu,
        first_claim_seconds=(first_claim - published).total_seconds() if first_claim else 0.0,
        batch_size=settings["DIGEST_BATCH_SIZE"],
        pool=args.pool,
        load=load,
    )


def wait_for_run(start: datetime, eligible: int, started: float, timeout: float) -> Counter:
    """Until every eligible member has a row for the period and none is pending."""
    query = (
        sa.select(Digest.status, sa.func.count())
        .where(Digest.frequency == FREQUENCY, Digest.period_start == start)
        .group_by(Digest.status)
    )
    shown = started
    while True:
        statuses = Counter(dict(db.session.execute(query).all()))
        db.session.rollback()
        elapsed = time.perf_counter() - started
        if statuses.total() >= eligible and not statuses[DigestStatus.PENDING]:
            return statuses
        if elapsed > timeout:
            print(f"Gave up after {elapsed:.0f} s: {dict(statuses)}", flush=True)
            return statuses
        if time.perf_counter() - shown >= 15:
            shown = time.perf_counter()
            sent = statuses[DigestStatus.SENT]
            print(f"  {elapsed:5.0f} s: {sent:,} sent ({sent / elapsed:.0f}/s), "
                  f"{statuses.total():,} of {eligible:,} rows", flush=True)  # fmt: skip
        time.sleep(1)


def check(run: Run, received: Received) -> dict[str, bool]:
    sent_ids = set(
        db.session.scalars(
            sa.select(Digest.id).where(
                Digest.frequency == FREQUENCY,
                Digest.period_start == run.start,
                Digest.status == DigestStatus.SENT,
            )
        )
    )
    db.session.rollback()
    arrivals = Counter(received.digest_ids)
    return {
        "every eligible member has a digest row": run.statuses.total() == run.eligible,
        "none pending": not run.statuses[DigestStatus.PENDING],
        "none failed": not run.statuses[DigestStatus.FAILED],
        "SMTP sink count equals rows sent": len(received.digest_ids) + received.others
        == len(sent_ids),
        "each sent digest arrived exactly once": set(arrivals) == sent_ids
        and all(count == 1 for count in arrivals.values()),
        "nothing but digests arrived": received.others == 0,
        f"under {LIMIT_SECONDS:.0f} s": run.seconds < LIMIT_SECONDS,
    }


def report(args, seeded: Seeded, run: Run, received: Received, checks: dict) -> None:
    sent = run.statuses[DigestStatus.SENT]
    verdict = "PASS" if all(checks.values()) else "FAIL"
    mib = 1024
    lines = [
        "# Weekly digest benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{os.cpu_count()} CPUs, load average {run.load[0]:.1f} / {run.load[1]:.1f} / "
        f"{run.load[2]:.1f} (1 / 5 / 15 min) at the end, Python {platform.python_version()}.",
        "",
        f"Population (written in {seeded.seconds:.0f} s, not timed): {seeded.members:,} "
        f"members ({seeded.weekly:,} weekly); {seeded.ideas:,} ideas ({seeded.new_ideas:,} "
        f"this week); {seeded.proposals} proposals ({seeded.open_proposals} open); "
        f"{seeded.votes:,} ballots; {seeded.comments:,} comments ({seeded.new_comments:,} this "
        f"week); {seeded.updates} updates; {seeded.previous_digests:,} earlier digests.",
        "",
        f"{'Two solo workers' if run.pool == 'solo' else 'One prefork worker, 2 children'}, "
        f"batches of {run.batch_size} members, Redis broker, SMTP to a counting sink on "
        "loopback.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| members due a weekly digest | {run.eligible:,} |",
        f"| digests sent | {sent:,} |",
        f"| empty (nothing new, no email) | {run.statuses[DigestStatus.EMPTY]:,} |",
        f"| failed / still pending | {run.statuses[DigestStatus.FAILED]:,} / "
        f"{run.statuses[DigestStatus.PENDING]:,} |",
        f"| **elapsed, publish to last digest** | **{run.seconds:.1f} s** |",
        f"| **digests per second** | **{sent / run.seconds:.0f}** |",
        f"| first batch claimed after | {run.first_claim_seconds:.1f} s |",
        f"| mean email size | {received.sizes / max(len(received.digest_ids), 1) / 1024:.1f} KiB |",
    ]
    for worker in run.workers:
        lines.append(
            f"| peak RSS (VmHWM), {worker.label} | {worker.peak_rss_kib / mib:.0f} MiB "
            f"(at the end {worker.rss_kib / mib:.0f} MiB) |"
        )
    busy = run.cpu["machine busy"]
    lines += [
        f"| CPU busy, whole machine | {busy:.0f} s of {run.seconds * os.cpu_count():.0f} s "
        f"({100 * busy / (run.seconds * os.cpu_count()):.0f}%) |",
    ]
    others = busy - sum(seconds for label, seconds in run.cpu.items() if label != "machine busy")
    for label, seconds in [*run.cpu.items(), ("anything else on the machine", others)]:
        if label != "machine busy":
            lines.append(f"| CPU, {label} | {seconds:.0f} s ({100 * seconds / busy:.0f}%) |")
    ours = busy - others - run.cpu["this process"]
    if sent:
        lines += [
            "",
            f"CPU per digest sent, workers + SMTP sink + PostgreSQL: {1000 * ours / sent:.1f} ms. "
            f"With {os.cpu_count()} cores to itself the run could go no faster than "
            f"{sent * os.cpu_count() / ours:.0f} digests/s ({ours / os.cpu_count():.0f} s): "
            "a bound to compare with the elapsed time when other work shared the machine.",
        ]
    lines += [
        "",
        f"Sections found in a sample of {received.sampled:,} digests (one in 50, decoded): "
        + ", ".join(f"{name} {count:,}" for name, count in received.sections.most_common())
        + ".",
        "",
        "| check | |",
        "|---|---|",
        *[f"| {name} | {'yes' if ok else '**no**'} |" for name, ok in checks.items()],
        "",
        f"Target: the whole run under {LIMIT_SECONDS / 60:.0f} minutes with every digest sent "
        f"once: **{verdict}**.",
    ]
    text = "\n".join(lines) + "\n"
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
