"""Who may do what. Services call these with the acting member; views never decide."""

from coop.accounts.models import Member
from coop.errors import NotAllowed
from coop.uktime import uk_datetime


def require_contributor(actor: Member | None) -> Member:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAllowed("Please sign in to take part.")
    if not actor.is_verified:
        raise NotAllowed("Please confirm your email address before taking part.")
    if not actor.political_opinions_consent:
        raise NotAllowed("Taking part needs your consent to keep the views you express.")
    if not actor.accepted_current_notice:
        raise NotAllowed("Our privacy notice has changed: please read and accept it first.")
    if actor.is_banned:
        raise NotAllowed("This account is banned.")
    if actor.is_suspended:
        until = uk_datetime(actor.suspended_until)
        raise NotAllowed(f"Your account is suspended until {until}. You can still read.")
    return actor


def require_organiser(actor: Member | None) -> Member:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_organiser:
        raise NotAllowed("Only organisers can do that.")
    return actor


def require_admin(actor: Member | None) -> Member:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_admin:
        raise NotAllowed("Only admins can do that.")
    return actor


def is_member(actor: Member | None) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def sees_members_only(actor: Member | None) -> bool:
    """Members-only content is for the electorate: a confirmed address, as for voting."""
    return is_member(actor) and bool(actor.is_verified)
