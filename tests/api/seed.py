"""Content for the API tests: public items, and private ones that must never show."""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select, update

from coop.accounts.models import Member, Role
from coop.comments.models import Comment
from coop.comments.services import add_comment, delete_comment
from coop.extensions import db
from coop.ideas.models import Idea, Topic
from coop.ideas.services import react, submit_idea
from coop.moderation.states import ModerationState
from coop.proposals.models import Proposal
from coop.proposals.services import cast_vote, close_proposal, withdraw_proposal
from coop.uktime import utcnow
from coop.updates.services import publish_update
from tests.support import make_member, make_proposal, make_topic, quick_members

ORGANISER = "boss@example.org"
AUTHOR = "rosa@example.org"
FORMER = "gone@example.org"

# Words that appear only in content the public must never see.
PRIVATE_WORDS = [
    "Hidden idea about secrets",
    "Held idea under review",
    "Pending idea of a newcomer",
    "Hidden comment words",
    "Pending comment words",
    "Reply to a pending comment",
    "Deleted comment words",
    "Members only question",
    "Members only comment words",
]


@dataclass
class Seeded:
    topics: dict[str, int] = field(default_factory=dict)
    ideas: dict[str, int] = field(default_factory=dict)
    comments: dict[str, int] = field(default_factory=dict)
    proposals: dict[str, int] = field(default_factory=dict)
    updates: dict[str, int] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)


def _member(email: str) -> Member:
    return db.session.scalar(select(Member).where(Member.email == email))


def _idea(title: str, body: str, topic_id: int, email: str = AUTHOR) -> int:
    return submit_idea(_member(email), title, body, topic_id).id


def _set_state(model, row_id: int, state: ModerationState) -> None:
    db.session.execute(update(model).where(model.id == row_id).values(moderation_state=state))


def seed(app) -> Seeded:
    """Three public ideas (one put to a vote and carried, one by a former member), a hidden,
    a held and a pending idea; comments in every state; proposals open, upcoming, closed with
    a result, withdrawn and members-only; two updates; topics, one archived."""
    seeded = Seeded()
    make_member(app, email=AUTHOR, name="Rosa Author")
    make_member(app, email=FORMER, name="Gone Member")
    make_member(app, email=ORGANISER, name="Olive Organiser", role=Role.ORGANISER)
    voters = quick_members(app, 4, "voter")
    for name in ("Housing", "Transport", "Old topic"):
        seeded.topics[name] = make_topic(app, name)
    with app.app_context():
        db.session.get(Topic, seeded.topics["Old topic"]).archived = True
        housing, transport = seeded.topics["Housing"], seeded.topics["Transport"]
        ideas = seeded.ideas
        ideas["homes"] = _idea("Build more homes", "We need **affordable** homes.", housing)
        ideas["buses"] = _idea("Free buses", "Buses for *everyone*.", transport)
        ideas["rent"] = _idea("Cap the rent", "Rents are too high.", housing)
        ideas["former"] = _idea("Plant trees", "More trees.", transport, FORMER)
        ideas["hidden"] = _idea(PRIVATE_WORDS[0], "Secret words.", housing)
        ideas["held"] = _idea(PRIVATE_WORDS[1], "Reported words.", housing)
        ideas["pending"] = _idea(PRIVATE_WORDS[2], "Waiting words.", transport)
        db.session.flush()
        _set_state(Idea, ideas["hidden"], ModerationState.HIDDEN)
        _set_state(Idea, ideas["held"], ModerationState.HELD)
        _set_state(Idea, ideas["pending"], ModerationState.PENDING)
        for n, voter_id in enumerate(voters):
            voter = db.session.get(Member, voter_id)
            react(voter, ideas["homes"], "support")
            react(voter, ideas["buses"], "oppose" if n % 2 else "support")
        _comments(seeded)
        db.session.commit()
    _proposals(app, seeded, voters)
    with app.app_context():
        boss = _member(ORGANISER)
        seeded.updates["first"] = publish_update(boss, "We have an office", "Come and *visit*.").id
        seeded.updates["second"] = publish_update(boss, "Meeting on Monday", "All welcome.").id
        seeded.emails = list(db.session.scalars(select(Member.email)))
        db.session.execute(delete(Member).where(Member.email == FORMER))
        db.session.commit()
    return seeded


def _comments(seeded: Seeded) -> None:
    rosa, boss = _member(AUTHOR), _member(ORGANISER)
    homes = db.session.get(Idea, seeded.ideas["homes"])
    comments = seeded.comments
    comments["first"] = add_comment(boss, homes, "I agree, **strongly**.").id
    comments["reply"] = add_comment(rosa, homes, "Thank you.", comments["first"]).id
    comments["hidden"] = add_comment(boss, homes, PRIVATE_WORDS[3]).id
    comments["reply_to_hidden"] = add_comment(rosa, homes, "Still here.", comments["hidden"]).id
    comments["pending"] = add_comment(rosa, homes, PRIVATE_WORDS[4]).id
    comments["reply_to_pending"] = add_comment(
        rosa, homes, PRIVATE_WORDS[5], comments["pending"]
    ).id
    comments["deleted"] = add_comment(rosa, homes, PRIVATE_WORDS[6]).id
    comments["on_buses"] = add_comment(
        rosa, db.session.get(Idea, seeded.ideas["buses"]), "On buses."
    ).id
    db.session.flush()
    delete_comment(rosa, comments["deleted"])
    _set_state(Comment, comments["hidden"], ModerationState.HIDDEN)
    _set_state(Comment, comments["pending"], ModerationState.PENDING)


def _proposals(app, seeded: Seeded, voters: list[int]) -> None:
    proposals = seeded.proposals
    proposals["open"] = make_proposal(app, ORGANISER, "Should we open an office?", body="A *room*.")
    proposals["upcoming"] = make_proposal(
        app, ORGANISER, "Should we hold a fete?", opens_in=24, closes_in=48
    )
    proposals["closed"] = make_proposal(
        app, ORGANISER, "Should we cap the rent?", idea_id=seeded.ideas["rent"], quorum_percent=10
    )
    proposals["withdrawn"] = make_proposal(app, ORGANISER, "Should we buy a van?")
    proposals["members"] = make_proposal(app, ORGANISER, PRIVATE_WORDS[7], visibility="members")
    with app.app_context():
        boss = _member(ORGANISER)
        closed = proposals["closed"]
        for voter_id, choice in zip(voters, ["for", "for", "against", "abstain"], strict=True):
            cast_vote(db.session.get(Member, voter_id), closed, choice)
            cast_vote(db.session.get(Member, voter_id), proposals["open"], "for")
        withdraw_proposal(boss, proposals["withdrawn"], "The van was sold.")
        members_only = db.session.get(Proposal, proposals["members"])
        proposals_comment = add_comment(boss, members_only, PRIVATE_WORDS[8])
        add_comment(boss, db.session.get(Proposal, proposals["open"]), "Which room?")
        past = utcnow() - timedelta(minutes=1)
        db.session.execute(
            update(Proposal)
            .where(Proposal.id == closed)
            .values(opens_at=past - timedelta(hours=1), closes_at=past)
        )
        db.session.commit()
        seeded.comments["on_members_only"] = proposals_comment.id
        close_proposal(closed)
