"""Helpers for the proposal and comment tests: people, proposals, votes and their pages."""

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from coop.accounts.models import Member, Role
from coop.ballots import crypto, keys
from coop.ballots import services as ballot_services
from coop.ballots.models import Ballot, BoxVoter
from coop.ballots.record import format_tracker
from coop.extensions import db
from coop.privacy.services import record_joining_consents
from coop.proposals.models import CHOICES, WEIGHTS, Proposal
from coop.proposals.services import cast_vote, close_due_proposals
from coop.security import hash_password
from coop.uktime import utcnow
from tests.support import PASSWORD, TOTP_SECRET, quick_members, submit

MEMBER = "member@example.org"
ORGANISER = "organiser@example.org"
ADMIN = "admin@example.org"
_password_hash: list[str] = []  # one Argon2 hash of PASSWORD, made once per test process


def add_member(app, email: str, name: str, role: Role = Role.MEMBER, verified: bool = True) -> int:
    """Like tests.support.make_member, but every member shares one password hash (made once
    per test process), so adding people costs no Argon2 work. They sign in with PASSWORD."""
    with app.app_context():
        if not _password_hash:
            _password_hash.append(hash_password(PASSWORD))
        member = Member(
            display_name=name,
            email=email,
            password_hash=_password_hash[0],
            role=role,
            email_verified_at=utcnow() if verified else None,
            totp_secret=None if role == Role.MEMBER else TOTP_SECRET,
        )
        db.session.add(member)
        record_joining_consents(
            member, current_app.config["PRIVACY_NOTICE_VERSION"], True, email_updates=False
        )
        db.session.commit()
        return member.id


def make_people(app) -> None:
    """A member, an organiser and an admin, all with confirmed addresses."""
    add_member(app, MEMBER, "Mo Member")
    add_member(app, ORGANISER, "Olu Organiser", Role.ORGANISER)
    add_member(app, ADMIN, "Ada Admin", Role.ADMIN)


def make_voters(app, count: int, prefix: str = "voter") -> list[int]:
    return quick_members(app, count, prefix)


def cast_votes(app, proposal_id: int, choices: dict[int, str]) -> None:
    """Votes by member id, through the service, as if each member had used the page."""
    with app.app_context():
        for member_id, choice in choices.items():
            cast_vote(db.session.get(Member, member_id), proposal_id, choice)
        db.session.commit()


def member_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Member.id).where(Member.email == email))


def page_of(client, proposal_id: int) -> str:
    """The canonical address of a proposal page (the short one redirects there)."""
    response = client.get(f"/proposals/{proposal_id}")
    assert response.status_code == 301, response.status_code
    return response.headers["Location"]


def vote(client, proposal_id: int, choice: str):
    return submit(
        client, page_of(client, proposal_id), {"choice": choice}, f"/proposals/{proposal_id}/vote"
    )


def load_proposal(app, proposal_id: int) -> Proposal:
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        db.session.expunge(proposal)
        return proposal


def votes_of(app, proposal_id: int) -> dict[int, str]:
    """Each voter's current ballot, member id to choice, decrypted with the vote's key from
    the key folder: what someone holding both the database and that folder could do while
    the vote is open (the limit the README states), and what nobody can do after closing."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        rows = db.session.execute(
            select(BoxVoter.member_id, Ballot.ciphertext)
            .join(Ballot, Ballot.id == BoxVoter.ballot_id)
            .where(BoxVoter.box_id == proposal.ballot_box_id)
        ).all()
        if not rows:
            return {}
        secret = keys.load(proposal.ballot_box.public_key)
        return {member: decrypt_choice(secret, ciphertext) for member, ciphertext in rows}


def assert_unreadable(app, proposal_id: int) -> None:
    """The vote's ballots are still stored, and nobody can decrypt them any more."""
    with app.app_context():
        public = db.session.get(Proposal, proposal_id).ballot_box.public_key
        assert not keys.exists(public)
    with pytest.raises(keys.KeyMissing):
        votes_of(app, proposal_id)


def my_tracker(app, proposal_id: int, member: int) -> str | None:
    """The member's current tracker as pages show it."""
    with app.app_context():
        box_id = db.session.get(Proposal, proposal_id).ballot_box_id
        tracker = ballot_services.my_tracker(box_id, member)
        return format_tracker(tracker) if tracker else None


def decrypt_choice(secret: bytes, ciphertext: bytes) -> str:
    pair = crypto.Ciphertext.from_bytes(ciphertext)
    point = crypto.sub(pair.b, crypto.times(secret, pair.a))
    weights = {
        crypto.weight_point(weight): choice for choice, weight in zip(CHOICES, WEIGHTS, strict=True)
    }
    return str(weights[point])


def count_rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def end_voting(app, proposal_id: int) -> None:
    """Move the voting window into the past, as if time had passed."""
    now = utcnow()
    with app.app_context():
        db.session.execute(
            Proposal.__table__.update()
            .where(Proposal.id == proposal_id)
            .values(opens_at=now - timedelta(hours=2), closes_at=now - timedelta(minutes=1))
        )
        db.session.commit()


def close_due(app) -> int:
    with app.app_context():
        return close_due_proposals()


def idea_page_of(client, idea_id: int) -> str:
    """The canonical address of an idea page."""
    response = client.get(f"/ideas/{idea_id}")
    assert response.status_code == 301, response.status_code
    return response.headers["Location"]


def comment(client, item: str, item_id: int, body: str, parent_id: int | None = None):
    """Post a comment (or a reply) on an idea or a proposal, as its page's form does."""
    page = idea_page_of(client, item_id) if item == "ideas" else page_of(client, item_id)
    data = {"body": body, "parent_id": "" if parent_id is None else str(parent_id)}
    return submit(client, page, data, f"/{item}/{item_id}/comments")


def comment_id_of(response) -> int:
    """The id of the comment a successful post redirects to."""
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rsplit("#comment-", 1)[1])


def comment_html(page: str, comment_id: int) -> str:
    """The markup of one comment on a page."""
    return page.split(f'id="comment-{comment_id}"', 1)[1].split("</article>", 1)[0]
