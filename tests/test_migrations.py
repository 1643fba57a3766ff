"""The migrations build exactly the schema the models describe, and can be undone."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from coop import create_app
from coop.extensions import db
from coop.ideas.search import include_in_schema_check
from tests.conftest import PG_ADMIN_URL, TEST_DB


def fresh_database_url(tmp_path, worker: str) -> str:
    if TEST_DB != "postgresql":
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    name = f"coop_migrations_{worker}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


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
