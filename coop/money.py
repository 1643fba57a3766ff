"""Money is integer pence everywhere; these write it for people and for spreadsheets, and
read what a form received."""

from decimal import Decimal


def pounds(pence: int | None) -> str:
    """£1,234.56, for pages and messages."""
    pence = pence or 0
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) // 100:,}.{abs(pence) % 100:02d}"


def decimal_pounds(pence: int | None) -> str:
    """1234.56, for CSV columns a spreadsheet reads as a number."""
    pence = pence or 0
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


def pence(amount: Decimal | None) -> int | None:
    """Pounds as typed (2 decimal places at most, coop.validation.Pounds) to pence."""
    if amount is None:
        return None
    return int((amount * 100).to_integral_value())
