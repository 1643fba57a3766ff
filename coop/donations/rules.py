"""Pure decisions about gifts: who may give and what they must declare, the 30-day clock,
the threshold in force, aggregation of a source's gifts, and signs of splitting."""

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from coop.donations.models import DonorKind

DECIDE_WITHIN_DAYS = 30  # PPERA s.56(1), Sch 7 para 7: permissibility decided within 30 days
REMIND_ON_DAY = 20

# What each kind of donor confirms (PPERA s.54(2); s.54(1)(b): a gift whose donor cannot be
# identified is impermissible; s.61: giving on another's behalf must be declared).
DECLARATIONS: dict[str, dict[str, str]] = {
    DonorKind.INDIVIDUAL: {
        "on_register": "The donor is on a UK electoral register (an overseas elector included)",
        "own_money": "The money is the donor's own, not given on someone else's behalf",
    },
    DonorKind.COMPANY: {
        "uk_registered": "The company is registered under the Companies Act 2006 in the UK",
        "business_in_uk": "The company carries on business in the UK",
        "shareholders_authorised": "The gift is authorised by the shareholders "
        "(Companies Act 2006, s.366)",
        "own_money": "The money is the company's own, not given on someone else's behalf",
    },
    DonorKind.TRADE_UNION: {
        "listed": "The union is on the list kept by the Certification Officer",
        "own_money": "The money is the union's own, not given on someone else's behalf",
    },
    DonorKind.BUILDING_SOCIETY: {
        "registered": "The society is a building society under the Building Societies Act 1986",
        "own_money": "The money is the society's own, not given on someone else's behalf",
    },
    DonorKind.LLP: {
        "uk_registered": "The partnership is registered in the UK",
        "business_in_uk": "The partnership carries on business in the UK",
        "own_money": "The money is the partnership's own, not given on someone else's behalf",
    },
    DonorKind.FRIENDLY_SOCIETY: {
        "registered": "The society is a registered friendly society or a registered society",
        "own_money": "The money is the society's own, not given on someone else's behalf",
    },
    DonorKind.UNINCORPORATED_ASSOCIATION: {
        "two_or_more": "The association has two or more members",
        "main_office_in_uk": "Its main office is in the UK",
        "activities_in_uk": "It carries on business or other activities wholly or mainly in the UK",
        "own_money": "The money is the association's own, not given on someone else's behalf",
    },
    DonorKind.OTHER: {},
}
NEEDS_NUMBER = {DonorKind.COMPANY: "company number", DonorKind.LLP: "registration number"}
COMPANY_NUMBER = re.compile(r"^(?:[0-9]{8}|[A-Z]{2}[0-9]{6})$")  # 01234567, SC123456, OC123456


def missing_declarations(kind: str, confirmed: Iterable[str]) -> list[str]:
    """What the donor has not confirmed, in words; empty when the declaration is complete."""
    given = set(confirmed)
    return [text for key, text in DECLARATIONS[kind].items() if key not in given]


def company_number(value: str | None) -> str | None:
    """A Companies House number, upper case, spaces removed; None if it is not one."""
    number = re.sub(r"\s+", "", value or "").upper()
    return number if COMPANY_NUMBER.match(number) else None


def donor_key(kind: str, name: str, address: str, number: str | None) -> str:
    """One source, whatever the spelling: a company by its number, anyone else by name and
    postcode-ish last line, case and spaces ignored. Used to add up a source's gifts."""
    if number:
        identity = f"{kind}|{number}"
    else:
        last_line = (address.strip().splitlines() or [""])[-1]
        simple = " ".join(f"{name}|{last_line}".lower().split())
        identity = f"{kind}|{simple}"
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def same_source_keys(
    donor_key: str, address: str, email: str | None, card: str | None
) -> list[tuple[str, str]]:
    """Every sign that gifts come from one source, for spotting a gift split to stay under
    the threshold: the declared donor, the address (spaces and case ignored), the email a
    card gift's receipt went to, and the card that paid it (Stripe's fingerprint)."""
    keys = [("donor", donor_key), ("address", " ".join(address.lower().split()))]
    if email:
        keys.append(("email", email.lower()))
    if card:
        keys.append(("card", card))
    return keys


def decide_by(received_on: date) -> date:
    return received_on + timedelta(days=DECIDE_WITHIN_DAYS)


def days_left(received_on: date, today: date) -> int:
    return (decide_by(received_on) - today).days


@dataclass(frozen=True)
class Figure:
    amount_pence: int
    effective_from: date
    source: str


def in_force(figures: Sequence[Figure], on: date) -> Figure | None:
    """The figure in force on `on`: the latest to take effect on or before it."""
    eligible = [f for f in figures if f.effective_from <= on]
    return max(eligible, key=lambda f: f.effective_from) if eligible else None


def is_donation(amount_pence: int, threshold: Figure | None) -> bool:
    """A gift counts as a donation (and must be checked) only above the threshold
    (PPERA s.52(2)(b): £500 or less is not a donation)."""
    return threshold is None or amount_pence > threshold.amount_pence


def crosses(before_pence: int, after_pence: int, reporting: Figure | None) -> bool:
    """Whether accepting a gift takes a source's total for the year over the reporting
    threshold (aggregation: PPERA s.62, Sch 7 para 10)."""
    return reporting is not None and before_pence <= reporting.amount_pence < after_pence


def looks_split(
    amounts_and_days: Sequence[tuple[int, date]], threshold: Figure | None, window_days: int = 30
) -> bool:
    """Several gifts from one source just under the donation threshold within a month: they
    may be one donation split to escape it. A flag for the treasurer, not a decision."""
    if threshold is None:
        return False
    low = threshold.amount_pence * 7 // 10
    near = sorted(
        day for amount, day in amounts_and_days if low <= amount <= threshold.amount_pence
    )
    return any((later - earlier).days <= window_days for earlier, later in pairwise(near))
