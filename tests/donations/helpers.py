"""A treasurer, the co-operative as a recipient, and the thresholds the migration ships."""

import importlib.util
from pathlib import Path

from sqlalchemy import select

from coop.donations import services
from coop.donations.models import Recipient, Threshold
from coop.extensions import db
from tests.membership.helpers import make_society

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0014_donations.py"


def shipped_thresholds() -> list[dict]:
    spec = importlib.util.spec_from_file_location("donations_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.THRESHOLDS


def make_treasury(app) -> int:
    """make_society's officers; the thresholds the migration ships (PostgreSQL's tests
    empty every table between tests); the co-operative as a regulated donee. Its id."""
    make_society(app)
    with app.app_context():
        have = {(t.regime, t.kind, t.effective_from) for t in db.session.scalars(select(Threshold))}
        for row in shipped_thresholds():
            if (row["regime"], row["kind"], row["effective_from"]) not in have:
                db.session.add(Threshold(**row))
        recipient = Recipient(name="The Independents Co-operative", regime="regulated_donee")
        db.session.add(recipient)
        db.session.commit()
        return recipient.id


def gift_form(recipient: int, **changes) -> dict:
    form = {
        "recipient_id": str(recipient),
        "donor_kind": "individual",
        "donor_name": "Ada Lovelace",
        "donor_address": "12 St James's Square\nLondon\nSW1Y 4JH",
        "declarations": ["on_register", "own_money"],
        "amount": "600.00",
        "received_on": services.today().isoformat(),
        "method": "bank_transfer",
        "reference": "BACS 1",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}
