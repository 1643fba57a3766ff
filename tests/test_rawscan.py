"""The raw-storage scanners (tests/rawscan.py) find vote choices that SQL no longer shows and
ignore the same words in schema text and prose: the old plaintext ballots layout is caught,
so a clean scan of the new layout means something.

Each test uses its own database (a temporary SQLite file, or PostgreSQL's rawscan_<pid>), so
they run the same under COOP_TEST_DB=sqlite and postgresql.
"""

import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL, service_missing
from tests.rawscan import (
    RawFilesUnreadable,
    pg_stored_values,
    pg_wal_bytes,
    pg_wal_position,
    pg_wal_stored_values,
    pg_waldump_records,
    sqlite_file_bytes,
    stored_values_in_text,
)

WORDS = {"for", "against", "abstain"}
CAST_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
# member_id 65 stores 'A' and 300 stores ',' just before the choice: printable neighbours.
BALLOTS = [
    {"proposal_id": 1, "member_id": 1, "choice": "for", "cast_at": CAST_AT},
    {"proposal_id": 1, "member_id": 65, "choice": "against", "cast_at": CAST_AT},
    {"proposal_id": 1, "member_id": 300, "choice": "abstain", "cast_at": CAST_AT},
    {"proposal_id": 2, "member_id": 9, "choice": "for", "cast_at": CAST_AT},
]
NOTES = [
    {"votes_against": 3, "body": "I vote for this"},
    {"votes_against": 4, "body": "against the odds"},
    {"votes_against": 9, "body": "We abstain from nothing: for, against, abstain."},
]


def old_ballots_table(metadata: sa.MetaData) -> sa.Table:
    """The ballots layout before encryption: the choice in the clear."""
    return sa.Table(
        "ballots",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("choice", sa.String(8), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("choice IN ('for', 'against', 'abstain')", name="ck_ballots_choice"),
    )


def notes_table(metadata: sa.MetaData) -> sa.Table:
    """The words only in schema text and prose, never as a value of their own."""
    return sa.Table(
        "notes",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("votes_against", sa.Integer),
        sa.Column("body", sa.Text, nullable=False),
        sa.CheckConstraint("body NOT IN ('for', 'against', 'abstain')", name="ck_notes_body"),
    )


def cast_change_and_delete(engine: sa.Engine, ballots: sa.Table) -> None:
    """Separate commits, as in use: a page written once, after the delete, would hold nothing."""
    with engine.begin() as connection:
        connection.execute(ballots.insert(), BALLOTS)
    with engine.begin() as connection:
        changed = ballots.update().where(ballots.c.member_id == 1).values(choice="against")
        connection.execute(changed)
    with engine.begin() as connection:
        connection.execute(ballots.delete())


def words_of(hits: list[tuple[object, str]]) -> set[str]:
    return {word for _, word in hits}


def test_the_framing_rules_accept_length_headed_values_and_reject_text():
    assert stored_values_in_text(b"\x00\x09for\x00", WORDS, layout="postgresql") == [(2, "for")]
    assert stored_values_in_text(b"\x11against", WORDS, layout="postgresql") == [(1, "against")]
    assert stored_values_in_text(b"\x2c\x00\x00\x00abstain", WORDS) == [(4, "abstain")]
    # SQLite record (rowid, 1, 65, 'against', 26-character cast_at): 'A' before, '2' after.
    record = b"\x06\x00\x09\x01\x1b\x41\x41against2024-05-01 12:00:00.000000"
    assert stored_values_in_text(record, WORDS, layout="sqlite") == [(7, "against")]
    for text in [
        b"votes_against INTEGER",
        b"CHECK (choice IN ('for', 'against', 'abstain'))",
        b"\x00I vote for this\x00",
        b"\x01against the odds",
        b"SQLite format 3\x00",
        b"\x06\x00\x09\x01\x1b\x41\x41for2024",  # the header gives this column 7 bytes
    ]:
        assert stored_values_in_text(text, WORDS) == [], text


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[tuple[sa.Engine, Path]]:
    path = tmp_path / "rawscan.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    yield engine, path
    engine.dispose()


def test_sqlite_wal_keeps_deleted_and_changed_choices(sqlite_engine):
    engine, path = sqlite_engine
    metadata = sa.MetaData()
    ballots = old_ballots_table(metadata)
    with engine.begin() as connection:
        metadata.create_all(connection)
    cast_change_and_delete(engine, ballots)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.execute(sa.select(sa.func.count()).select_from(ballots)).scalar() == 0
        # Scanned while a connection is open: closing the last one checkpoints the WAL.
        raw = sqlite_file_bytes(path)
    hits = stored_values_in_text(raw, WORDS, layout="sqlite")
    assert words_of([hit for hit in hits if hit[0] >= path.stat().st_size]) == WORDS  # the WAL


def test_sqlite_database_file_keeps_checkpointed_choices(sqlite_engine):
    engine, path = sqlite_engine
    metadata = sa.MetaData()
    ballots = old_ballots_table(metadata)
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(ballots.insert(), BALLOTS)
    raw_connection = engine.raw_connection()  # a checkpoint cannot run inside a transaction
    try:
        raw_connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert Path(f"{path}-wal").stat().st_size == 0
        hits = stored_values_in_text(sqlite_file_bytes(path), WORDS, layout="sqlite")
    finally:
        raw_connection.close()
    assert Counter(word for _, word in hits) == Counter(row["choice"] for row in BALLOTS)


def test_sqlite_schema_text_and_prose_are_not_stored_choices(sqlite_engine):
    engine, path = sqlite_engine
    metadata = sa.MetaData()
    notes = notes_table(metadata)
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(notes.insert(), NOTES)
    with engine.begin() as connection:
        connection.execute(notes.delete().where(notes.c.votes_against == 4))
    with engine.connect() as connection:
        raw = sqlite_file_bytes(path)
        assert b"votes_against" in raw
        assert b"against the odds" in raw
    assert stored_values_in_text(raw, WORDS, layout="sqlite") == []
    assert stored_values_in_text(raw, WORDS) == []


@pytest.fixture
def pg_engine() -> Iterator[sa.Engine]:
    """A throwaway database: the scanners read every table of the public schema."""
    name = f"rawscan_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        service_missing("PostgreSQL", error)
    engine = sa.create_engine(admin.url.set(database=name), poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def create_without_autovacuum(connection: sa.Connection, metadata: sa.MetaData) -> None:
    """Autovacuum would remove the dead tuples under test (only after 50, but be sure)."""
    metadata.create_all(connection)
    for table in metadata.sorted_tables:
        connection.execute(sa.text(f"ALTER TABLE {table.name} SET (autovacuum_enabled = false)"))


def wal_bytes_or_skip(connection: sa.Connection, start: str, end: str) -> bytes:
    try:
        return pg_wal_bytes(connection, start, end)
    except RawFilesUnreadable as error:
        service_missing("PostgreSQL's WAL files", error)
        raise


def test_postgresql_dead_tuples_keep_deleted_and_changed_choices(pg_engine):
    metadata = sa.MetaData()
    ballots = old_ballots_table(metadata)
    sa.Index("ix_ballots_choice", ballots.c.choice)
    with pg_engine.begin() as connection:
        create_without_autovacuum(connection, metadata)
    cast_change_and_delete(pg_engine, ballots)
    with pg_engine.begin() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(ballots)).scalar() == 0
        hits = pg_stored_values(connection, WORDS)
    in_heap = Counter(word for relation, word in hits if relation == "ballots")
    assert in_heap == Counter({"for": 2, "against": 2, "abstain": 1})  # the update's two versions
    assert words_of([hit for hit in hits if hit[0] == "ix_ballots_choice"]) == WORDS


def test_postgresql_wal_keeps_deleted_and_changed_choices(pg_engine):
    metadata = sa.MetaData()
    ballots = old_ballots_table(metadata)
    with pg_engine.begin() as connection:
        create_without_autovacuum(connection, metadata)
        filenode = connection.execute(sa.text("SELECT pg_relation_filenode('ballots')")).scalar()
        data_dir = connection.execute(sa.text("SHOW data_directory")).scalar_one()
    with pg_engine.begin() as connection:
        start = pg_wal_position(connection)
    cast_change_and_delete(pg_engine, ballots)
    with pg_engine.begin() as connection:
        end = pg_wal_position(connection)
        raw = wal_bytes_or_skip(connection, start, end)
        in_database = pg_wal_stored_values(connection, start, end, WORDS)
    assert words_of(stored_values_in_text(raw, WORDS, layout="postgresql")) == WORDS
    assert words_of(in_database) == WORDS
    listing = pg_waldump_records(data_dir, start, end).splitlines()
    touching = " ".join(line for line in listing if f"/{filenode} blk" in line)
    assert "desc: INSERT" in touching
    assert "desc: DELETE" in touching


def test_postgresql_schema_text_and_prose_are_not_stored_choices(pg_engine):
    metadata = sa.MetaData()
    notes = notes_table(metadata)
    with pg_engine.begin() as connection:
        start = pg_wal_position(connection)
    with pg_engine.begin() as connection:
        create_without_autovacuum(connection, metadata)  # catalog rows go through the WAL too
        connection.execute(notes.insert(), NOTES)
    with pg_engine.begin() as connection:
        connection.execute(notes.delete().where(notes.c.votes_against == 4))
    with pg_engine.begin() as connection:
        end = pg_wal_position(connection)
        raw = wal_bytes_or_skip(connection, start, end)
        assert pg_stored_values(connection, WORDS) == []
        # Only this database's records: tests in other databases may write ballots meanwhile.
        assert pg_wal_stored_values(connection, start, end, WORDS) == []
    assert b"votes_against" in raw  # the words did reach the WAL, as schema and prose
    assert b"against the odds" in raw
