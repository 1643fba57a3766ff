"""A throwaway PostgreSQL database for a benchmark, and bulk inserts into it.

    with throwaway_app("coop_bench", {"DIGEST_BATCH_SIZE": 500}) as app:
        ...  # the app's context is pushed; the database is migrated and empty

The database is created on the server COOP_BENCH_PG_URL points at (default: postgres on
127.0.0.1:5432, trust auth) and dropped afterwards, even when the benchmark fails.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from coop import create_app
from coop.extensions import db

ADMIN_URL = os.environ.get(
    "COOP_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def throwaway_app(prefix: str = "coop_bench", overrides: Mapping | None = None) -> Iterator[Flask]:
    """An app on a new, migrated PostgreSQL database, inside its app context. The database
    URL is in app.config["SQLALCHEMY_DATABASE_URI"] for other processes to use."""
    name = f"{prefix}_{os.getpid()}"
    keys = tempfile.mkdtemp(prefix="coop-bench-keys-")  # the votes' keys, gone afterwards
    overrides = {"BALLOT_KEY_DIR": keys, **(overrides or {})}
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        app = create_app("test", {**overrides, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(keys, ignore_errors=True)


def copy_rows_like(template: db.Model, count: int, overrides: dict[str, str]) -> np.ndarray:
    """`count` copies of `template` (so every column default applies, whatever columns the
    table has) with SQL expressions of g = 1..count for some columns; returns their ids."""
    db.session.add(template)
    db.session.flush()
    table = template.__table__
    columns = [column.name for column in table.columns if column.name != "id"]
    chosen = [overrides.get(column, f"t.{column}") for column in columns]
    db.session.execute(
        sa.text(
            f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608 - our own names
            f"SELECT {', '.join(chosen)} FROM generate_series(1, :count) AS g, "
            f"{table.name} AS t WHERE t.id = :template"
        ),
        {"count": count, "template": template.id},
    )
    db.session.execute(table.delete().where(table.c.id == template.id))
    ids = db.session.scalars(sa.select(table.c.id).order_by(table.c.id)).all()
    return np.array(ids, dtype=np.int64)
