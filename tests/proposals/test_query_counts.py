"""Pages run a fixed number of SQL statements however many votes, comments or proposals."""

from coop.accounts.models import Member
from coop.comments.services import add_comment
from coop.extensions import db
from coop.proposals.models import Proposal
from tests.factories import client_for
from tests.proposals.helpers import (
    MEMBER,
    ORGANISER,
    cast_votes,
    close_due,
    end_voting,
    make_people,
    make_voters,
    page_of,
    vote,
)
from tests.support import count_queries, make_idea, make_proposal


def add_comments(app, target_id: int, author_ids: list[int]) -> None:
    """A comment and a reply to it by each author."""
    with app.app_context():
        proposal = db.session.get(Proposal, target_id)
        for author_id in author_ids:
            author = db.session.get(Member, author_id)
            comment = add_comment(author, proposal, f"Comment by {author.display_name}")
            add_comment(author, proposal, "And a reply.", parent_id=comment.id)
        db.session.commit()


def queries_for(app, client, path: str) -> int:
    client.get(path)  # warm up: the first request may load what later ones reuse

    def read():
        response = client.get(path)
        assert response.status_code == 200

    return count_queries(app, read)


def test_the_proposal_page_runs_the_same_queries_with_few_or_many_votes_and_comments(app):
    make_people(app)
    idea_id = make_idea(app, MEMBER)
    proposal_id = make_proposal(app, ORGANISER, idea_id=idea_id)
    client = client_for(app, MEMBER)
    vote(client, proposal_id, "for")
    page = page_of(client, proposal_id)
    voters = make_voters(app, 12)
    add_comments(app, proposal_id, voters[:1])
    few = queries_for(app, client, page)

    cast_votes(app, proposal_id, dict.fromkeys(voters, "against"))
    add_comments(app, proposal_id, voters[1:])
    many = queries_for(app, client, page)

    assert few == many
    assert "Comment by Voter 11" in client.get(page).get_data(as_text=True)


def test_the_closed_proposal_page_runs_the_same_queries_however_many_voted(app):
    make_people(app)
    small = make_proposal(app, ORGANISER)
    large = make_proposal(app, ORGANISER)
    voters = make_voters(app, 15)
    cast_votes(app, small, {voters[0]: "for"})
    cast_votes(app, large, dict.fromkeys(voters, "for"))
    for proposal_id in (small, large):
        end_voting(app, proposal_id)
    close_due(app)
    client = client_for(app, MEMBER)

    assert queries_for(app, client, page_of(client, small)) == queries_for(
        app, client, page_of(client, large)
    )


def add_proposals(app, count: int, tag: str) -> None:
    """`count` proposals each voting, upcoming and closed, some members-only or from ideas."""
    for number in range(count):
        visibility = "members" if number % 2 else "public"
        idea_id = make_idea(app, MEMBER, title=f"Idea {tag} {number}")
        make_proposal(app, ORGANISER, question=f"Voting {tag} {number}?", idea_id=idea_id)
        upcoming = f"Upcoming {tag} {number}?"
        make_proposal(app, ORGANISER, question=upcoming, opens_in=5, visibility=visibility)
        closed = make_proposal(app, ORGANISER, question=f"Closed {tag} {number}?")
        end_voting(app, closed)
    close_due(app)


def test_the_votes_list_runs_the_same_queries_with_few_or_many_proposals(app):
    make_people(app)
    member, visitor = client_for(app, MEMBER), app.test_client()
    add_proposals(app, 1, "first")
    pages = [(client, path) for client in (member, visitor) for path in ("/proposals", "/")]
    few = [queries_for(app, client, path) for client, path in pages]

    add_proposals(app, 6, "more")
    many = [queries_for(app, client, path) for client, path in pages]

    assert few == many
    assert "Closed more 5?" in member.get("/proposals").get_data(as_text=True)
