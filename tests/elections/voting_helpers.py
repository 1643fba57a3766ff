"""An election whose candidates stood, whose nominations closed and whose ballot is open;
and moving its window by hand (the rules for setting it are tested on their own)."""

from datetime import timedelta

from sqlalchemy import select, update

from coop.elections import services as elections
from coop.elections.voting import counting
from coop.elections.voting import services as voting
from coop.elections.voting.models import ElectionVote
from coop.extensions import db
from coop.uktime import to_uk, utcnow
from tests.elections.helpers import DECLARED, MO, OLA, TOM, election_item, society_with_members
from tests.meetings.helpers import uk_local
from tests.membership.helpers import SECRETARY, find
from tests.support import csrf_token

DECLARATIONS = {name: True for name in DECLARED}


def local_in(minutes: float):
    return to_uk(utcnow() + timedelta(minutes=minutes)).replace(tzinfo=None)


def nominations_closed(app, standing=(MO, OLA, TOM), seats: int = 2, method: str = "stv") -> int:
    """An election with no seconders needed, these members standing, nominations closed."""
    app.config["COOP_ELECTION_METHODS"] = "stv,fptp"
    item_id = election_item(app)
    with app.app_context():
        election = elections.create_election(
            find(SECRETARY), item_id, seats, method, uk_local(-1, 0), uk_local(10, 12), 0, 250
        )
        db.session.commit()
        election_id = election.id
        for email in standing:
            elections.stand(find(email), election_id, DECLARATIONS, f"I am {email}.")
            db.session.commit()
        elections.close_nominations(find(SECRETARY), election_id)
        db.session.commit()
    return election_id


def set_up(app, election_id: int, runner: str = "platform") -> None:
    """The vote set up to open in a few minutes and close in five days."""
    with app.app_context():
        voting.set_up_vote(find(SECRETARY), election_id, local_in(3), uk_local(5, 12), runner)
        db.session.commit()


def move(app, election_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(
            update(ElectionVote).where(ElectionVote.election_id == election_id).values(**values)
        )
        db.session.commit()


def ballot_open(app, standing=(MO, OLA, TOM), seats: int = 2, method: str = "stv",
                runner: str = "platform") -> int:  # fmt: skip
    society_with_members(app)
    election_id = nominations_closed(app, standing, seats, method)
    set_up(app, election_id, runner)
    move(app, election_id, voting_opens_at=utcnow() - timedelta(minutes=1))
    return election_id


def past_close(app, election_id: int) -> None:
    move(app, election_id, voting_closes_at=utcnow() - timedelta(seconds=1))


def close_and_count(app, election_id: int) -> bool:
    past_close(app, election_id)
    with app.app_context():
        return counting.close_vote(election_id)


def cast(client, election_id: int, *choices, marks=None):
    """Post a ballot: choices are ballot-paper positions (or "") per preference."""
    page = f"/elections/{election_id}/ballot"
    data = {"csrf_token": csrf_token(client, page)}
    for number, value in enumerate(choices, start=1):
        data[f"preference_{number}"] = str(value)
    if marks is not None:
        data["marks"] = [str(m) for m in marks]
    return client.post(page, data=data)


def positions(app, election_id: int) -> dict[str, int]:
    """Each candidate's name -> their position on the ballot paper."""
    with app.app_context():
        vote = voting.vote_of(election_id)
        return {c.name: c.position for c in voting.candidates_of(vote)}


def vote_row(app, election_id: int) -> ElectionVote:
    with app.app_context():
        vote = db.session.scalar(
            select(ElectionVote).where(ElectionVote.election_id == election_id)
        )
        db.session.expunge(vote)
        return vote
