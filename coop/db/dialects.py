"""Where PostgreSQL (production) and SQLite (the embedded default of `make run`) differ: one
function per capability, so that feature code asks what the database can do and never which
one it is. The statements themselves stay with their features; this module answers the
question, or hands back the construct that differs.

Each question is about the session's database unless given another: an engine, a connection,
a session, or a kind from `name()` (statements built once per kind of database).

SQLite's own connections are set up here too (`prepare`): foreign keys, WAL, a busy timeout,
deleted rows overwritten, and the write lock taken at BEGIN; after a commit that erased
something, `checkpoint_sqlite` empties its WAL.
"""

import logging
import time

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from coop.extensions import db

log = logging.getLogger(__name__)

Database = str | Engine | Connection | Session | scoped_session | None


def _name(on: Database) -> str:
    if isinstance(on, str):
        return on
    if on is None:
        on = db.session
    if isinstance(on, Session | scoped_session):
        on = on.get_bind()
    return on.dialect.name


def name(on: Database = None) -> str:
    """The kind of database: the key of statements built once per kind (`@cache`), handed
    back to the questions below when the statements are built. Compared with nothing else."""
    return _name(on)


def transactions_cost_round_trips(on: Database = None) -> bool:
    """BEGIN, and the COMMIT or ROLLBACK that ends it, each cross the network to a server
    (PostgreSQL): a page that only reads is quicker without a transaction. SQLite's cost no
    round trip."""
    return _name(on) == "postgresql"


def writes_in_cte(on: Database = None) -> bool:
    """One statement may INSERT or UPDATE inside a WITH and use the rows it returns
    (PostgreSQL): a write and what follows from it in one round trip. SQLite has no INSERT or
    UPDATE in a WITH."""
    return _name(on) == "postgresql"


def insert_or_skip(entity, on: Database = None):
    """An INSERT that takes ON CONFLICT clauses (on_conflict_do_nothing, on_conflict_do_update),
    for the database in use or the one given: PostgreSQL and SQLite both have them."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if _name(on) == "postgresql" else sqlite).insert(entity)


def has_asynchronous_commit(on: Database = None) -> bool:
    """A transaction may commit without waiting for its write to reach the disk (PostgreSQL's
    synchronous_commit off): only a crash of the database itself can lose the last fraction of
    a second of such commits, never part of one."""
    return _name(on) == "postgresql"


def has_tsvector_search(on: Database = None) -> bool:
    """Full-text search is a tsvector column kept by a trigger, matched by
    websearch_to_tsquery (PostgreSQL, migration 0009); otherwise it is an FTS5 table kept in
    step by triggers (SQLite, migration 0001)."""
    return _name(on) == "postgresql"


def search_index_keeps_replaced_words(on: Database = None) -> bool:
    """The full-text index keeps the words of replaced or deleted text in its pages until it is
    merged (SQLite's FTS5: INSERT INTO <table>(<table>) VALUES ('optimize')). PostgreSQL's
    follows the rows."""
    return _name(on) == "sqlite"


def copies_in_bulk(on: Database = None) -> bool:
    """Rows stream in and out through the driver's COPY (PostgreSQL with psycopg: COPY ... TO
    STDOUT and FROM STDIN), many times quicker than fetching rows or batched INSERTs."""
    return _name(on) == "postgresql"


def begin_takes_the_write_lock(on: Database = None) -> bool:
    """Every transaction holds the database's one write lock from its BEGIN (SQLite: BEGIN
    IMMEDIATE, see `prepare`), so writers already wait for each other and no table lock is
    needed. PostgreSQL locks rows and tables as statements ask."""
    return _name(on) == "sqlite"


BUSY_TIMEOUT_MS = 5000


def prepare(engine: Engine) -> None:
    """Set up an engine's connections where the database needs it (SQLite); nothing
    elsewhere. Called for each of the app's engines before it connects."""
    if engine.dialect.name != "sqlite":
        return
    # Ahead of every other listener: nothing runs on a connection before them.
    event.listen(engine, "connect", _sqlite_pragmas, insert=True)
    event.listen(engine, "begin", _sqlite_begin, insert=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLAlchemy, not pysqlite, begins transactions (see _sqlite_begin), so savepoints work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # A deleted row's bytes are overwritten with zeros, not left readable in the file's free
    # space (erased accounts, ballots); the WAL still holds them until a checkpoint_sqlite().
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(connection) -> None:
    """Take SQLite's write lock at the start: a transaction that read first and wrote later
    would otherwise fail with "database is locked" when another writer got in between."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


CHECKPOINT_TRIES = 3
CHECKPOINT_WAIT_MS = 100


def checkpoint_sqlite(bind: Engine | Session | scoped_session | None = None) -> bool:
    """After a commit that erased something (an account, the ballots of a closed vote): copy
    SQLite's WAL into the database file, where secure_delete has zeroed the deleted rows, and
    empty the WAL, which still holds the pages as they were before. True once the WAL is
    empty; on PostgreSQL there is nothing to do (dead rows stay until vacuum: see README).

    Safe with other connections open: a reader still on an older snapshot keeps the WAL in
    use, so after a few short tries (well under a second in all) this gives up, logged at
    debug and never raised. The old pages then stay in the WAL until the next call empties
    it, or SQLite's own checkpoints (which never shrink the file) write over them."""
    is_session = isinstance(bind, Session | scoped_session)
    engine = bind.get_bind() if is_session else bind or db.engine
    if engine.dialect.name != "sqlite":
        return True
    # The DBAPI connection, not a Connection: ours would begin a write transaction
    # (_sqlite_begin), and SQLite does not checkpoint inside one.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            for attempt in range(CHECKPOINT_TRIES):
                busy, _frames, _copied = cursor.execute(
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).fetchone()
                if not busy:
                    return True
                if attempt + 1 < CHECKPOINT_TRIES:
                    time.sleep(CHECKPOINT_WAIT_MS / 1000 * (attempt + 1))
        finally:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()
    except engine.dialect.loaded_dbapi.Error:
        log.debug("SQLite checkpoint failed", exc_info=True)
        return False
    finally:
        connection.close()
    log.debug("SQLite checkpoint: the WAL is still in use by a reader; it stays until later")
    return False
