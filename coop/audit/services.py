"""Append to and read the audit log. There is deliberately no way to change an entry."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from coop.accounts.models import Member
from coop.accounts.permissions import require_admin
from coop.audit.models import AuditEntry
from coop.errors import Invalid
from coop.extensions import db
from coop.uktime import UK, iso
from coop.validation import database_id, plain_text, spreadsheet_safe

COMMAND_LINE = "command line"


def record(
    actor: Member | None,
    action: str,
    target_type: str | None = None,
    target_id: int | None = None,
    reason: str = "",
    **details,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.display_name if actor is not None else COMMAND_LINE,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor_id: int | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        """The filters, checked whole before anything is read or streamed: a bad one is a
        400 naming it, never a 500 (nor a CSV export broken off halfway)."""
        actor = (args.get("actor") or "").strip()
        actor_id = database_id(actor)
        if actor and actor_id is None:
            raise Invalid("'actor' must be the number of a member.", "actor")
        action = plain_text(args.get("action"), "action", "'action'").strip()
        if len(action) > ACTION_MAX:
            raise Invalid(f"'action' must be {ACTION_MAX} characters or fewer.", "action")
        filters = cls(action or None, actor_id, _day(args, "since"), _day(args, "until"))
        if filters.since and filters.until and filters.since > filters.until:
            raise Invalid("'since' must not be after 'until'.", "since")
        return filters


ACTION_MAX = 64
# The log starts with the platform; a day outside these years is a typing slip, and one
# near the ends of the calendar cannot be turned into a moment (nor stored on PostgreSQL).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def _day(args, name: str) -> date | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 and text.isascii() else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid(
            f"'{name}' must be a date written as YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}.",
            name,
        )
    return day


def _filtered(filters: AuditFilters):
    statement = select(AuditEntry)
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.actor_id:
        statement = statement.where(AuditEntry.actor_id == filters.actor_id)
    if filters.since:
        start = datetime.combine(filters.since, time(), UK)
        statement = statement.where(AuditEntry.created_at >= start)
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), UK)
        statement = statement.where(AuditEntry.created_at < end)
    return statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def list_entries(actor: Member, filters: AuditFilters, page: int) -> Pagination:
    require_admin(actor)
    return db.paginate(_filtered(filters), page=page, per_page=50, error_out=False)


def known_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )


CSV_COLUMNS = ["id", "time_utc", "actor_id", "actor", "action", "target_type", "target_id",
               "reason", "details"]  # fmt: skip


def export_csv(actor: Member, filters: AuditFilters) -> Iterator[str]:
    """The filtered log as CSV rows, streamed in batches."""
    require_admin(actor)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for entry in db.session.scalars(_filtered(filters).execution_options(yield_per=500)):
        writer.writerow(
            [entry.id, iso(entry.created_at), entry.actor_id, spreadsheet_safe(entry.actor_name),
             entry.action, entry.target_type, entry.target_id, spreadsheet_safe(entry.reason),
             spreadsheet_safe(str(entry.details or ""))]
        )  # fmt: skip
        yield flush()
