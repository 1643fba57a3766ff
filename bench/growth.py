"""How building a page grows with the data: every size's server loaded in turn, page by
page, in short rounds, over one connection (so that p50 is the build time, no queue).

Loaded one size after another, minutes apart, the sizes met a machine whose speed drifts
by more than the growth to be measured (a page that builds in 6 ms moved by 1-2 ms between
runs of the same code). Interleaved, the drift falls on every size alike: each round loads
the page from each size for ROUND_SECONDS, the first size of a round turning with the
rounds. A server's own processes can also be a little slower than another's for as long
as they live, so the rounds are split between BLOCKS fresh starts of the servers; each
size's figures are the medians of all its rounds.
"""

import contextlib
import statistics
from collections.abc import Callable, Mapping, Sequence

from bench.http_targets import Endpoint
from bench.load import Gunicorn, LoadResult, run_wrk

BLOCKS = 3
ROUNDS_PER_BLOCK = 3
ROUND_SECONDS = 1  # wrk takes whole seconds
WARM_UP_SECONDS = 1


def interleaved(
    servers: Mapping[str, Callable[[], Gunicorn]], pages: Mapping[str, Sequence[Endpoint]]
) -> tuple[dict[tuple[str, str], LoadResult], dict[str, list[float]]]:
    """{(size, endpoint name): load} for the same endpoints, by name, at every size, each
    size served by a Gunicorn its factory in `servers` makes; and each size's workers' peak
    memory, in MiB."""
    sizes = list(servers)
    samples: dict[tuple[str, str], list[LoadResult]] = {}
    peaks: dict[str, list[float]] = {size: [] for size in sizes}
    for _ in range(BLOCKS):
        with contextlib.ExitStack() as stack:
            started = {size: stack.enter_context(servers[size]()) for size in sizes}
            urls = {size: server.url for size, server in started.items()}
            for key, loads in _rounds(urls, pages).items():
                samples.setdefault(key, []).extend(loads)
            for size, server in started.items():
                peaks[size] += server.peak_rss_mib()
    return {key: median_of(loads) for key, loads in samples.items()}, peaks


def _rounds(
    urls: Mapping[str, str], pages: Mapping[str, Sequence[Endpoint]]
) -> dict[tuple[str, str], list[LoadResult]]:
    sizes = list(urls)
    by_name = {size: {endpoint.name: endpoint for endpoint in pages[size]} for size in sizes}
    found: dict[tuple[str, str], list[LoadResult]] = {}
    for name in by_name[sizes[0]]:
        for size in sizes:
            run_wrk(urls[size], by_name[size][name].requests, WARM_UP_SECONDS, 1)
        for number in range(ROUNDS_PER_BLOCK):
            turn = number % len(sizes)
            for size in sizes[turn:] + sizes[:turn]:
                load = run_wrk(urls[size], by_name[size][name].requests, ROUND_SECONDS, 1)
                found.setdefault((size, name), []).append(load)
    return found


def median_of(loads: Sequence[LoadResult]) -> LoadResult:
    """One load for several short ones: requests and time added up, each latency figure the
    median of the loads' figures."""

    def median(field: str) -> float:
        return statistics.median(getattr(load, field) for load in loads)

    return LoadResult(
        requests=sum(load.requests for load in loads),
        seconds=sum(load.seconds for load in loads),
        errors=sum(load.errors for load in loads),
        p50_ms=median("p50_ms"),
        p90_ms=median("p90_ms"),
        p99_ms=median("p99_ms"),
        max_ms=max(load.max_ms for load in loads),
        counted_ok=sum(load.counted_ok for load in loads),
        wrapped=sum(load.wrapped for load in loads),
    )
