"""Digest periods start at 07:00 UK time: every day, or every Monday. Pure functions."""

from datetime import UTC, datetime, time, timedelta

from coop.digests.models import Frequency
from coop.uktime import UK

SEND_AT = time(7, 0)
LENGTH = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(weeks=1)}


def period_start(frequency: str, moment: datetime) -> datetime:
    """The latest 07:00 UK (a Monday's, for weekly) at or before `moment`, in UTC."""
    local = moment.astimezone(UK)
    day = local.date()
    if local.time() < SEND_AT:
        day -= timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        day -= timedelta(days=day.weekday())
    return datetime.combine(day, SEND_AT, tzinfo=UK).astimezone(UTC)


def default_covers_from(frequency: str, start: datetime) -> datetime:
    """Where a digest starts when the member had none recently: one period back, in UK
    wall-clock terms (a day with a clock change is 23 or 25 hours long)."""
    local = start.astimezone(UK).replace(tzinfo=None) - LENGTH[Frequency(frequency)]
    return local.replace(tzinfo=UK).astimezone(UTC)


def covers_from(frequency: str, start: datetime, previous: datetime | None) -> datetime:
    """Content since the member's previous digest, but never more than two periods back
    (a member who switched from "none" does not get a month of news at once)."""
    fallback = default_covers_from(frequency, start)
    if previous is None or previous < fallback - LENGTH[Frequency(frequency)]:
        return fallback
    return previous
