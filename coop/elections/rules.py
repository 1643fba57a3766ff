"""Pure decisions about nominations for a board election: the nomination window, when a
nomination is valid, how the words of a statement are counted, and the declarations a
candidate makes before they stand, with where each comes from (docs/elections.md)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from coop.elections.models import Method


@dataclass(frozen=True)
class Declaration:
    field: str
    text: str
    source: str


def declarations(max_terms: int) -> tuple[Declaration, ...]:
    """What a candidate confirms before they stand. The Company Directors Disqualification
    Act 1986 applies to registered societies as to companies, their committee members as to
    directors (s.22E, inserted by the Co-operative and Community Benefit Societies and
    Credit Unions Act 2010 s.3, in force 6 April 2014)."""
    terms = (
        f" Elected, I would not serve more than {max_terms} consecutive terms on the board."
        if max_terms
        else ""
    )
    return (
        Declaration(
            "not_bankrupt",
            "I am not an undischarged bankrupt, no bankruptcy or debt relief restrictions "
            "order is in force against me and no debt relief order's moratorium applies to me.",
            "Company Directors Disqualification Act 1986, s.11 (with s.22E)",
        ),
        Declaration(
            "not_disqualified",
            "I am not disqualified from being a director of a company or a member of a "
            "society's committee (by a disqualification order or undertaking).",
            "Company Directors Disqualification Act 1986, ss.1, 1A and 13 (with s.22E)",
        ),
        Declaration(
            "eligible",
            "I am eligible to be a member of the board under the society's rules." + terms,
            "The society's rules (eligibility for the board and term limits)",
        ),
        Declaration(
            "consents",
            "I consent to stand for election and, if elected, to serve on the board.",
            "The society's rules",
        ),
    )


DECLARATION_FIELDS = ("not_bankrupt", "not_disqualified", "eligible", "consents")


@dataclass(frozen=True)
class ElectionRules:
    """What the society's rules say of board elections, from the settings (config.py)."""

    seconders: int
    statement_words: int
    methods: frozenset[str]
    max_terms: int

    @classmethod
    def from_config(cls, config: Mapping) -> "ElectionRules":
        methods = frozenset(
            part.strip().lower() for part in str(config["COOP_ELECTION_METHODS"]).split(",")
        ) - {""}
        if not methods or not methods <= set(Method):
            raise ValueError(
                f"COOP_ELECTION_METHODS must list stv and/or fptp, not "
                f"{config['COOP_ELECTION_METHODS']!r}"
            )
        return cls(
            seconders=int(config["COOP_ELECTION_SECONDERS"]),
            statement_words=int(config["COOP_ELECTION_STATEMENT_WORDS"]),
            methods=methods,
            max_terms=int(config["COOP_BOARD_MAX_CONSECUTIVE_TERMS"]),
        )


class Window:
    """Where a moment stands against the nomination window."""

    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


def window(now: datetime, opens: datetime, closes: datetime, closed_early: bool) -> str:
    """Open from `opens` (included) to `closes` (excluded), unless the secretary closed it."""
    if closed_early or now >= closes:
        return Window.CLOSED
    return Window.OPEN if now >= opens else Window.NOT_OPEN


_WORD = re.compile(r"\S+")
_HAS_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of characters between spaces that hold a letter
    or a digit. Markdown's marks are not words ("- " or "##"), nor is a dash standing alone;
    "co-operative" and "**bold**" are one word each, a link one word."""
    return sum(1 for word in _WORD.findall(text) if _HAS_LETTER_OR_DIGIT.search(word))


def is_valid(accepted: bool, withdrawn: bool, seconders: int, required: int, current: bool) -> bool:
    """A nomination stands when the candidate accepted it (making the declarations), has not
    withdrawn, is still a member of the co-operative, and enough members seconded it. Every
    one of those acts is refused outside the window, so a nomination that is valid was made
    valid within it."""
    return accepted and not withdrawn and current and seconders >= required
