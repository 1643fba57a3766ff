"""The pure rules: clear days, the confirmation window, majorities and links."""

from datetime import date, datetime
from fractions import Fraction

import pytest

from coop.errors import Invalid
from coop.meetings import rules
from coop.meetings.rules import Majority, MeetingRules
from coop.uktime import from_uk_local, to_uk

SETTINGS = {
    "COOP_GM_NOTICE_CLEAR_DAYS_ANNUAL": 14, "COOP_GM_NOTICE_CLEAR_DAYS_SPECIAL": 21,
    "COOP_GM_NOTICE_DEEMED_DELIVERY_DAYS": 0, "COOP_ORDINARY_RESOLUTION_MAJORITY": "1/2",
    "COOP_SPECIAL_RESOLUTION_MAJORITY": "3/4",
}  # fmt: skip


def test_fourteen_clear_days_leave_out_the_day_of_notice_and_the_day_of_the_meeting():
    meeting = date(2027, 3, 20)
    assert rules.latest_notice_day(meeting, 14) == date(2027, 3, 5)  # 6th..19th: 14 days
    assert not rules.is_late(date(2027, 3, 5), meeting, 14)
    assert rules.is_late(date(2027, 3, 6), meeting, 14)  # 7th..19th: only 13
    assert rules.latest_notice_day(meeting, 0) == date(2027, 3, 19)  # the day before


def test_a_deemed_delivery_delay_moves_the_deadline_back_by_as_many_days():
    meeting = date(2027, 3, 20)
    assert rules.latest_notice_day(meeting, 14, deemed_delivery_days=2) == date(2027, 3, 3)
    assert rules.is_late(date(2027, 3, 4), meeting, 14, 2)


def test_annual_and_special_meetings_have_their_own_notice_periods():
    settings = MeetingRules.from_config(SETTINGS)
    assert settings.latest_notice_day("annual", date(2027, 6, 30)) == date(2027, 6, 15)
    assert settings.latest_notice_day("special", date(2027, 6, 30)) == date(2027, 6, 8)


@pytest.mark.parametrize(
    ("local", "uk_day"),
    [
        # Just after the clocks go back (Sunday 31 October 2027, 02:00 BST to 01:00 GMT).
        (datetime(2027, 11, 1, 0, 30), date(2027, 11, 1)),
        # Just after they go forward (Sunday 28 March 2027, 01:00 GMT to 02:00 BST): 00:30 BST
        # on the 29th is 23:30 UTC on the 28th; the notice period counts to the UK day.
        (datetime(2027, 3, 29, 0, 30), date(2027, 3, 29)),
    ],
)
def test_the_meetings_day_is_the_uk_day_across_a_change_of_the_clocks(local, uk_day):
    moment = from_uk_local(local)
    assert to_uk(moment).date() == uk_day
    assert rules.latest_notice_day(to_uk(moment).date(), 14) == date.fromordinal(
        uk_day.toordinal() - 15
    )
    if uk_day.month == 3:
        assert moment.date() == date(2027, 3, 28)  # a UTC date would give a day too early


def test_the_confirming_meeting_is_14_days_to_one_month_after_the_first():
    first = date(2027, 1, 31)
    assert rules.confirmation_window(first) == (date(2027, 2, 14), date(2027, 2, 28))
    assert rules.in_confirmation_window(first, date(2027, 2, 14))
    assert not rules.in_confirmation_window(first, date(2027, 2, 13))
    assert not rules.in_confirmation_window(first, date(2027, 3, 1))
    assert rules.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert rules.add_months(date(2027, 12, 15), 1) == date(2028, 1, 15)


def test_majorities_are_fractions_from_the_settings_and_the_act():
    settings = MeetingRules.from_config(SETTINGS)
    assert settings.majority("ordinary") == Majority(Fraction(1, 2), more_than=True)
    assert settings.majority("minutes") == Majority(Fraction(1, 2), more_than=True)
    assert settings.majority("special") == Majority(Fraction(3, 4), more_than=False)
    assert settings.majority("special", confirms=True) == Majority(Fraction(1, 2), True)
    assert settings.majority("special", two_stage=True).fraction == Fraction(3, 4)  # stricter
    lenient = MeetingRules.from_config({**SETTINGS, "COOP_SPECIAL_RESOLUTION_MAJORITY": "1/2"})
    assert lenient.majority("special", two_stage=True).fraction == Fraction(2, 3)  # s.111(2)(a)
    assert settings.majority("report") is None and settings.majority("election") is None
    assert str(settings.majority("special")) == "at least three-quarters of the votes cast"


@pytest.mark.parametrize("value", ["0.66", "2/0", "1/3", "3/2", "two-thirds", "", "-1/2"])
def test_a_majority_setting_that_is_not_a_sensible_fraction_is_refused(value):
    with pytest.raises(ValueError, match="COOP_SPECIAL"):
        rules.parse_fraction(value, "COOP_SPECIAL_RESOLUTION_MAJORITY")


@pytest.mark.parametrize(
    "link",
    ["http://meet.example.org/x", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
     "data:text/html,x", "https://", "https://user:pw@example.org/", "https://a b.org",
     "https://example.org/\x00", "//example.org/x", "https://example.org/" + "a" * 500],
)  # fmt: skip
def test_only_an_https_link_is_an_online_meeting_link(link):
    with pytest.raises(Invalid):
        rules.online_link(link, "online_url")


def test_an_https_link_is_kept_as_typed():
    assert rules.online_link("  https://meet.example.org/agm?pwd=x ", "f") == (
        "https://meet.example.org/agm?pwd=x"
    )
    assert rules.online_link("", "f") == ""
