"""Where the time goes: py-spy samples the gunicorn workers while wrk loads chosen endpoints.

    .venv/bin/python -m bench.profile --size national --endpoints "signed-in idea page"

Seeds a throwaway database as `bench.http` does, serves it with the same gunicorn and
production settings, and for each endpoint named (default: all but the ceiling) records
both workers with py-spy for the load's duration, then prints the functions that hold
the most samples: inclusive (the function or anything it called) and on top of the stack.
`--keep DIR` also writes each endpoint's collapsed stacks there, for a flame graph.
"""

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

import redis

from bench.database import throwaway_app
from bench.http import APP_SETTINGS, MEMBERS, REDIS_URL, SIZES, measure, server_env
from bench.http_targets import endpoints
from bench.load import Gunicorn
from bench.national_data import seed
from coop.uktime import utcnow

SKIPPED = ("static file (the ceiling)",)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="national", choices=SIZES)
    parser.add_argument("--endpoints", default="", help="names, comma-separated")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warm-up", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--no-profile", action="store_true", help="only measure, no py-spy")
    args = parser.parse_args()
    wanted = [name for name in args.endpoints.split(",") if name]
    with throwaway_app(f"coop_bench_profile_{args.size}", APP_SETTINGS) as app:
        network = seed(MEMBERS, SIZES[args.size], utcnow())
        targets = [
            e
            for e in endpoints(app, network)
            if (e.name in wanted if wanted else e.name not in SKIPPED)
        ]
        redis.Redis.from_url(REDIS_URL).flushdb()
        env = server_env(app)
        with Gunicorn(env) as server:
            for endpoint in targets:
                if args.no_profile:
                    load, _ = measure(server.url, endpoint, args)
                    print(f"{endpoint.name}: {load.per_second:,.0f}/s, p99 {load.p99_ms:.1f} ms")
                    continue
                stacks, load = _profiled(server, endpoint, args)
                print(f"\n## {endpoint.name}: {load.per_second:,.0f}/s, p99 {load.p99_ms:.1f} ms")
                _print_top(stacks, args.top)
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    name = endpoint.name.replace(" ", "-").replace(",", "")
                    (args.keep / f"{name}.txt").write_text(
                        "".join(f"{s} {n}\n" for s, n in stacks.items())
                    )


def _profiled(server: Gunicorn, endpoint, args):
    with tempfile.TemporaryDirectory() as folder:
        outputs = [Path(folder) / f"{pid}.txt" for pid in server.worker_pids()]
        spy = str(Path(sys.executable).with_name("py-spy"))
        seconds = str(int(args.duration + args.warm_up + 3))
        options = ["--duration", seconds, "--rate", "250", "--format", "raw", "--nonblocking"]
        spies = [
            subprocess.Popen(  # noqa: S603 - our own command line
                [spy, "record", "--pid", str(pid), *options, "--output", str(output)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid, output in zip(server.worker_pids(), outputs, strict=True)
        ]
        load, _ = measure(server.url, endpoint, args)
        for spy in spies:
            spy.wait()
        stacks = collections.Counter()
        for output in outputs:
            for line in output.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if count.isdigit():  # py-spy splits a rare line
                    stacks[stack] += int(count)
    return stacks, load


def _print_top(stacks: collections.Counter, top: int) -> None:
    total = sum(stacks.values()) or 1
    inclusive, on_top = collections.Counter(), collections.Counter()
    for stack, count in stacks.items():
        frames = [_short(frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += count
        on_top[frames[-1]] += count
    for title, counter in (("inclusive", inclusive), ("on top", on_top)):
        print(f"\n{title} (% of {total:,} samples)")
        for frame, count in counter.most_common(top):
            print(f"{100 * count / total:5.1f}%  {frame}")


def _short(frame: str) -> str:
    """`function (path/to/module.py:12)` without the line and the site-packages prefix."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


if __name__ == "__main__":
    main()
