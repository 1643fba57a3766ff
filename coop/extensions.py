"""Flask extensions, created unbound and initialised in create_app()."""

import logging
import time
from datetime import UTC, datetime

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.types import DateTime, TypeDecorator

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Stores UTC everywhere and always hands back timezone-aware datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


BUSY_TIMEOUT_MS = 5000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__ != "sqlite3":
        return
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


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """Take SQLite's write lock at the start: a transaction that read first and wrote later
    would otherwise fail with "database is locked" when another writer got in between."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


def insert_or_skip(entity, dialect_name: str | None = None):
    """An INSERT that takes ON CONFLICT clauses, for the database in use or the one named
    (PostgreSQL and SQLite both have them)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_name = dialect_name or db.session.get_bind().dialect.name
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(entity)


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Ask the database whether a pooled connection is still there only when it has been
    idle for `idle_seconds`: pool_pre_ping asks on every checkout, a round trip on every
    request, while a connection in steady use has just proved itself. One left idle (the
    database restarted, a firewall forgot it) that does not answer is replaced, with every
    connection pooled before it, and the request goes on with a new one."""

    @event.listens_for(engine.pool, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # new, or back in the pool a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.InvalidatePoolError("connection lost while idle")
