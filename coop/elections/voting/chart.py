"""The rounds of an STV count as an SVG bar chart, drawn on the server: no script, no
third-party request, no style attribute (the strict Content-Security-Policy allows none);
colours and sizes are SVG presentation attributes. The table of rounds beside it is the
accessible version; the chart carries a text alternative saying so."""

from dataclasses import dataclass
from decimal import Decimal

from coop.elections import stv

# Colours told apart with the common colour-vision deficiencies (Okabe and Ito's palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")  # fmt: skip
BAR, GAP, HEIGHT, TOP, BOTTOM, LEFT = 10, 18, 220, 16, 28, 8


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    fill: str
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    stages: list[tuple[int, int]]  # (x of the label, stage number)
    quota_y: int
    legend: list[tuple[str, str]]  # (colour, candidate)
    summary: str


def rounds_chart(result: stv.Result) -> Chart:
    """One group of bars per stage, one bar per candidate, and the quota as a line."""
    candidates = result.candidates
    top = max([Decimal(result.quota)] + [max(r.totals.values()) for r in result.rounds])
    scale = Decimal(HEIGHT) / (top or 1)
    group = len(candidates) * BAR + GAP
    bars = []
    stages = []
    for index, r in enumerate(result.rounds):
        left = LEFT + index * group
        stages.append((left + (group - GAP) // 2, r.stage))
        for number, name in enumerate(candidates):
            votes = r.totals[name]
            height = int(votes * scale)
            bars.append(Bar(left + number * BAR, TOP + HEIGHT - height, BAR - 1, height,
                            PALETTE[number % len(PALETTE)],
                            f"{name}, stage {r.stage}: {votes} votes"))  # fmt: skip
    quota_y = TOP + HEIGHT - int(Decimal(result.quota) * scale)
    summary = (
        f"Bar chart of {len(result.rounds)} stage(s): each candidate's votes at the end of "
        f"each stage, and the quota of {result.quota} as a line. Elected: "
        f"{'; '.join(result.elected) or 'nobody'}. The table below gives every figure."
    )
    return Chart(
        LEFT * 2 + len(result.rounds) * group, TOP + HEIGHT + BOTTOM, bars, stages, quota_y,
        [(PALETTE[n % len(PALETTE)], name) for n, name in enumerate(candidates)], summary,
    )  # fmt: skip
