"""A member's choice of digest: changed in settings, or by the unsubscribe link."""

from coop.accounts.models import Member
from coop.digests.emails import UNSUBSCRIBE_PURPOSE
from coop.digests.models import Frequency
from coop.errors import Invalid
from coop.extensions import db
from coop.privacy.services import record_digest_choice
from coop.security import read_token

# RFC 8058 links must keep working long after the email was sent.
UNSUBSCRIBE_LINK_AGE = 400 * 24 * 3600


def set_frequency(member: Member, frequency: str) -> None:
    if frequency not in set(Frequency):
        raise Invalid("Choose daily, weekly or no digest.", "digest_frequency")
    member.digest_frequency = frequency
    record_digest_choice(member, frequency)


def member_from_unsubscribe_token(token: str) -> Member | None:
    """The member a link was made for (None if they have since left), or raise Invalid."""
    payload = read_token(UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_LINK_AGE)
    if not isinstance(payload.get("m"), int):
        raise Invalid("This link is not valid. Check you copied all of it.")
    return db.session.get(Member, payload["m"])


def unsubscribe(token: str) -> Member | None:
    """Stop digests at once. Safe to repeat; a former member's link changes nothing."""
    member = member_from_unsubscribe_token(token)
    if member is not None:
        member.digest_frequency = Frequency.NONE
        record_digest_choice(member, Frequency.NONE)
    return member
