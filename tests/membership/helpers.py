"""A society with a secretary and a treasurer, and the forms members send."""

from sqlalchemy import select

from coop.accounts.models import Member, Role
from coop.extensions import db
from coop.membership import services
from coop.membership.models import Application
from tests.support import TOTP_SECRET, make_member

ADMIN = "admin@example.org"
SECRETARY = "secretary@example.org"
TREASURER = "treasurer@example.org"
SUPPORTER = "rosa@example.org"
ADDRESS = "1 High Street\nLlandudno\nLL30 2AA"
APPLY = {
    "legal_name": "Rosa Lee Parks",
    "postal_address": ADDRESS,
    "notices_by_email": "y",
    "eligible": "y",
    "agrees_to_rules": "y",
}


def find(email: str) -> Member:
    return db.session.scalar(select(Member).where(Member.email == email))


def make_society(app) -> None:
    """An admin; a secretary and a treasurer in the register of officers, both with
    two-step sign-in; a supporter who is not yet a member."""
    make_member(app, ADMIN, "Admin", Role.ADMIN)
    make_member(app, SECRETARY, "Sec")
    make_member(app, TREASURER, "Tre")
    make_member(app, SUPPORTER, "Rosa")
    with app.app_context():
        for email in (SECRETARY, TREASURER):
            find(email).totp_secret = TOTP_SECRET
        today = services.today()
        services.appoint(find(ADMIN), SECRETARY, "secretary", "Sam Secretary", ADDRESS, today)
        db.session.flush()
        services.appoint(find(SECRETARY), TREASURER, "treasurer", "Tia Treasurer", ADDRESS, today)
        db.session.commit()


def admitted(app, email: str, name: str = "Member Person") -> int:
    """`email` applied, paid and was admitted; their membership number."""
    with app.app_context():
        application = services.apply(find(email), name, ADDRESS, 1, True, True, True)
        db.session.flush()
        services.record_payment(find(TREASURER), application.id, "cash", 100, services.today(), "")
        membership = services.admit(find(SECRETARY), application.id)
        db.session.commit()
        return membership.id


def application_of(app, email: str) -> Application | None:
    with app.app_context():
        found = db.session.scalar(
            select(Application)
            .where(Application.account_id == find(email).id)
            .order_by(Application.id.desc())
        )
        if found is not None:
            db.session.expunge(found)
        return found
