"""Checks shared by services: text lengths with messages that say which field is wrong, and
text made safe for a spreadsheet cell."""

from coop.errors import Invalid


def required_text(value: str | None, field: str, max_length: int, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(f"Enter {what}.", field)
    if len(text) > max_length:
        raise Invalid(f"{what.capitalize()} must be {max_length:,} characters or fewer.", field)
    return text


def optional_text(value: str | None, field: str, max_length: int, what: str) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise Invalid(f"{what.capitalize()} must be {max_length:,} characters or fewer.", field)
    return text


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Keep spreadsheets from running a CSV cell as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
