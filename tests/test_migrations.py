"""The migrations build exactly the schema the models describe, and can be undone."""

from datetime import timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
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
