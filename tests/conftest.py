"""Test fixtures. Each test gets a new app on a migrated database of the kind in COOP_TEST_DB.

COOP_TEST_DB=sqlite (default) or postgresql. Redis, PostgreSQL and the SMTP server are real.
Under CI (CI=true) a missing PostgreSQL or Redis fails the run instead of skipping.
"""

import contextlib
import os
import shutil
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask_migrate import upgrade

from coop import create_app
from coop.extensions import db
from tests.support import SmtpSink, free_port, template_cache

TEST_DB = os.environ.get("COOP_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "COOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("COOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_sessionstart(session) -> None:
    """Start from an empty test Redis (db 15): rate-limit counts left by an earlier run
    would otherwise refuse this run's requests. Only the controlling process does it, before
    any worker starts (a worker's session starts while others may be running tests)."""
    if hasattr(session.config, "workerinput"):
        return
    with contextlib.suppress(redis.RedisError):  # the tests that need Redis say so
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()


@pytest.fixture(autouse=True)
def _celery_joins_after_an_in_process_worker():
    """A Celery worker started in this process (celery.contrib.testing's start_worker) marks
    the whole process as a worker, after which every eager task's .get() refuses to run.
    Each test starts as an ordinary process again."""
    yield
    from celery import result

    result._set_task_join_will_block(False)


def service_missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable: {error}"
    if IN_CI:
        pytest.fail(f"{message} (required under CI)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        service_missing("Redis", error)
    return REDIS_URL


def _worker_name(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def database(request, tmp_path_factory):
    """A migrated database for this test worker; returns a function giving a test's URL."""
    if TEST_DB == "postgresql":
        yield from _postgresql_database(_worker_name(request))
    else:
        template = tmp_path_factory.mktemp("db") / "template.sqlite"
        _migrate(f"sqlite:///{template}")

        def sqlite_url(tmp_path: Path) -> str:
            copy = tmp_path / "coop.sqlite"
            if not copy.exists():
                shutil.copyfile(template, copy)
            return f"sqlite:///{copy}"

        yield sqlite_url


def _postgresql_database(worker: str):
    name = f"coop_test_{worker}_{os.getpid()}"  # runs in parallel never share a database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        service_missing("PostgreSQL", error)
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    yield lambda _tmp_path: url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _migrate(url: str) -> None:
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _empty_tables(url: str) -> None:
    """Empty every table after a PostgreSQL test. DELETE with triggers off (the audit log
    refuses deletes by design) is much quicker than TRUNCATE for a few rows."""
    if not url.startswith("postgresql"):
        return  # each SQLite test has its own copy of the database
    engine = _cleanup_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(
            sa.text(
                "SELECT setval(s.oid, 1, false) FROM pg_class s "
                "WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace"
            )
        )


_cleanup_engines: dict[str, sa.Engine] = {}


def _cleanup_engine(url: str) -> sa.Engine:
    if url not in _cleanup_engines:
        _cleanup_engines[url] = sa.create_engine(url, poolclass=sa.pool.NullPool)
    return _cleanup_engines[url]


def make_app(database, tmp_path: Path, **overrides):
    settings = {
        "SQLALCHEMY_DATABASE_URI": database(tmp_path),
        "MAIL_OUTBOX_DIR": tmp_path / "outbox",
        "BALLOT_KEY_DIR": tmp_path / "ballot-keys",
        "INSTANCE_DIR": tmp_path,
    }
    settings.update(overrides)
    app = create_app("test", settings)
    app.jinja_env.bytecode_cache = template_cache
    return app


@pytest.fixture
def app_factory(database, tmp_path):
    """Build the app with extra settings; the database is emptied after the test."""
    apps = []

    def build(**overrides):
        app = make_app(database, tmp_path, **overrides)
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    _empty_tables(database(tmp_path))


@pytest.fixture
def app(app_factory):
    """The app, without an active context: each request gets its own, as in production."""
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def stripe_api():
    """A local stand-in for Stripe's API and webhooks (tests/donations/stripe_standin.py)."""
    from tests.donations.stripe_standin import StripeStandIn

    with StripeStandIn() as standin:
        yield standin


@pytest.fixture
def outbox(app):
    from tests.support import Outbox

    return Outbox(Path(app.config["MAIL_OUTBOX_DIR"]))


@pytest.fixture
def smtp_server():
    sink = SmtpSink(free_port())
    sink.start()
    yield sink
    sink.stop()
