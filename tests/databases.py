"""Fresh, empty databases for the tests that run the migrations themselves."""

import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL, TEST_DB


def fresh_database_url(tmp_path, worker: str) -> str:
    """An empty database of the kind under test: a new SQLite file, or a PostgreSQL
    database made again for this test worker."""
    if TEST_DB != "postgresql":
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    name = f"coop_migrations_{worker}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
