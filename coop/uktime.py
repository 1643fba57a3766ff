"""Times are stored in UTC and shown, or typed, in UK time (Europe/London, with summer time)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


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


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
