"""Feeds and downloads name authors by display name only: no email address, and nothing
about how any member reacted or voted, only the published totals."""

from sqlalchemy import select

from coop.accounts.models import Member
from coop.extensions import db
from tests.feeds.helpers import AUTHOR, DOWNLOADS, FEEDS, ORGANISER, closed_vote, people
from tests.ideas.helpers import react_as
from tests.proposals.helpers import add_member, cast_votes
from tests.support import make_idea, make_proposal, make_topic
from tests.updates.helpers import make_update


def test_no_email_address_reaction_or_vote_of_any_member_is_published(app):
    people(app)
    topic_id = make_topic(app, "Housing")
    idea_id = make_idea(app, AUTHOR, title="More homes", topic_id=topic_id)
    make_update(app, "News", "Some news.", author_email=ORGANISER)
    reactors = [add_member(app, f"reactor{n}@example.org", f"Reactor Person {n}") for n in range(3)]
    for member_id, reaction in zip(reactors, ["support", "support", "oppose"], strict=True):
        react_as(app, member_id, idea_id, reaction)
    closed_vote(app, "Adopt the charter?", ["for", "against", "abstain"])
    open_vote = make_proposal(app, ORGANISER, question="Still open?")
    cast_votes(app, open_vote, {reactors[0]: "for"})
    with app.app_context():
        members = db.session.execute(select(Member.email, Member.display_name)).all()
    client = app.test_client()

    bodies = {path: client.get(path).get_data(as_text=True) for path in FEEDS + DOWNLOADS}
    bodies["topic"] = client.get("/topics/housing/ideas.atom").get_data(as_text=True)

    names = {name for _email, name in members} - {"Ann Author", "Olu Organiser"}
    for where, body in bodies.items():
        assert "@example.org" not in body, where
        assert "@" not in body.replace("xmlns", ""), where
        for name in names:  # reactors and voters appear nowhere, not even by name
            assert name not in body, (where, name)
        assert "Still open?" not in body, where
        for word in ("support", "oppose", "Reactor", "Voter"):
            assert word.lower() not in body.lower(), (where, word)
    assert "Ann Author" in bodies["/ideas.atom"]
    assert "Olu Organiser" in bodies["/updates.atom"]
