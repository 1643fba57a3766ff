"""Pages that only read run outside a transaction on PostgreSQL: no BEGIN before their
first query and no ROLLBACK after their last, two round trips fewer on each of the most
visited pages. Under READ COMMITTED (PostgreSQL's default, which we keep) every statement
takes its own snapshot inside a transaction too, so such a page reads exactly what it
would have read.

    @bp.get("/ideas")
    @read_only
    def index(): ...

Only for GET and HEAD, and only for views that never write: without a transaction,
writes would not land together. A statement that writes, sent while such a view runs, is
refused before it reaches the database (on SQLite too, so the tests catch it); a view
that writes, or calls code that might (closing a vote whose time is up), keeps its
transaction, the default.
"""

from functools import lru_cache

import sqlparse
from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from coop.db import dialects
from coop.extensions import db

WRITES = {"INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "CREATE", "ALTER", "DROP", "COPY"}


def read_only(view):
    view.read_only = True
    return view


def without_transaction() -> None:
    view = current_app.view_functions.get(request.endpoint)
    if request.method not in ("GET", "HEAD") or not getattr(view, "read_only", False):
        return
    g.read_only = True
    if dialects.transactions_cost_round_trips(db.engine):
        # For the connection the session takes now; the pool resets it when it comes back.
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes(_connection, _cursor, statement: str, *_args) -> None:
    if not (has_request_context() and g.get("read_only", False)):
        return
    words = statement.split(None, 1)
    first = words[0].upper() if words else ""
    if first in WRITES or (first == "WITH" and _writes_inside(statement)):
        raise RuntimeError(f"{request.endpoint} is marked read_only but writes")


@lru_cache(maxsize=256)  # the app sends the same few statements again and again
def _writes_inside(statement: str) -> bool:
    """A statement that begins with WITH writes when any of its parts does: PostgreSQL
    runs an INSERT, UPDATE, DELETE or MERGE in a CTE (the app's own supports and votes have
    this shape). Read by sqlparse's tokenizer, so a word in a string or a quoted name does
    not count; "FOR UPDATE" does, and is refused too (a lock outside a transaction holds
    nothing)."""
    parsed = sqlparse.parse(statement)
    return any(
        token.ttype in sqlparse.tokens.Keyword and token.value.upper() in WRITES
        for part in parsed
        for token in part.flatten()
    )
