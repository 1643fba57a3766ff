"""Pure decisions about general meetings: the notice period in clear days, the window for
confirming a two-stage special resolution, the majorities, and where a meeting is held.
Dates are UK dates (Europe/London): the caller turns moments into days with coop.uktime."""

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from urllib.parse import urlsplit

from coop.errors import Invalid
from coop.meetings.models import URL_MAX, ItemKind, MeetingKind
from coop.validation import has_control_characters

# s.111(2)(e) of the Act: the confirming ("second") meeting is held at least 14 days, and not
# more than one month, from the day of the first. Fixed by the Act, so not a setting.
CONFIRM_AFTER_DAYS = 14
CONFIRM_WITHIN_MONTHS = 1
# s.111(2)(a): the first meeting passes it by at least two-thirds of the eligible members who
# vote; (c): the second confirms it by over half.
FIRST_STAGE_AT_LEAST = Fraction(2, 3)
CONFIRMATION_MORE_THAN = Fraction(1, 2)


@dataclass(frozen=True)
class Majority:
    """The share of the votes cast a resolution needs: more than, or at least, a fraction."""

    fraction: Fraction
    more_than: bool

    def __str__(self) -> str:
        words = {
            Fraction(1, 2): "half",
            Fraction(2, 3): "two-thirds",
            Fraction(3, 4): "three-quarters",
        }
        share = words.get(self.fraction, f"{self.fraction.numerator}/{self.fraction.denominator}")
        return f"{'more than' if self.more_than else 'at least'} {share} of the votes cast"


def parse_fraction(value: str, setting: str) -> Fraction:
    """ "2/3" to Fraction(2, 3): a majority is never a float. A half or more, at most all."""
    numerator, slash, denominator = str(value).strip().partition("/")
    if not (slash and numerator.isdecimal() and denominator.isdecimal()) or int(denominator) == 0:
        raise ValueError(f"{setting} must be a fraction such as 2/3, not {value!r}")
    fraction = Fraction(int(numerator), int(denominator))
    if not Fraction(1, 2) <= fraction <= 1:
        raise ValueError(f"{setting} must be from 1/2 to 1, not {value!r}")
    return fraction


@dataclass(frozen=True)
class MeetingRules:
    """What the society's rules say of general meetings, from the settings (config.py)."""

    clear_days: Mapping[str, int]
    deemed_delivery_days: int
    ordinary: Majority
    special: Majority

    @classmethod
    def from_config(cls, config: Mapping) -> "MeetingRules":
        return cls(
            clear_days={
                MeetingKind.ANNUAL: int(config["COOP_GM_NOTICE_CLEAR_DAYS_ANNUAL"]),
                MeetingKind.SPECIAL: int(config["COOP_GM_NOTICE_CLEAR_DAYS_SPECIAL"]),
            },
            deemed_delivery_days=int(config["COOP_GM_NOTICE_DEEMED_DELIVERY_DAYS"]),
            ordinary=Majority(
                parse_fraction(
                    config["COOP_ORDINARY_RESOLUTION_MAJORITY"], "COOP_ORDINARY_RESOLUTION_MAJORITY"
                ),
                more_than=True,
            ),
            special=Majority(
                parse_fraction(
                    config["COOP_SPECIAL_RESOLUTION_MAJORITY"], "COOP_SPECIAL_RESOLUTION_MAJORITY"
                ),
                more_than=False,
            ),
        )

    def latest_notice_day(self, kind: str, meeting_day: date) -> date:
        return latest_notice_day(meeting_day, self.clear_days[kind], self.deemed_delivery_days)

    def majority(
        self, kind: str, two_stage: bool = False, confirms: bool = False
    ) -> Majority | None:
        """The majority an item needs: none for a report or an election (counted by STV)."""
        if kind == ItemKind.SPECIAL:
            if confirms:
                return Majority(CONFIRMATION_MORE_THAN, more_than=True)
            if two_stage:  # the Act's floor; the rules may ask for more
                return Majority(max(self.special.fraction, FIRST_STAGE_AT_LEAST), more_than=False)
            return self.special
        if kind in (ItemKind.ORDINARY, ItemKind.MINUTES):
            return self.ordinary
        return None


def latest_notice_day(meeting_day: date, clear_days: int, deemed_delivery_days: int = 0) -> date:
    """The last UK day notice may be issued for a meeting on `meeting_day`.

    Notice issued on day I is deemed given on I + `deemed_delivery_days` (the rules say when
    an emailed notice counts as received). "Clear days" count neither the day notice is
    deemed given nor the day of the meeting, so the days strictly between them must number
    at least `clear_days`: meeting_day - deemed_day - 1 >= clear_days."""
    return meeting_day - timedelta(days=clear_days + 1 + deemed_delivery_days)


def is_late(
    issued_on: date, meeting_day: date, clear_days: int, deemed_delivery_days: int = 0
) -> bool:
    return issued_on > latest_notice_day(meeting_day, clear_days, deemed_delivery_days)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day if it has fewer (31 January and
    one month: 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def confirmation_window(first_day: date) -> tuple[date, date]:
    """The first and last UK day a meeting may confirm a resolution passed on `first_day`."""
    return first_day + timedelta(days=CONFIRM_AFTER_DAYS), add_months(
        first_day, CONFIRM_WITHIN_MONTHS
    )


def in_confirmation_window(first_day: date, second_day: date) -> bool:
    earliest, latest = confirmation_window(first_day)
    return earliest <= second_day <= latest


def online_link(value: str | None, field: str) -> str:
    """An https link to the online meeting, or nothing. No other scheme: an http link leaks
    the meeting's passcode to the network, and javascript: or data: would run in the page."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > URL_MAX:
        raise Invalid(f"The link must be {URL_MAX} characters or fewer.", field)
    if has_control_characters(text) or any(char.isspace() for char in text) or "\\" in text:
        raise Invalid("The link cannot contain spaces or control characters.", field)
    parts = urlsplit(text)
    if parts.scheme.lower() != "https" or not parts.hostname or parts.username or parts.password:
        raise Invalid("Give the online meeting's link starting https://.", field)
    return text
