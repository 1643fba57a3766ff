"""Display names: one normal form, nothing invisible, and no passing for staff.

Against whom it holds: a member choosing a name to be taken for an organiser or an admin
("Olu (organiser)", "Admin Team", an organiser's own name in other letters), or to hide
text (zero-width and bidirectional controls reorder or conceal what readers see). Where it
stops: lookalikes are folded with a short table of the Cyrillic and Greek letters and digits
most used to imitate Latin ones, not Unicode's whole confusables list; and the role badge
beside organisers' and admins' contributions (templates/accounts/_author.html), not the
name, is what readers are told to trust. Accounts made from the command line are trusted
and only normalised.
"""

import re
import unicodedata

from sqlalchemy import select

from coop.accounts.models import Member, Role
from coop.errors import Invalid
from coop.extensions import db

MAX_LENGTH = 60
FIELD = "display_name"
# Letters that show nothing although Unicode calls them letters or symbols.
BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u17b4", "\u17b5"}
# Characters drawn like a Latin letter (or a digit used as one), folded before comparing.
LOOKALIKES = str.maketrans(
    # Cyrillic, Latin and Greek letters drawn like Latin ones (in the order of the second
    # string), then digits and signs used as letters.
    (
        "\u0430\u0432\u0435\u0451\u043a\u043c\u043d\u043e\u0440\u0441\u0442\u0443"
        "\u0445\u0456\u0458\u0455\u0501\u051b\u051d\u0261\u0131\u2113\u03b1\u03b2"
        "\u03b5\u03b7\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7\u03c9"
        "013457@$|!"
    ),
    "abeekmhopctyxijsdqwgilabenikvoptuxwoleastasli",
)
# "l", "1", "|", "I" and "i" are one another's lookalikes: all compared as "i".
LOOKS_LIKE_I = str.maketrans("l", "i")
# A word of its own ("Olu (Admin)") or, for the long ones, anywhere ("OluOrganiser").
ROLE_WORDS = {"admin", "admins", "administrator", "administrators", "moderator", "moderators",
              "mod", "mods", "organiser", "organisers", "organizer", "organizers", "staff",
              "official", "officials", "sysop"}  # fmt: skip
ROLE_STEMS = ("administrator", "moderator", "organiser", "organizer")
MAX_COMBINING_RUN = 3


def normalise(raw: str | None) -> str:
    """The name in NFKC with single spaces, or Invalid (on the display_name field) when it
    holds a control, format (zero-width, bidirectional), private or unassigned character,
    a blank letter, a pile of accents, or is empty or too long."""
    name = unicodedata.normalize("NFKC", raw or "")
    for char in name:
        if char.isspace():
            continue
        if unicodedata.category(char)[0] == "C" or char in BLANK_LETTERS:
            raise Invalid(
                "Use letters, digits, spaces and punctuation only: this name holds an invisible "
                "or control character.",
                FIELD,
            )
    if _combining_run(name):
        raise Invalid("This name has too many accents on one letter.", FIELD)
    name = " ".join(name.split())
    if not name:
        raise Invalid("Enter the name to show on your contributions.", FIELD)
    if len(name) > MAX_LENGTH:
        raise Invalid(f"Use at most {MAX_LENGTH} characters.", FIELD)
    return name


def _combining_run(name: str) -> bool:
    run = 0
    for char in name:
        run = run + 1 if unicodedata.category(char) == "Mn" else 0
        if run > MAX_COMBINING_RUN:
            return True
    return False


def skeleton(name: str) -> str:
    """What a name looks like, for comparing: no case, accents, lookalikes or spacing; words
    kept apart by single spaces."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    folded = plain.translate(LOOKALIKES).translate(LOOKS_LIKE_I)
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def imitates_a_role(name: str) -> bool:
    shape = skeleton(name)
    joined = shape.replace(" ", "")
    words = {skeleton(word) for word in ROLE_WORDS}
    return bool(words & set(shape.split())) or any(skeleton(s) in joined for s in ROLE_STEMS)


def check_new_name(raw: str | None, member_id: int | None = None) -> str:
    """A name a member chooses for themself: normalised, not a role word, and not an
    existing organiser's or admin's name in other letters (their own excepted)."""
    name = normalise(raw)
    if imitates_a_role(name):
        raise Invalid(
            "Names cannot include a role such as organiser or admin: the site shows a badge "
            "beside organisers' and admins' names instead.",
            FIELD,
        )
    shape = skeleton(name).replace(" ", "")
    staff = db.session.execute(
        select(Member.id, Member.display_name).where(Member.role.in_([Role.ORGANISER, Role.ADMIN]))
    )
    if any(
        skeleton(other).replace(" ", "") == shape
        for other_id, other in staff
        if other_id != member_id
    ):
        raise Invalid("That name is too like an organiser's or an admin's. Choose another.", FIELD)
    return name
