"""Pooled connections are asked whether they are still there only after sitting idle
(coop/db/connections.py: ping_idle_connections), and one the database dropped is replaced."""

import pytest
import sqlalchemy as sa

from coop.extensions import db
from tests.conftest import TEST_DB

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgresql", reason="only a database server drops connections (PostgreSQL run)"
)


def drop_the_pooled_connections(app) -> int:
    """What a database restart does to connections waiting in the pool."""
    with app.app_context():
        url = db.engine.url
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        dropped = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    return dropped


def test_a_connection_dropped_while_idle_is_replaced_and_the_request_succeeds(app_factory):
    app = app_factory(DB_IDLE_PING_SECONDS=0)  # every connection counts as idle
    client = app.test_client()
    assert client.get("/ideas").status_code == 200
    assert drop_the_pooled_connections(app) >= 1
    assert client.get("/ideas").status_code == 200


def test_a_connection_in_steady_use_is_not_asked_first(app_factory):
    """The round trip saved on every request: a connection dropped between two requests
    moments apart fails the one request that meets it, and the pool is renewed at once."""
    app = app_factory(DB_IDLE_PING_SECONDS=3600)
    client = app.test_client()
    assert client.get("/ideas").status_code == 200
    assert drop_the_pooled_connections(app) >= 1
    assert client.get("/ideas").status_code == 500  # our error page, no stack trace
    assert client.get("/ideas").status_code == 200
