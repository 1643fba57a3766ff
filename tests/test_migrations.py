"""The migrations build exactly the schema the models describe, and can be undone."""

from datetime import timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from coop import create_app
from coop.extensions import db
from coop.ideas.search import include_in_schema_check
from coop.uktime import utcnow
from tests.databases import fresh_database_url


def test_migrations_match_the_models_and_downgrade_cleanly(database, tmp_path, worker_id):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path, worker_id)})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            options = {"compare_type": True, "include_object": include_in_schema_check}
            context = MigrationContext.configure(connection, opts=options)
            differences = compare_metadata(context, db.metadata)
        assert differences == []

        downgrade(revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()  # the search table and its shadows included

        upgrade()
        assert set(db.metadata.tables) <= set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()


def _row(table: sa.Table, **given) -> dict:
    """Values for every required column of a table as it was at an older revision: what is
    given, else a plain value of the column's type."""
    defaults = {sa.Integer: 0, sa.Boolean: False, sa.DateTime: utcnow(), sa.Float: 0.0}
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        kind = next((v for k, v in defaults.items() if isinstance(column.type, k)), None)
        row[column.name] = kind if kind is not None else f"x{column.name}"[:8]
    return row


def test_upgrading_a_database_with_votes_in_it_encrypts_the_open_ones(
    database, tmp_path, worker_id
):
    """Migration 0010 on data: a closed vote keeps its result and who took part; the
    plaintext ballots of an open vote become encrypted ballots that add up to the same
    choices under the key it wrote; and the step down and back up again round-trips."""
    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path, worker_id),
            "BALLOT_KEY_DIR": tmp_path / "keys",
        },
    )
    with app.app_context():
        upgrade(revision="0009")
        tables = sa.MetaData()
        tables.reflect(db.engine)
        members, proposals = tables.tables["members"], tables.tables["proposals"]
        votes, taken = tables.tables["votes"], tables.tables["vote_participations"]
        now = utcnow()
        with db.engine.begin() as connection:
            for number in range(1, 5):
                connection.execute(members.insert().values(_row(
                    members, id=number, display_name=f"M{number}", email=f"m{number}@example.org",
                    role="member", session_token=f"t{number}", privacy_notice_version="1",
                )))  # fmt: skip
            window = {"opens_at": now - timedelta(days=1), "rule": "majority"}
            connection.execute(proposals.insert().values(_row(
                proposals, id=1, slug="open", question="Open?", visibility="public",
                closes_at=now + timedelta(days=1), **window,
            )))  # fmt: skip
            connection.execute(proposals.insert().values(_row(
                proposals, id=2, slug="closed", question="Closed?", visibility="public",
                closes_at=now - timedelta(hours=1), closed_at=now, votes_for=2, votes_against=0,
                votes_abstain=0, outcome="carried", **window,
            )))  # fmt: skip
            choices = {1: "for", 2: "against", 3: "abstain", 4: None}  # member 4's was erased
            for member, choice in choices.items():
                connection.execute(votes.insert().values(
                    proposal_id=1, member_id=member if choice else None,
                    choice=choice or "for", cast_at=now,
                ))  # fmt: skip
            connection.execute(taken.insert(), [{"proposal_id": 2, "member_id": m} for m in (1, 2)])

        upgrade()

        from coop.ballots.models import BallotBox, BoxVoter
        from coop.ballots.record import counted
        from coop.ballots.services import count, entries
        from coop.proposals.models import Proposal
        from tests.proposals.helpers import decrypt_choice

        closed = db.session.get(Proposal, 2)
        assert closed.outcome == "carried" and closed.ballot_box.key_holder == "none"
        took_part = sa.select(BoxVoter.member_id).where(BoxVoter.box_id == closed.ballot_box_id)
        assert sorted(db.session.scalars(took_part)) == [1, 2]
        open_vote = db.session.get(Proposal, 1)
        box = open_vote.ballot_box
        secret = (tmp_path / "keys" / f"{box.public_key.hex()}.key").read_bytes()
        ballots = counted(entries(box.id))
        assert sorted(decrypt_choice(secret, b.ciphertext) for b in ballots) == sorted(
            ["for", "against", "abstain", "for"]
        )
        assert box.entries == 4 and box.head == ballots[-1].chain
        assert sorted(count(db.session.get(BallotBox, box.id))) == [1, 1, 2]
        db.session.rollback()
        db.session.remove()

        downgrade(revision="0009")
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotBox)) == 2
        db.engine.dispose()


# The schema of the release before this one, the database an upgrade starts from: move it on
# to the newest migration of each release once it ships.
PREVIOUS_RELEASE = "0012"


def _counts(engine: sa.Engine) -> dict[str, int]:
    tables = sa.MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return {
            name: connection.scalar(sa.select(sa.func.count()).select_from(table))
            for name, table in tables.tables.items()
            if name != "alembic_version" and not name.startswith("ideas_fts")
        }


def _triggers(engine: sa.Engine) -> set[str]:
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
    }[engine.dialect.name]
    with engine.connect() as connection:
        return set(connection.scalars(sa.text(query)))


def _seed_previous_release(engine: sa.Engine) -> None:
    """A little of everything a member does, written as rows of the previous release's
    tables: members, a topic, an idea with a support and a comment, a counted vote on it, an
    email waiting in the outbox."""
    tables = sa.MetaData()
    tables.reflect(engine)
    t = tables.tables
    now = utcnow()
    with engine.begin() as connection:
        for number in (1, 2, 3):
            connection.execute(t["members"].insert().values(_row(
                t["members"], id=number, display_name=f"Member {number}", role="member",
                email=f"m{number}@example.org", session_token=f"t{number}",
                privacy_notice_version="1", email_verified_at=now,
            )))  # fmt: skip
        connection.execute(t["topics"].insert().values(_row(
            t["topics"], id=1, name="Housing", slug="housing", description="",
        )))  # fmt: skip
        connection.execute(t["ideas"].insert().values(_row(
            t["ideas"], id=1, slug="build-more-homes", title="Build more homes",
            body="We need affordable homes.", body_html="<p>We need affordable homes.</p>",
            topic_id=1, author_id=1, stage="voting", moderation_state="published",
            support_count=1, oppose_count=0, comment_count=1,
        )))  # fmt: skip
        connection.execute(t["reactions"].insert().values(_row(
            t["reactions"], member_id=2, idea_id=1, value=1,
        )))  # fmt: skip
        connection.execute(t["comments"].insert().values(_row(
            t["comments"], id=1, idea_id=1, author_id=2, body="Yes, please.",
            body_html="<p>Yes, please.</p>", moderation_state="published",
        )))  # fmt: skip
        connection.execute(t["ballot_boxes"].insert().values(_row(
            t["ballot_boxes"], id=1, key_holder="none", weights="", closed_at=now,
        )))  # fmt: skip
        connection.execute(t["proposals"].insert().values(_row(
            t["proposals"], id=1, slug="build-more-homes", question="Build more homes?",
            body="", body_html="", idea_id=1, rule="majority", visibility="public",
            opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1), closed_at=now,
            votes_for=2, votes_against=1, votes_abstain=0, outcome="carried", ballot_box_id=1,
        )))  # fmt: skip
        connection.execute(t["outbound_emails"].insert().values(_row(
            t["outbound_emails"], to_address="m3@example.org", subject="Waiting",
            body_text="Still to be sent.", next_attempt_at=now, attempts=0, member_id=3,
        )))  # fmt: skip


def test_the_previous_releases_database_upgrades_with_its_data_and_the_last_step_round_trips(
    database, tmp_path, worker_id
):
    """What an operator's upgrade does: `flask db upgrade` on a database of the previous
    release with members' data in it keeps every row and ends at the models' schema; then
    `flask db downgrade` (one step) and `flask db upgrade` again change nothing."""
    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path, worker_id),
            "BALLOT_KEY_DIR": tmp_path / "keys",
        },
    )
    cli = app.test_cli_runner()

    def flask_db(*args: str) -> None:
        result = cli.invoke(args=["db", *args])
        assert result.exit_code == 0, result.output + repr(result.exception)

    with app.app_context():
        upgrade(revision=PREVIOUS_RELEASE)
        _seed_previous_release(db.engine)
        before = _counts(db.engine)

        flask_db("upgrade")
        after = _counts(db.engine)
        assert {name: after[name] for name in before} == before
        with db.engine.connect() as connection:
            options = {"compare_type": True, "include_object": include_in_schema_check}
            context = MigrationContext.configure(connection, opts=options)
            assert compare_metadata(context, db.metadata) == []
            head = context.get_current_revision()
        triggers = _triggers(db.engine)

    client = app.test_client()  # the pages read the upgraded rows, each request on its own
    idea = client.get("/ideas/1/build-more-homes")
    assert idea.status_code == 200 and "Yes, please." in idea.get_data(as_text=True)
    assert "Build more homes" in client.get("/ideas?q=affordable").get_data(as_text=True)
    vote = client.get("/proposals/1", follow_redirects=True)
    assert vote.status_code == 200 and "Carried" in vote.get_data(as_text=True)

    with app.app_context():
        flask_db("downgrade")  # one step: Flask-Migrate's default (click reads "-1" as an option)
        with db.engine.connect() as connection:
            below = MigrationContext.configure(connection).get_current_revision()
        scripts = ScriptDirectory(app.extensions["migrate"].directory)
        assert below == scripts.get_revision(head).down_revision
        assert {name: count for name, count in _counts(db.engine).items() if name in before} == (
            before
        )
        flask_db("upgrade")
        assert _counts(db.engine) == after
        assert _triggers(db.engine) == triggers
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=options)
            assert context.get_current_revision() == head
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()
