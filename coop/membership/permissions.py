"""Who holds the board's powers: the officers of the society in the register of officers,
signed in with two-step sign-in. Services call these with the acting account."""

from sqlalchemy import select

from coop.accounts.models import Member
from coop.accounts.permissions import is_member, require_admin
from coop.errors import NotAllowed
from coop.extensions import db
from coop.membership.models import Membership, Office, OfficeTerm


def offices_of(actor: Member | None) -> set[str]:
    """The offices the account holds now."""
    if not is_member(actor):
        return set()
    return set(
        db.session.scalars(
            select(OfficeTerm.office).where(
                OfficeTerm.account_id == actor.id, OfficeTerm.left_office_on.is_(None)
            )
        )
    )


def _require_office(actor: Member | None, allowed: set[str], what: str) -> Member:
    if not offices_of(actor) & allowed:
        raise NotAllowed(f"Only {what} can do that.")
    if not actor.totp_secret:
        raise NotAllowed("The board's powers need two-step sign-in: turn it on in your account.")
    return actor


def require_board(actor: Member | None) -> Member:
    """Any officer: the board decides applications and resignations."""
    return _require_office(actor, set(Office), "the board")


def require_secretary(actor: Member | None) -> Member:
    """The secretary keeps the registers."""
    return _require_office(actor, {Office.SECRETARY}, "the secretary")


def require_treasurer(actor: Member | None) -> Member:
    """The treasurer (or the secretary) records money received and paid back."""
    return _require_office(actor, {Office.TREASURER, Office.SECRETARY}, "the treasurer")


def require_registrar(actor: Member | None) -> Member:
    """Appointing officers: the secretary, or a platform admin (the first secretary)."""
    if Office.SECRETARY in offices_of(actor):
        return require_secretary(actor)
    return require_admin(actor)


def current_membership(account_id: int | None) -> Membership | None:
    if account_id is None:
        return None
    return db.session.scalar(
        select(Membership).where(
            Membership.account_id == account_id, Membership.ceased_on.is_(None)
        )
    )


def is_coop_member(actor: Member | None) -> bool:
    return is_member(actor) and current_membership(actor.id) is not None
