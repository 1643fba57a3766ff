"""Pages that only read run outside a transaction on PostgreSQL: no BEGIN before their
first query and no ROLLBACK after their last, two round trips fewer on each of the most
visited pages. Under PostgreSQL's READ COMMITTED every statement takes its own snapshot
inside a transaction too, so such a page reads exactly what it would have read.

    @bp.get("/ideas")
    @read_only
    def index(): ...

Only for GET and HEAD, and only for views that never write: without a transaction,
writes would not land together. A write attempted by such a view is refused (on SQLite
too, so the tests catch it); a view that writes, or calls code that might (closing a
vote whose time is up), keeps its transaction, the default.
"""

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from coop.extensions import db


def read_only(view):
    view.read_only = True
    return view


def register_read_only(app: Flask) -> None:
    """Before every other hook: one of them loads the signed-in member."""
    app.before_request_funcs.setdefault(None, []).insert(0, _without_transaction)


def _without_transaction() -> None:
    view = current_app.view_functions.get(request.endpoint)
    if request.method not in ("GET", "HEAD") or not getattr(view, "read_only", False):
        return
    g.read_only = True
    if db.engine.dialect.name == "postgresql":  # SQLite's transactions cost no round trip
        # For the connection the session takes now; the pool resets it when it comes back.
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _in_read_only_view() -> bool:
    return has_request_context() and g.get("read_only", False)


@event.listens_for(Session, "before_flush")
def _refuse_flush(session: Session, _context, _instances) -> None:
    if _in_read_only_view() and (session.new or session.dirty or session.deleted):
        raise RuntimeError(f"{request.endpoint} is marked read_only but changes rows")


@event.listens_for(Session, "do_orm_execute")
def _refuse_write(state) -> None:
    if _in_read_only_view() and (state.is_insert or state.is_update or state.is_delete):
        raise RuntimeError(f"{request.endpoint} is marked read_only but writes")
