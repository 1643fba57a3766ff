"""Recovery codes are kept under a slow, salted hash (codes issued before it keep working),
and a two-step code's replay check is one conditional UPDATE."""

import hashlib
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import select, update

from coop import create_app
from coop.accounts import second_factor
from coop.accounts.models import Member, RecoveryCode, Role
from coop.errors import Invalid
from coop.extensions import db
from coop.uktime import utcnow
from tests.databases import fresh_database_url
from tests.support import PASSWORD, TOTP_SECRET, load_member, make_member


def enable_with_codes(app) -> list[str]:
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    with app.app_context():
        member = db.session.merge(load_member(app, "org@example.org"))
        member.totp_secret = None
        codes = second_factor.enable(member, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).now(), PASSWORD)
        db.session.commit()
        return codes


def test_recovery_codes_are_stored_under_a_salted_slow_hash(app):
    codes = enable_with_codes(app)
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    unsalted = {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes}
    assert len(stored) == 10 and not set(stored) & unsalted
    assert all(value.startswith("$argon2id$") for value in stored)
    assert len(set(stored)) == 10


def test_a_recovery_code_still_works_once_under_the_new_hash(app):
    [code, *_] = enable_with_codes(app)
    with app.app_context():
        member = db.session.get(Member, load_member(app, "org@example.org").id)
        second_factor.verify(member, code.upper())  # spelled as a member may type it
        db.session.commit()
        with pytest.raises(Invalid):
            second_factor.verify(member, code)
        assert second_factor.recovery_codes_left(member) == 9


def test_codes_issued_before_the_upgrade_keep_working(database, tmp_path, worker_id):
    """Migration 0011 hashes each stored SHA-256 again, without knowing the codes."""
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path, worker_id)})
    code = "a1b2c3-d4e5f6"
    with app.app_context():
        upgrade(revision="0010")
        tables = sa.MetaData()
        tables.reflect(db.engine)
        members, recovery = tables.tables["members"], tables.tables["recovery_codes"]
        with db.engine.begin() as connection:
            connection.execute(
                members.insert().values(
                    id=1,
                    display_name="Olu",
                    email="olu@example.org",
                    password_hash="!",
                    role="organiser",
                    session_token="t",
                    privacy_notice_version="1",
                    political_opinions_consent=True,
                    email_updates_consent=False,
                    created_at=utcnow(),
                    approved_contributions=0,
                    totp_secret=TOTP_SECRET,
                    digest_frequency="weekly",
                )
            )
            legacy = hashlib.sha256(code.replace("-", "").encode()).hexdigest()
            connection.execute(recovery.insert().values(member_id=1, code_hash=legacy))
        upgrade()
        member = db.session.get(Member, 1)
        assert db.session.scalar(select(RecoveryCode.code_hash)).startswith("$argon2id$")
        second_factor.verify(member, code)
        db.session.commit()
        with pytest.raises(Invalid):
            second_factor.verify(member, code)
        db.session.remove()
        db.engine.dispose()


def test_a_code_read_by_two_requests_at_once_is_accepted_by_one(app_factory):
    """The second request loaded the member before the first recorded the step: today's
    check must not trust what it loaded (the state of two parallel requests on PostgreSQL)."""
    app = app_factory(TOTP_REPLAY_PROTECTION=True)
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    totp = pyotp.TOTP(TOTP_SECRET)
    code = totp.now()
    step = totp.timecode(datetime.now(UTC))
    with app.app_context():
        second = db.session.get(Member, load_member(app, "org@example.org").id)
        db.session.expunge(second)
        db.session.close()  # what the second request read: no step used yet
        with db.engine.begin() as connection:  # the first request uses the code meanwhile
            connection.execute(update(Member).values(totp_last_step=step))
        second = db.session.merge(second, load=False)
        assert second.totp_last_step is None
        with pytest.raises(Invalid):
            second_factor.verify(second, code)


def test_the_step_is_claimed_by_one_statement(app_factory):
    app = app_factory(TOTP_REPLAY_PROTECTION=True)
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    statements = []
    with app.app_context():
        member = db.session.get(Member, load_member(app, "org@example.org").id)
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
        )
        second_factor.verify(member, pyotp.TOTP(TOTP_SECRET).now())
        db.session.commit()
    writes = [s for s in statements if s.lstrip().upper().startswith("UPDATE MEMBERS")]
    assert len(writes) == 1 and "totp_last_step <" in writes[0]
    assert not any(s.lstrip().upper().startswith("SELECT") for s in statements)
