"""A noticed meeting with resolutions, and members of the co-operative to vote on them."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coop.extensions import db
from coop.meetings.models import Meeting
from coop.meetings.voting import closing, services
from coop.meetings.voting.models import ResolutionVote
from coop.membership import services as membership
from tests.meetings.helpers import notice_given, scheduled
from tests.membership.helpers import SECRETARY, SUPPORTER, admitted, find, make_society
from tests.support import make_member

MO, ANN, BEA = "mo@example.org", "ann@example.org", "bea@example.org"
FORMER = "former@example.org"
SUPPORTER_EMAIL = SUPPORTER


@pytest.fixture
def society(app):
    make_society(app)
    numbers = {}
    for email, name in ((MO, "Mo"), (ANN, "Ann"), (BEA, "Bea")):
        make_member(app, email, name)
        numbers[email] = admitted(app, email, f"{name} Member")
    make_member(app, FORMER, "Fay")
    former = admitted(app, FORMER, "Fay Former")
    with app.app_context():
        membership.record_cessation(find(SECRETARY), former, "died", membership.today(), "")
        db.session.commit()
    return numbers


@pytest.fixture
def meeting(app, society) -> int:
    """A noticed meeting 40 days ahead: a report, then two ordinary resolutions."""
    meeting_id = scheduled(app, items=3)
    notice_given(app, meeting_id)
    return meeting_id


def resolutions(app, meeting_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(ResolutionVote.item_id)
                .where(ResolutionVote.meeting_id == meeting_id)
                .order_by(ResolutionVote.item_id)
            )
        )


def starts(app, meeting_id: int):
    with app.app_context():
        return db.session.get(Meeting, meeting_id).starts_at


def vote(app, email: str, meeting_id: int, item_id: int, choice: str, proxy_id=None, at=None):
    with app.app_context():
        cast = services.cast_vote(find(email), meeting_id, item_id, choice, proxy_id, now=at)
        db.session.commit()
        return cast


def close(app, meeting_id: int, item_id=None, after=timedelta(hours=1), email=SECRETARY):
    at = starts(app, meeting_id) + after
    with app.app_context():
        counted = closing.close_voting(find(email) if email else None, meeting_id, item_id, at)
        db.session.commit()
        return counted


def result(app, item_id: int) -> ResolutionVote:
    with app.app_context():
        found = db.session.get(ResolutionVote, item_id)
        db.session.expunge(found)
        return found
