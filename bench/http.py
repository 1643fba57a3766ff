"""Benchmark: the web app at national scale, under gunicorn, loaded with wrk.

For each data size (the national one: 100,000 members, 20,000 ideas, 200,000 comments,
1,000,000 supports and oppositions, 200 proposals and 1,000,000 votes, 500 updates; and
10x fewer and 10x more ideas, with their comments and reactions) it creates a throwaway
PostgreSQL database, seeds it in bulk (bench/national_data.py), serves the app with
gunicorn (2 sync workers, production settings, Redis) and loads each endpoint from wrk
(a second process: 2 threads, 16 connections) for a fixed time after a warm-up. A static
file served by the same gunicorn is the ceiling: every throughput is also given as a
share of it, which stays meaningful on a noisy machine. Once every size has been loaded,
the list and idea pages are loaded again with the page cache off, every size in turn,
round after round (bench/growth.py), for what building them costs at each size. SQL
statements per request are counted in-process on the same database; peak memory per
worker is read from /proc. Budgets (issue 8) are checked and everything is written to
bench/results.md.

    make bench       # or: .venv/bin/python -m bench.http [--sizes small,national,large]

COOP_BENCH_PG_URL points at the PostgreSQL server, COOP_BENCH_REDIS_URL at a Redis
database the benchmark may empty (default redis://127.0.0.1:6379/14).
"""

import argparse
import contextlib
import os
import platform
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy as sa
from flask import Flask

from bench import budgets, growth
from bench.database import throwaway_app
from bench.http_targets import ANONYMOUS_PAGES, Endpoint, endpoints, uncached_twin
from bench.load import Gunicorn, LoadResult, Request, run_wrk
from bench.national_data import LONG_DISCUSSION, Network, seed
from coop.comments.queries import PER_PAGE as COMMENTS_PER_PAGE
from coop.extensions import db
from coop.uktime import utcnow
from tests.support import QueryCounter

RESULTS = Path(__file__).with_name("results.md")
REDIS_URL = os.environ.get("COOP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SIZES = {"small": 2_000, "national": 20_000, "large": 200_000}
MEMBERS = 100_000
SECRET = "bench-" + "0123456789abcdef" * 3  # a throwaway database's key
# The in-process app makes the signed-in cookies: it signs and names them as production does.
APP_SETTINGS = {
    "SECRET_KEY": SECRET,
    "SESSION_COOKIE_NAME": "__Host-session",
    "REMEMBER_COOKIE_NAME": "__Host-remember",
}


@dataclass
class Measured:
    endpoint: Endpoint
    load: LoadResult
    rows_written: int | None  # POSTs: new rows during the measured run
    queries: int  # SQL statements for one request, in-process


@dataclass
class SizeRun:
    size: str
    network: Network
    measured: list[Measured]
    peak_rss_mib: list[float]
    app: Flask  # on this size's database, for the SQL counts

    @property
    def targets(self) -> list[Endpoint]:
        return [measured.endpoint for measured in self.measured]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per endpoint")
    parser.add_argument("--warm-up", type=float, default=2.0, help="seconds before each")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("Terminated."))
    with contextlib.ExitStack() as databases:  # every size's database, until the end
        runs = []
        for size in args.sizes.split(","):
            app = databases.enter_context(throwaway_app(f"coop_bench_http_{size}", APP_SETTINGS))
            runs.append(run_size(app, size, SIZES[size], args))
        uncached_pages(runs)
    report = budgets.report(runs, args, _machine())
    args.output.write_text(report)
    print(report)


def run_size(app: Flask, size: str, ideas: int, args) -> SizeRun:
    """Seed this size's database (its app context is the current one) and load every
    endpoint through the page cache, as in production."""
    print(f"[{size}] seeding {MEMBERS:,} members and {ideas:,} ideas...", flush=True)
    network = seed(MEMBERS, ideas, utcnow())
    print(f"[{size}] seeded in {network.seconds:.0f} s; preparing requests", flush=True)
    targets = endpoints(app, network) + long_discussion(network)
    redis.Redis.from_url(REDIS_URL).flushdb()
    loads = {}
    with Gunicorn(server_env(app)) as server:
        for endpoint in targets:
            loads[endpoint.name] = measure(server.url, endpoint, args)
            print(f"[{size}] {_line(endpoint.name, loads[endpoint.name][0])}", flush=True)
        peak = server.peak_rss_mib()
    measured = [
        Measured(endpoint, *loads[endpoint.name], count_queries(app, endpoint))
        for endpoint in targets
    ]
    return SizeRun(size, network, measured, peak, app)


def long_discussion(network: Network) -> list[Endpoint]:
    """An idea with 5,000 comments, read a page at a time: its first page, its newest (the
    last) and a link to a comment on a page in between (the redirect to it)."""
    idea = db.session.execute(
        sa.text("SELECT id, slug FROM ideas WHERE id = :id"), {"id": network.long_discussion}
    ).one()
    comments = db.session.scalars(
        sa.text("SELECT id FROM comments WHERE idea_id = :id ORDER BY id"), {"id": idea.id}
    ).all()
    page = f"/ideas/{idea.id}/{idea.slug}"
    last = -(-LONG_DISCUSSION // COMMENTS_PER_PAGE)
    db.session.rollback()
    return [
        Endpoint("idea page, 5,000 comments", "anonymous idea", [Request("GET", page)]),
        Endpoint(
            "idea page, 5,000 comments, newest page",
            "anonymous idea",
            [Request("GET", f"{page}?comments_page={last}")],
        ),
        Endpoint(
            "link to a comment, 5,000 comments",
            "other",
            [Request("GET", f"/comments/{comment}") for comment in comments[1000:1100]],
        ),
    ]


def uncached_pages(runs: list[SizeRun]) -> None:
    """The list and idea pages again, with the page cache off, one request at a time, so
    that p50 is what building a page costs, with no queue in it. Every size is served at
    once and loaded in turn, a short load each, round after round, with fresh servers
    now and then (bench/growth.py): the machine's drift over minutes then falls on every
    size alike, and the growth with the data is what remains."""
    twins = {
        run.size: [uncached_twin(e) for e in run.targets if e.group in ANONYMOUS_PAGES]
        for run in runs
    }

    def server(run: SizeRun):
        return lambda: Gunicorn({**server_env(run.app), "PAGE_CACHE_SECONDS": "0"})

    loads, peaks = growth.interleaved({run.size: server(run) for run in runs}, twins)
    for run in runs:
        run.peak_rss_mib += peaks[run.size]
    for run in runs:
        for endpoint in twins[run.size]:
            load = loads[run.size, endpoint.name]
            print(f"[{run.size}] {_line(endpoint.name, load)}", flush=True)
            run.measured.append(Measured(endpoint, load, None, count_queries(run.app, endpoint)))


def server_env(app) -> dict[str, str]:
    """What gunicorn's workers run with: production settings on the seeded database."""
    return {
        "COOP_CONFIG": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "BASE_URL": "https://coop.example.org",
        "BALLOT_KEY_DIR": str(app.config["BALLOT_KEY_DIR"]),
        "PROXY_FIX_X_FOR": "0",  # wrk connects directly
        # All the load comes from one address: per-address limits would refuse it.
        "LIMIT_API": "10000000 per minute",
    }


def measure(url: str, endpoint: Endpoint, args) -> tuple[LoadResult, int | None]:
    connections = args.connections
    run_wrk(url, endpoint.warm_up or endpoint.requests, args.warm_up, connections)
    before = _settle(endpoint.writes) if endpoint.writes else 0
    load = run_wrk(url, endpoint.requests, args.duration, connections, count=bool(endpoint.writes))
    if endpoint.writes is None:
        return load, None
    time.sleep(1)  # requests still in flight when wrk stopped
    return load, _rows(endpoint.writes) - before


def _settle(table: str | None) -> int:
    """Rows now, once the warm-up's last requests have landed."""
    time.sleep(1)
    return _rows(table)


def _rows(table: str | None) -> int:
    if table is None:
        return 0
    count = db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608
    db.session.rollback()
    return count


def count_queries(app, endpoint: Endpoint) -> int:
    """SQL statements of one request, in-process on the same data. For a POST, the last
    prepared request, which wrk never reached."""
    request = endpoint.requests[-1]
    client = app.test_client(use_cookies=False)  # the request's own Cookie header, as sent
    headers = {"Cookie": request.cookie, "User-Agent": "coop-bench"} if request.cookie else {}
    # A context of its own, as a request in a worker has: nothing loaded beforehand.
    with app.app_context(), QueryCounter(db.engine) as counter:
        if request.method == "POST":
            response = client.post(
                request.path,
                data=request.body,
                headers=headers,
                content_type="application/x-www-form-urlencoded",
            )
        else:
            response = client.get(request.path, headers=headers)
    redirects = request.method == "POST" or request.path.startswith("/comments/")
    expected = 302 if redirects else 200  # a comment's link redirects to its page
    assert response.status_code == expected, (endpoint.name, response.status_code)
    db.session.rollback()
    return counter.count


def _line(name: str, load: LoadResult) -> str:
    return (
        f"{name}: {load.per_second:,.0f}/s, p50 {load.p50_ms:.1f} ms, "
        f"p99 {load.p99_ms:.1f} ms, {load.errors} errors"
    )


def _machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end"
    )


if __name__ == "__main__":
    main()
