"""Views marked read_only (coop/read_only.py): outside a transaction on PostgreSQL, and
refused if they ever write, on either database."""

import pytest
from flask import request
from sqlalchemy import func, select, text

from coop.extensions import db
from coop.ideas.models import Topic
from coop.read_only import read_only
from tests.conftest import TEST_DB
from tests.factories import client_for
from tests.support import make_idea, make_member


def topics(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Topic))


RAW_INSERT = text(
    "INSERT INTO topics (name, slug, description, archived, created_at) "
    "VALUES ('Raw', 'raw', '', false, '2026-01-01 00:00:00+00:00')"
)


def test_a_read_only_view_that_writes_is_refused_and_writes_nothing(app):
    def careless():
        db.session.add(Topic(name="Written by a page", slug="written"))
        db.session.flush()
        return "written"

    def sly():
        db.session.execute(RAW_INSERT)
        db.session.commit()
        return "written"

    for name, view in (("careless", careless), ("sly", sly)):
        app.add_url_rule(f"/{name}", f"{name}_marked", view_func=read_only(view))
    app.add_url_rule("/sly-unmarked", "sly_unmarked", view_func=lambda: sly())  # not marked
    client = app.test_client()
    before = topics(app)
    for path in ("/careless", "/sly"):
        response = client.get(path)
        assert response.status_code == 500, path
        assert "written" not in response.get_data(as_text=True)
    assert topics(app) == before
    assert client.get("/sly-unmarked").status_code == 200  # the same SQL, where writing is allowed
    assert topics(app) == before + 1


WITH_INSERT = text(
    "WITH chosen AS (SELECT 'With' AS name) "
    "INSERT INTO topics (name, slug, description, archived, created_at) "
    "SELECT name, 'with', '', false, '2026-01-01 00:00:00+00:00' FROM chosen"
)
INSERT_IN_A_CTE = text(
    "WITH added AS (INSERT INTO topics (name, slug, description, archived, created_at) "
    "VALUES ('Cte', 'cte', '', false, '2026-01-01 00:00:00+00:00') RETURNING id) "
    "SELECT id FROM added"
)
READS_WORDS = text(
    "WITH \"delete\" AS (SELECT 'insert into topics' AS said, 1 AS updated_at) "
    'SELECT said, updated_at FROM "delete"'
)


def test_a_write_inside_with_is_seen_and_a_read_that_only_names_one_is_not(app):
    """The guard reads the whole statement: WITH ... INSERT, and on PostgreSQL an INSERT in
    a CTE (the shape of the app's own supports and votes), are writes."""
    writes = [WITH_INSERT] + ([INSERT_IN_A_CTE] if TEST_DB == "postgresql" else [])
    for number, statement in enumerate(writes):
        app.add_url_rule(
            f"/with-{number}",
            f"with_{number}",
            view_func=read_only(lambda statement=statement: str(db.session.execute(statement))),
        )
    app.add_url_rule(
        "/reads",
        "reads",
        view_func=read_only(lambda: str(db.session.execute(READS_WORDS).all())),
    )
    client = app.test_client()
    before = topics(app)
    for number in range(len(writes)):
        assert client.get(f"/with-{number}").status_code == 500
    assert topics(app) == before
    response = client.get("/reads")
    assert response.status_code == 200
    assert "insert into topics" in response.get_data(as_text=True)


@pytest.mark.skipif(TEST_DB != "postgresql", reason="SQLite's transactions cost no round trip")
def test_read_only_pages_run_outside_a_transaction_and_the_rest_keep_theirs(app):
    connections = []

    @app.after_request
    def note_the_connection(response):
        driver = db.session.connection().connection.driver_connection
        connections.append((request.endpoint, driver.autocommit, driver.info.transaction_status))
        return response

    make_member(app)
    idea_id = make_idea(app)
    client = client_for(app, "member@example.org")
    connections.clear()
    assert client.get(f"/ideas/{idea_id}").status_code in (200, 301)
    assert client.get("/account/two-step").status_code == 200  # not marked: a transaction
    assert client.get("/ideas").status_code == 200
    idle, in_transaction = 0, 2  # psycopg's TransactionStatus
    assert [(e, auto, int(s)) for e, auto, s in connections] == [
        ("ideas.show", True, idle),
        ("accounts.two_step", False, in_transaction),
        ("ideas.index", True, idle),
    ]
