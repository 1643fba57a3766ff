"""Checks shared by services and forms: text that holds no control character and fits its
length, ids that fit the database, with messages that say which field is wrong; and text
made safe for a spreadsheet cell.

Bad input gets a clear answer, never a 500: PostgreSQL refuses a NUL byte in text and an
integer beyond its column outright, and no control character belongs in anything a member
types. Every service's text goes through `required_text` or `optional_text`, so the API,
CLI and every form get the same answer; forms also run `PlainText` so the message stands
beside the field with the form's other errors.
"""

import re

from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import DecimalField, Field, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coop.errors import Invalid

MAX_ID = 2**31 - 1  # the largest id a PostgreSQL integer column holds
# C0 controls but tab, line feed and carriage return (a textarea sends CR LF), DEL, C1.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "{what} contains a control character that cannot be stored. Please retype it."


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def plain_text(value: str | None, field: str, what: str) -> str:
    """`value` as typed, refused when it holds a control character (a NUL byte above all)."""
    text = value or ""
    if has_control_characters(text):
        raise Invalid(CONTROL_MESSAGE.format(what=what.capitalize()), field)
    return text


def required_text(value: str | None, field: str, max_length: int, what: str) -> str:
    text = plain_text(value, field, what).strip()
    if not text:
        raise Invalid(f"Enter {what}.", field)
    if len(text) > max_length:
        raise Invalid(f"{what.capitalize()} must be {max_length:,} characters or fewer.", field)
    return text


def optional_text(value: str | None, field: str, max_length: int, what: str) -> str:
    text = plain_text(value, field, what).strip()
    if len(text) > max_length:
        raise Invalid(f"{what.capitalize()} must be {max_length:,} characters or fewer.", field)
    return text


def at_most(limit: int, what: str) -> Length:
    """WTForms validator: at most `limit` characters, said in words."""
    return Length(max=limit, message=f"{what} must be {limit:,} characters or fewer.")


class PlainText:
    """WTForms validator: the field's text holds no control character."""

    def __call__(self, _form, field: Field) -> None:
        if isinstance(field.data, str) and has_control_characters(field.data):
            raise ValidationError(CONTROL_MESSAGE.format(what=field.label.text))


class TextForm(FlaskForm):
    """The base of forms: every field that holds text is checked by `PlainText`, so no
    form can forget it."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(found) for name, found in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field.data, str):
                extra.setdefault(name, []).append(PlainText())
        return super().validate(extra)


def database_id(value: str | None) -> int | None:
    """An id typed or posted (a hidden field, a filter), or None when it cannot be one:
    ASCII digits only ("²" is a digit to str.isdigit, not to int) and within MAX_ID. (An
    int is taken as it is, within range: WTForms also coerces its choices' values.)"""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= MAX_ID else None
    text = (value or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > 10 or int(text) > MAX_ID:
        return None
    return int(text)


class DatabaseId(IntegerConverter):
    """`<int:...>` in every URL: an id beyond the database's integer range is a 404 at the
    routing layer, before any view or query."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def is_slug(value: str, max_length: int = 80) -> bool:
    return len(value) <= max_length and SLUG.fullmatch(value) is not None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Keep spreadsheets from running a CSV cell as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Pounds(DecimalField):
    """WTForms field: an amount of money in pounds, to the penny (see coop.money.pence)."""

    def __init__(self, label: str, maximum: int = 100_000, required: bool = True, **kwargs):
        needed = InputRequired if required else Optional
        super().__init__(
            label,
            [
                needed("Enter the amount in pounds, for example 1.00."),
                NumberRange(0, maximum, f"Enter an amount from £0 to £{maximum:,}."),
            ],
            places=2,
            **kwargs,
        )

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():  # NaN, Infinity
            self.data = None
            raise ValueError("Enter the amount in pounds, for example 1.00.")
        if self.data is not None and self.data.as_tuple().exponent < -2:
            self.data = None
            raise ValueError("Enter pounds and pence, for example 1.00.")
