"""A society with members, a meeting of which notice was given with an election on its
agenda, and that election set up by the secretary."""

from sqlalchemy import select

from coop.elections import services
from coop.elections.models import Election
from coop.extensions import db
from coop.meetings import services as meetings
from coop.membership import services as membership
from coop.membership.permissions import current_membership
from tests.meetings.helpers import notice_given, scheduled, uk_local
from tests.membership.helpers import SECRETARY, admitted, find, make_society
from tests.support import make_member

MO = "mo@example.org"
OLA = "ola@example.org"
TOM = "tom@example.org"
FORMER = "former@example.org"
DECLARED = {"not_bankrupt": "y", "not_disqualified": "y", "eligible": "y", "consents": "y"}


def society_with_members(app) -> None:
    """make_society's secretary, treasurer and supporter, three members of the co-operative
    (Mo, Ola, Tom) and a former member."""
    make_society(app)
    for email, name in ((MO, "Mo"), (OLA, "Ola"), (TOM, "Tom"), (FORMER, "Fay")):
        make_member(app, email, name)
        number = admitted(app, email, f"{name} Member")
    with app.app_context():
        membership.record_cessation(find(SECRETARY), number, "died", membership.today(), "")
        db.session.commit()


def election_item(app) -> int:
    """An election item on the agenda of a meeting 40 days ahead, notice given; its id."""
    meeting_id = scheduled(app, items=1)
    with app.app_context():
        item = meetings.add_item(
            find(SECRETARY), meeting_id, "election", "Election of the board", ""
        )
        db.session.commit()
        item_id = item.id
    notice_given(app, meeting_id)
    return item_id


def set_up(app, opens: float = -1, closes: float = 10, seconders: int = 1, words: int = 250,
           seats: int = 3) -> int:  # fmt: skip
    """An election whose nominations open and close `opens` and `closes` days from now; its
    id."""
    item_id = election_item(app)
    with app.app_context():
        election = services.create_election(
            find(SECRETARY), item_id, seats, "stv", uk_local(opens, 0), uk_local(closes, 12),
            seconders, words,
        )  # fmt: skip
        db.session.commit()
        return election.id


def number_of(app, email: str) -> int:
    with app.app_context():
        return current_membership(find(email).id).id


def seed_of(app, election_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(Election.lot_seed).where(Election.id == election_id))
