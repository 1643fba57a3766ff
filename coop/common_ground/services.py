"""Loading reactions for the scorer and keeping one run's idea scores.

Reactions are read in bulk as plain arrays (PostgreSQL: one binary COPY), never as ORM
objects. Only idea scores are written; member factors stay inside the scorer.
"""

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import Integer, Select, SmallInteger, cast, delete, func, select, text

from coop.accounts.models import Member
from coop.accounts.permissions import require_organiser
from coop.audit import services as audit
from coop.celery_app import enqueue_after_commit
from coop.common_ground import scorer
from coop.common_ground.models import IdeaScore
from coop.common_ground.ranking import store_ranks
from coop.db import dialects
from coop.extensions import db
from coop.ideas.models import Reaction

TASK_NAME = "coop.common_ground.recompute"

_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
# A row of the binary COPY: field count, then (length, value) for int4, int4, int2.
_COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("member_length", ">i4"),
        ("member", ">i4"),
        ("idea_length", ">i4"),
        ("idea", ">i4"),
        ("value_length", ">i4"),
        ("value", ">i2"),
    ]
)


@dataclass(frozen=True)
class RunSummary:
    ideas: int
    common_ground: int
    reactions: int
    members: int
    computed_at: datetime


def load_reactions() -> scorer.Reactions:
    """Every counted reaction as arrays, in one statement."""
    statement = _counted_reactions()
    if dialects.copies_in_bulk():
        return _copy_reactions(statement)
    rows = np.array(db.session.execute(statement).all(), dtype=np.int64).reshape(-1, 3)
    return scorer.Reactions(rows[:, 0], rows[:, 1], rows[:, 2])


def _counted_reactions() -> Select:
    """Reactions of members who consent to the processing of their political opinions and
    are not banned; the casts fix the widths the binary COPY parser expects."""
    return (
        select(
            cast(Reaction.member_id, Integer),
            cast(Reaction.idea_id, Integer),
            cast(Reaction.value, SmallInteger),
        )
        .join(Member, Member.id == Reaction.member_id)
        .where(Member.political_opinions_consent, Member.banned_at.is_(None))
    )


def _copy_reactions(statement: Select) -> scorer.Reactions:
    driver = db.session.connection().connection.driver_connection
    query = statement.compile(dialect=db.session.get_bind().dialect)
    data = bytearray()
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as copy,
    ):
        for block in copy:
            data += block
    return _parse_binary_copy(bytes(data))


def _parse_binary_copy(data: bytes) -> scorer.Reactions:
    if not data.startswith(_COPY_SIGNATURE):
        raise ValueError("not a binary COPY stream")
    extension = int.from_bytes(data[15:19], "big")
    body = data[19 + extension : -2]  # after the header, before the -1 trailer
    if data[-2:] != b"\xff\xff" or len(body) % _COPY_ROW.itemsize:
        raise ValueError("truncated binary COPY stream")
    rows = np.frombuffer(body, dtype=_COPY_ROW)
    lengths = (rows["member_length"] == 4) & (rows["idea_length"] == 4)
    if not (np.all(rows["fields"] == 3) and np.all(lengths & (rows["value_length"] == 2))):
        raise ValueError("unexpected row layout in binary COPY stream")
    return scorer.Reactions(
        rows["member"].astype(np.int64),
        rows["idea"].astype(np.int64),
        rows["value"].astype(np.int64),
    )


def recompute_scores(now: datetime) -> RunSummary:
    """Score every idea from the current reactions and store the results as of `now`,
    replacing the previous run's. Flushes, never commits."""
    reactions = load_reactions()
    fitted = scorer.fit(reactions)
    _lock_scores()
    previous = dict(db.session.execute(select(IdeaScore.idea_id, IdeaScore.status)).all())
    results = scorer.statuses(fitted, previous)
    db.session.execute(delete(IdeaScore))
    _insert_scores(
        [
            (
                idea_id,
                result.status.value,
                result.score,
                result.divide,
                result.votes,
                result.side_a_support,
                result.side_b_support,
                now,
            )
            for idea_id, result in sorted(results.items())
        ]
    )
    store_ranks()
    return RunSummary(
        ideas=len(results),
        common_ground=sum(r.status == scorer.Status.COMMON_GROUND for r in results.values()),
        reactions=len(reactions.values),
        members=len(fitted.member_ids),
        computed_at=now,
    )


_SCORE_COLUMNS = (
    "idea_id",
    "status",
    "score",
    "divide",
    "votes",
    "side_a_support",
    "side_b_support",
    "computed_at",
)


def _insert_scores(rows: list[tuple]) -> None:
    """Tens of thousands of rows: one COPY on PostgreSQL (ten times quicker than batched
    INSERTs), a batched INSERT elsewhere."""
    if not rows:
        return
    if not dialects.copies_in_bulk():
        db.session.execute(
            IdeaScore.__table__.insert(),
            [dict(zip(_SCORE_COLUMNS, row, strict=True)) for row in rows],
        )
        return
    driver = db.session.connection().connection.driver_connection
    statement = f"COPY idea_scores ({', '.join(_SCORE_COLUMNS)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _lock_scores() -> None:
    """One run writes at a time (readers are not blocked). SQLite transactions already
    take the write lock when they begin."""
    if not dialects.begin_takes_the_write_lock():
        db.session.execute(text("LOCK TABLE idea_scores IN EXCLUSIVE MODE"))


def request_recompute(actor: Member) -> None:
    """An organiser asks for a run now; it is queued once the request commits."""
    require_organiser(actor)
    audit.record(actor, "common_ground.recompute")
    enqueue_after_commit(db.session, TASK_NAME)


def last_run_at() -> datetime | None:
    return db.session.scalar(select(func.max(IdeaScore.computed_at)))


def common_ground_count() -> int:
    statement = select(func.count()).where(IdeaScore.status == scorer.Status.COMMON_GROUND)
    return db.session.scalar(statement) or 0
