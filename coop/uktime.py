"""Times are stored in UTC and shown, or typed, in UK time (Europe/London, with summer time)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_uk(moment: datetime) -> datetime:
    return moment.astimezone(UK)


def from_uk_local(naive: datetime) -> datetime:
    """A wall-clock time typed in the UK (as from <input type=datetime-local>) to UTC."""
    return naive.replace(tzinfo=UK).astimezone(UTC)


def uk_datetime(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = to_uk(moment)
    hour, minute, suffix, month_year = local.strftime("%I|%M|%p|%B %Y").split("|")
    hour, suffix = hour.lstrip("0"), suffix.lower()
    clock = f"{hour}{suffix}" if minute == "00" else f"{hour}:{minute}{suffix}"
    return f"{local.day} {month_year}, {clock}"


def uk_date(moment: datetime | None) -> str:
    return "" if moment is None else f"{to_uk(moment).day} {to_uk(moment).strftime('%B %Y')}"


def uk_when(moment: datetime) -> str:
    """A time as members read it, with its weekday: Tuesday 3 November 2026, 7pm."""
    return f"{to_uk(moment):%A} {uk_datetime(moment)}"


def uk_day(moment: datetime) -> date:
    """The UK calendar date of a moment (a payment just after midnight in summer time is the
    next day's)."""
    return to_uk(moment).date()


def uk_today() -> date:
    """Today's date in the UK (the date of a register entry, a gift received, a deadline)."""
    return uk_day(datetime.now(UTC))


def day(value: date | None) -> str:
    """A calendar date as the UK writes it: 7 December 2026."""
    return "" if value is None else f"{value.day} {value.strftime('%B %Y')}"


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC, to the second (2026-05-01T09:30:00Z): the one form of every time a
    machine reads (the API, feeds and downloads, <time datetime>, the audit export)."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
