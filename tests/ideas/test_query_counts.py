"""Pages run a fixed number of SQL statements, however many ideas, comments and reactions."""

from coop.accounts.models import Member
from coop.comments.services import add_comment
from coop.extensions import db
from coop.ideas.services import get_idea
from tests.factories import signed_in
from tests.ideas.helpers import add_ideas, add_members, idea_page, react_as
from tests.support import count_queries, load_member, make_topic

LIST_PAGES = [
    "/ideas",
    "/ideas?sort=supported",
    "/ideas?sort=trending",
    "/ideas?sort=discussed",
    "/ideas?topic=topic-1&stage=discussion",
    "/ideas?q=idea",
    "/ideas?page=2",
]
CEILING = 8
# The member, the idea with all its page shows (and the reader's reaction), the threads.
IDEA_PAGE_CEILING = {"visitor": 2, "member": 3}


def queries_for(app, client, path: str) -> int:
    responses = []
    count = count_queries(app, lambda: responses.append(client.get(path)))
    assert responses[0].status_code == 200, path
    return count


def list_page_queries(app, viewers: dict) -> dict:
    return {
        (who, path): queries_for(app, client, path)
        for who, client in viewers.items()
        for path in LIST_PAGES
    }


def clients(app) -> dict:
    """A visitor and a signed-in member, each having loaded a page once (warm connections)."""
    member = signed_in(app, name="Reader")
    visitor = app.test_client()
    for client in (member, visitor):
        client.get("/ideas")
    return {"visitor": visitor, "member": member}


def add_discussion(app, idea_id: int, member_ids: list[int], comments: int) -> None:
    """Comments by the given members, every third a reply, and a reaction from each."""
    with app.app_context():
        idea = get_idea(idea_id)
        parent = None
        for n in range(comments):
            author = db.session.get(Member, member_ids[n % len(member_ids)])
            reply_to = parent.id if parent is not None and n % 3 == 2 else None
            comment = add_comment(author, idea, f"Comment {n}", reply_to)
            parent = comment if reply_to is None else parent
        db.session.commit()
    for n, member_id in enumerate(member_ids):
        react_as(app, member_id, idea_id, "support" if n % 2 else "oppose")


def test_the_idea_list_runs_the_same_queries_for_5_or_40_ideas(app):
    viewers = clients(app)
    authors = add_members(app, 12, "author")
    topics = [make_topic(app, f"Topic {n}") for n in range(1, 6)]
    ideas = add_ideas(app, authors[:3], topics[:2], 5)
    for member_id in authors[:3]:
        react_as(app, member_id, ideas[0], "support")
    small = list_page_queries(app, viewers)

    more = add_ideas(app, authors, topics, 35)
    for n, member_id in enumerate(authors):
        react_as(app, member_id, more[n], "support")
    large = list_page_queries(app, viewers)

    assert large == small
    assert max(large.values()) <= CEILING


def test_the_idea_page_runs_the_same_queries_for_2_or_30_comments_and_reactions(app):
    viewers = clients(app)
    reader_id = load_member(app, "member@example.org").id
    people = add_members(app, 30)
    quiet, busy = add_ideas(app, people[:2], [make_topic(app)], 2)
    add_discussion(app, quiet, people[:2], 2)
    add_discussion(app, busy, people, 30)
    for idea_id in (quiet, busy):
        react_as(app, reader_id, idea_id, "support")

    for who, client in viewers.items():
        quiet_count, busy_count = (
            queries_for(app, client, idea_page(app, idea_id)) for idea_id in (quiet, busy)
        )
        assert quiet_count == busy_count, who
        assert busy_count <= IDEA_PAGE_CEILING[who]
        html = client.get(idea_page(app, busy)).get_data(as_text=True)
        assert html.count('class="comment"') == 30
