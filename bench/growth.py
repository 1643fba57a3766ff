"""How building a page grows with the data: every size's server loaded in turn, page by
page, in short rounds, over one connection (so that p50 is the build time, no queue).

Loaded one size after another, minutes apart, the sizes met a machine whose speed drifts
by more than the growth to be measured (a page that builds in 6 ms moved by 1-2 ms between
runs of the same code). Interleaved, the drift falls on every size alike: each round loads
the page from each size for ROUND_SECONDS, the first size of a round turning with the
rounds, and each size's figures are the medians of its rounds.
"""

import statistics
from collections.abc import Mapping, Sequence

from bench.http_targets import Endpoint
from bench.load import LoadResult, run_wrk

ROUNDS = 9
ROUND_SECONDS = 1  # wrk takes whole seconds
WARM_UP_SECONDS = 1


def interleaved(
    urls: Mapping[str, str], pages: Mapping[str, Sequence[Endpoint]], rounds: int = ROUNDS
) -> dict[tuple[str, str], LoadResult]:
    """{(size, endpoint name): load} for the same endpoints, by name, at every size."""
    sizes = list(urls)
    by_name = {size: {endpoint.name: endpoint for endpoint in pages[size]} for size in sizes}
    found = {}
    for name in by_name[sizes[0]]:
        for size in sizes:
            run_wrk(urls[size], by_name[size][name].requests, WARM_UP_SECONDS, 1)
        samples: dict[str, list[LoadResult]] = {size: [] for size in sizes}
        for number in range(rounds):
            turn = number % len(sizes)
            for size in sizes[turn:] + sizes[:turn]:
                samples[size].append(
                    run_wrk(urls[size], by_name[size][name].requests, ROUND_SECONDS, 1)
                )
        for size in sizes:
            found[size, name] = median_of(samples[size])
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
