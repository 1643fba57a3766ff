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


def covers_from(
    frequency: str, start: datetime, previous: datetime | None, joined: datetime | None = None
) -> datetime:
    """Content since the member's previous digest, but never more than two periods back
    (a member who switched from "none" does not get a month of news at once). A member's
    first digest covers everything since the period they joined in began, within those two
    periods, wherever `start` falls: never less than since they joined. (From a period
    boundary, not the minute they joined, so that a batch needs one set of queries per
    boundary, not one per newcomer.)"""
    fallback = default_covers_from(frequency, start)
    earliest = fallback - LENGTH[Frequency(frequency)]
    if previous is not None and previous >= earliest:
        return previous
    if previous is None and joined is not None and earliest <= joined < start:
        return max(period_start(frequency, joined), earliest)
    return fallback
