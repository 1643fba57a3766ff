"""At rest, nothing links a member to a choice: not the live rows, not rows deleted or
overwritten (a changed vote), not SQLite's WAL, not PostgreSQL's dead tuples or its WAL,
whether the vote is open or closed. The scanners (tests/rawscan.py) are shown to catch the
old plaintext layout in tests/test_rawscan.py; here they read the app's own database."""

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from coop.extensions import db
from tests.factories import client_for
from tests.proposals.helpers import (
    MEMBER,
    ORGANISER,
    add_member,
    close_due,
    end_voting,
    make_people,
    member_id,
    vote,
    votes_of,
)
from tests.rawscan import (
    RawFilesUnreadable,
    pg_stored_values,
    pg_wal_position,
    pg_wal_stored_values,
    sqlite_file_bytes,
    stored_values_in_text,
)
from tests.support import make_proposal, on_postgresql

WORDS = {"for", "against", "abstain"}


def voting_with_changes(app) -> tuple[int, dict[int, str]]:
    """Voters vote, some change their minds: the choices every earlier layout kept."""
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)
    voters = [add_member(app, f"voter{i}@example.org", f"Voter {i}") for i in range(4)]
    clients = {voter: client_for(app, f"voter{i}@example.org") for i, voter in enumerate(voters)}
    final = {}
    for (voter, client), (first, then) in zip(
        clients.items(),
        [("for", "against"), ("against", "abstain"), ("abstain", "for"), ("for", None)],
        strict=True,
    ):
        assert vote(client, proposal_id, first).status_code == 302
        if then:
            assert vote(client, proposal_id, then).status_code == 302
        final[voter] = then or first
    member = client_for(app, MEMBER)
    assert vote(member, proposal_id, "against").status_code == 302
    final[member_id(app, MEMBER)] = "against"
    assert votes_of(app, proposal_id) == final  # the key holder could read them: it is open
    return proposal_id, final


def raw_choices(app) -> list:
    """Every choice stored as a value anywhere in the database's files."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return stored_values_in_text(sqlite_file_bytes(Path(url.database)), WORDS, layout="sqlite")
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        connection.commit()
        return pg_stored_values(connection, WORDS)


def test_no_choice_is_stored_anywhere_while_open_or_after_closing(app):
    proposal_id, _final = voting_with_changes(app)

    assert raw_choices(app) == []  # while open: live, overwritten and deleted rows alike

    end_voting(app, proposal_id)
    assert close_due(app) == 1
    assert raw_choices(app) == []


def test_no_choice_reaches_postgresql_wal(app):
    if not on_postgresql(app):
        pytest.skip("PostgreSQL's WAL; SQLite's is read with the database file")
    with app.app_context(), db.engine.connect() as connection:
        start = pg_wal_position(connection)
    proposal_id, _final = voting_with_changes(app)
    end_voting(app, proposal_id)
    assert close_due(app) == 1
    with app.app_context(), db.engine.connect() as connection:
        end = pg_wal_position(connection)
        try:
            found = pg_wal_stored_values(connection, start, end, WORDS)
        except RawFilesUnreadable as error:
            from tests.conftest import service_missing

            service_missing("PostgreSQL's WAL files", error)
    assert found == []


def test_casting_logs_no_choice_and_sends_nothing(app, caplog):
    """No log line, email or task carries a ballot; the session cookie (which carries the
    flashed message) holds the tracker, not the choice."""
    make_people(app)
    proposal_id = make_proposal(app, ORGANISER)
    client = client_for(app, MEMBER)
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        from sqlalchemy import func, select

        from coop.mail.models import OutboundEmail

        emails_before = db.session.scalar(select(func.count()).select_from(OutboundEmail))
    for choice in ("against", "abstain"):
        assert vote(client, proposal_id, choice).status_code == 302
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
        assert choice not in str(session)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "against" not in logged and "abstain" not in logged
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == emails_before
