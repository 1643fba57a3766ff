"""Demo accounts for `make run`. Never loaded in production."""

from sqlalchemy import func, select

from coop.accounts.models import Member, Role
from coop.accounts.services import create_verified_member
from coop.extensions import db

DEMO_PASSWORD = "demo-coop-password"  # noqa: S105 - printed in the README, development only
DEMO_MEMBERS = [
    ("Ada (demo admin)", "admin@example.org", Role.ADMIN),
    ("Olu (demo organiser)", "organiser@example.org", Role.ORGANISER),
    ("Sam (demo member)", "member@example.org", Role.MEMBER),
]


def load_demo_data() -> bool:
    if db.session.scalar(select(func.count()).select_from(Member)):
        return False
    for name, email, role in DEMO_MEMBERS:
        create_verified_member(name, email, DEMO_PASSWORD, role)
    return True
