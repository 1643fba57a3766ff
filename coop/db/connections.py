"""Pooled connections: checked only when they have sat idle."""

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Ask the database whether a pooled connection is still there only when it has been
    idle for `idle_seconds`: pool_pre_ping asks on every checkout, a round trip on every
    request, while a connection in steady use has just proved itself. One left idle (the
    database restarted, a firewall forgot it) that does not answer is replaced, with every
    connection pooled before it, and the request goes on with a new one."""

    @event.listens_for(engine.pool, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # new, or back in the pool a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.InvalidatePoolError("connection lost while idle")
