"""Benchmark: common-ground scoring at national scale, loading from PostgreSQL included.

Creates a throwaway PostgreSQL database, migrates it, writes 100,000 members, 20,000 ideas
and 1,000,000 reactions in bulk (INSERT ... SELECT from generate_series, binary COPY),
then times loading the reactions and scoring them, and a whole run as the Celery task does
it (load, score, store). Writes bench/common_ground.md and drops the database.

    make bench        # or: .venv/bin/python -m bench.common_ground [--members N ...]

COOP_BENCH_PG_URL points at the server (default: postgres on 127.0.0.1:5432, trust auth).
"""

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from bench.database import copy_rows_like, throwaway_app
from coop.accounts.models import Member
from coop.common_ground import scorer, services
from coop.extensions import db
from coop.ideas.models import Idea, Topic
from coop.uktime import utcnow

RESULTS = Path(__file__).with_name("common_ground.md")
LIMIT_SECONDS = 30.0
SEED = 2026
BRIDGING_SHARE = 0.05  # of ideas, supported on both sides
MIDDLE_SHARE = 0.10  # of members, who lean to neither camp
POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--ideas", type=int, default=20_000)
    parser.add_argument("--reactions", type=int, default=1_000_000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    with throwaway_app():
        truth = generate(args.members, args.ideas, args.reactions)
        timings, summary = measure()
        truth["found"] = statuses_of(truth["bridging"])
    report(args, timings, summary, truth)


def generate(n_members: int, n_ideas: int, n_reactions: int) -> dict:
    """Write the population; returns which ideas were built to bridge the camps."""
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    member_ids = copy_rows_like(
        Member(
            display_name="Template",
            email="template@example.org",
            password_hash="!unusable",  # noqa: S106 - not a password: nobody signs in
            email_verified_at=utcnow(),
            privacy_notice_version="bench",
            political_opinions_consent=True,
        ),
        n_members,
        {
            "display_name": "'Member ' || g",
            "email": "'member' || g || '@example.org'",
            "session_token": "md5(g::text)",
        },
    )
    topic = Topic(name="Bench", slug="bench")
    db.session.add(topic)
    db.session.flush()
    idea_ids = copy_rows_like(
        Idea(
            slug="template",
            title="Template",
            body="An idea.",
            body_html="<p>An idea.</p>",
            topic_id=topic.id,
            author_id=int(member_ids[0]),
        ),
        n_ideas,
        {"title": "'Idea ' || g", "slug": "'idea-' || g"},
    )

    # Two camps (60/40) and a middle; ideas for one camp or bridging; skewed activity.
    member_camp = rng.choice([1, -1, 0], n_members, p=[0.54, 0.36, MIDDLE_SHARE])
    idea_camp = rng.choice([1, -1, 0], n_ideas, p=[0.55, 0.40, BRIDGING_SHARE])
    activity = rng.pareto(1.5, n_members) + 1
    popularity = rng.pareto(1.2, n_ideas) + 1
    pairs = np.array([], dtype=np.int64)
    while len(pairs) < n_reactions:  # draw until enough distinct (member, idea) pairs
        draws = n_reactions - len(pairs) + n_reactions // 10
        members = rng.choice(n_members, draws, p=activity / activity.sum())
        ideas = rng.choice(n_ideas, draws, p=popularity / popularity.sum())
        pairs = np.union1d(pairs, members.astype(np.int64) * n_ideas + ideas)
    pairs = rng.permutation(pairs)[:n_reactions]
    members, ideas = pairs // n_ideas, pairs % n_ideas
    same_side = member_camp[members] * idea_camp[ideas]
    support = np.select(
        [idea_camp[ideas] == 0, same_side > 0, same_side < 0], [0.80, 0.88, 0.12], 0.5
    )
    values = np.where(rng.random(len(pairs)) < support, 1, -1)
    copy_reactions(member_ids[members], idea_ids[ideas], values)
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return {
        "bridging": set(idea_ids[idea_camp == 0].tolist()),
        "reactions": len(pairs),
        "seconds": time.perf_counter() - started,
    }


def copy_reactions(members: np.ndarray, ideas: np.ndarray, values: np.ndarray) -> None:
    """One binary COPY into reactions (member_id, idea_id, value, created_at)."""
    row = np.dtype(
        [
            ("fields", ">i2"),
            ("member_length", ">i4"),
            ("member", ">i4"),
            ("idea_length", ">i4"),
            ("idea", ">i4"),
            ("value_length", ">i4"),
            ("value", ">i2"),
            ("created_length", ">i4"),
            ("created", ">i8"),
        ]
    )
    rows = np.empty(len(values), dtype=row)
    rows["fields"] = 4
    rows["member_length"], rows["idea_length"], rows["value_length"] = 4, 4, 2
    rows["created_length"] = 8
    rows["member"], rows["idea"], rows["value"] = members, ideas, values
    rows["created"] = int((utcnow() - POSTGRES_EPOCH).total_seconds() * 1_000_000)
    header = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
    driver = db.session.connection().connection.driver_connection
    statement = "COPY reactions (member_id, idea_id, value, created_at) FROM STDIN (FORMAT BINARY)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(header + rows.tobytes() + b"\xff\xff")


def measure() -> tuple[dict, services.RunSummary]:
    timings = {}
    started = time.perf_counter()
    reactions = services.load_reactions()
    timings["load"] = time.perf_counter() - started
    started = time.perf_counter()
    fitted = scorer.fit(reactions)
    scorer.statuses(fitted)
    timings["score"] = time.perf_counter() - started
    timings["iterations"] = fitted.iterations
    db.session.rollback()

    started = time.perf_counter()
    summary = services.recompute_scores(utcnow())
    db.session.commit()
    timings["run"] = time.perf_counter() - started
    return timings, summary


def report(args, timings: dict, summary: services.RunSummary, truth: dict) -> None:
    load_and_score = timings["load"] + timings["score"]
    verdict = (
        "PASS" if load_and_score < LIMIT_SECONDS and timings["run"] < LIMIT_SECONDS else "FAIL"
    )
    lines = [
        "# Common-ground scoring benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at the end), "
        f"Python {platform.python_version()}, numpy {np.__version__}.",
        "",
        f"Population: {args.members:,} members, {args.ideas:,} ideas, "
        f"{truth['reactions']:,} reactions in PostgreSQL (written in {truth['seconds']:.0f} s, "
        "not timed).",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| load the reactions (one binary COPY) | {timings['load']:.2f} |",
        f"| score ({timings['iterations']} alternating ridge iterations) | "
        f"{timings['score']:.2f} |",
        f"| **load + score** | **{load_and_score:.2f}** |",
        f"| whole run as the task does it (load, score, store, commit) | {timings['run']:.2f} |",
        "",
        f"Limit {LIMIT_SECONDS:.0f} s: **{verdict}**.",
        "",
        f"Result: {summary.ideas:,} ideas scored from {summary.reactions:,} reactions by "
        f"{summary.members:,} counted members; {summary.common_ground:,} with common ground.",
    ]
    found = truth["found"]
    lines += [
        "",
        f"Of the {len(truth['bridging']):,} ideas generated as bridging ideas (80% support in "
        "both camps), the share found to be common ground grows with their counted votes, as "
        "the intercept penalty intends (a handful of votes cannot lift an idea):",
        "",
        "| counted votes | bridging ideas | common ground |",
        "|---|---|---|",
    ]
    for (low, high), (hits, total) in found["bands"].items():
        label = f"{low}-{high - 1}" if high else f"{low}+"
        share = f"{100 * hits / total:.0f}%" if total else "-"
        lines.append(f"| {label} | {total:,} | {hits:,} ({share}) |")
    lines += ["", f"Other ideas found to be common ground: {found['others']:,}."]
    text = "\n".join(lines) + "\n"
    args.output.write_text(text)
    print(text)


VOTE_BANDS = ((0, 20), (20, 40), (40, 80), (80, None))


def statuses_of(bridging: set[int]) -> dict:
    """How the ideas generated as bridging ideas came out, by how many counted votes they
    had, and how many other ideas got common ground."""
    from coop.common_ground.models import IdeaScore

    rows = db.session.execute(sa.select(IdeaScore.idea_id, IdeaScore.status, IdeaScore.votes))
    bands = {band: [0, 0] for band in VOTE_BANDS}  # [common ground, all]
    others = 0
    for idea_id, status, votes in rows:
        common_ground = status == scorer.Status.COMMON_GROUND
        if idea_id not in bridging:
            others += common_ground
            continue
        for low, high in VOTE_BANDS:
            if votes >= low and (high is None or votes < high):
                bands[low, high][0] += common_ground
                bands[low, high][1] += 1
    return {"bands": bands, "others": others}


if __name__ == "__main__":
    main()
