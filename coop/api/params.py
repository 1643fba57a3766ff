"""Strict reading of the API's query parameters. Anything unexpected (an unknown or repeated
parameter, a malformed or out-of-range value) is a 400 whose message names the parameter,
never a guess: a client with a typo learns of it at once."""

import re
from collections.abc import Collection
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from coop.errors import Invalid

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
QUERY_MAX = 200
SLUG_MAX = 80
MAX_ID = 2**31 - 1  # the largest id a PostgreSQL integer column holds

NUMBER_PATTERN = r"^[0-9]{1,9}$"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# No control characters: PostgreSQL text cannot hold NUL, and none belongs in a search.
TEXT_PATTERN = r"^[^\u0000-\u001f\u007f]*$"

_NUMBER = re.compile(NUMBER_PATTERN)
_SLUG = re.compile(SLUG_PATTERN)
_TEXT = re.compile(TEXT_PATTERN)


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int = PER_PAGE


def checked(args: MultiDict, accepted: Collection[str]) -> dict[str, str]:
    """The query's parameters as a plain dict, once each, all of them known here."""
    for name in args:
        if name not in accepted:
            known = ", ".join(accepted) or "no parameters"
            raise Invalid(
                f"Unknown query parameter '{name}'. This endpoint accepts: {known}.", name
            )
        if len(args.getlist(name)) > 1:
            raise Invalid(f"Give the query parameter '{name}' once.", name)
    return {name: args[name] for name in args}


def whole_number(args: dict[str, str], name: str, default: int, lowest: int, highest: int) -> int:
    value = args.get(name)
    if value is None:
        return default
    if not _NUMBER.fullmatch(value) or not lowest <= int(value) <= highest:
        raise Invalid(f"'{name}' must be a whole number from {lowest} to {highest:,}.", name)
    return int(value)


def page(args: dict[str, str]) -> Page:
    return Page(
        whole_number(args, "page", 1, 1, MAX_PAGE),
        whole_number(args, "per_page", PER_PAGE, 1, MAX_PER_PAGE),
    )


def choice(args: dict[str, str], name: str, choices: Collection[str]) -> str | None:
    value = args.get(name)
    if value is not None and value not in choices:
        raise Invalid(f"'{name}' must be one of: {', '.join(choices)}.", name)
    return value


def slug(args: dict[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is not None and (len(value) > SLUG_MAX or not _SLUG.fullmatch(value)):
        raise Invalid(
            f"'{name}' must be a slug: lower-case letters, digits and single hyphens, "
            f"at most {SLUG_MAX} characters.",
            name,
        )
    return value


def search_text(args: dict[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    if len(value) > QUERY_MAX or not _TEXT.fullmatch(value):
        raise Invalid(
            f"'{name}' must be at most {QUERY_MAX} characters, without control characters.",
            name,
        )
    return value.strip() or None
