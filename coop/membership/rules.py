"""Pure decisions of membership: the rules' settings, amounts, dates and addresses."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from coop.errors import Invalid
from coop.membership.models import ADDRESS_MAX
from coop.validation import required_text


@dataclass(frozen=True)
class Rules:
    """What the society's registered rules say, from the settings (config.py: COOP_*)."""

    society: str
    rules_version: str
    rules_url: str
    share_pence: int
    shares_min: int
    shares_max: int
    eligibility: str
    non_payment_ceases: bool
    register_keep_years: int
    refused_keep_days: int
    inspection_days: int

    @classmethod
    def from_config(cls, config: Mapping) -> "Rules":
        return cls(
            society=config["COOP_SOCIETY_NAME"],
            rules_version=config["COOP_RULES_VERSION"],
            rules_url=config["COOP_RULES_URL"],
            share_pence=config["COOP_SHARE_PENCE"],
            shares_min=config["COOP_SHARES_MIN"],
            shares_max=config["COOP_SHARES_MAX"],
            eligibility=config["COOP_ELIGIBILITY"],
            non_payment_ceases=bool(config["COOP_NON_PAYMENT_CEASES"]),
            register_keep_years=config["COOP_REGISTER_KEEP_YEARS"],
            refused_keep_days=config["COOP_REFUSED_KEEP_DAYS"],
            inspection_days=config["COOP_INSPECTION_DAYS"],
        )

    def checked_shares(self, shares: int | None, field: str) -> int:
        if shares is None or not self.shares_min <= shares <= self.shares_max:
            if self.shares_min == self.shares_max:
                raise Invalid(f"Members hold {self.shares_min} share(s).", field)
            raise Invalid(f"Choose from {self.shares_min} to {self.shares_max} shares.", field)
        return shares


def postal_address(value: str | None, field: str) -> str:
    """A postal address as typed, lines kept, blank lines and trailing spaces dropped."""
    text = required_text(value, field, ADDRESS_MAX, "the postal address")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise Invalid("Enter the full postal address, with the postcode, on separate lines.", field)
    return "\n".join(lines)


def past_or_today(value: date | None, today: date, field: str, what: str) -> date:
    if value is None:
        raise Invalid(f"Enter {what}.", field)
    if value > today:
        raise Invalid(f"{what.capitalize()} cannot be in the future.", field)
    if value.year < 1900:
        raise Invalid(f"{what.capitalize()} is too far in the past.", field)
    return value


def years_before(on: date, years: int) -> date:
    """The same day `years` earlier (28 February for 29 February in a common year)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)
