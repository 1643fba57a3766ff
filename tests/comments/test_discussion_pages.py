"""Long discussions come a page at a time (coop/comments/queries.py): the newest comments
are reachable, a link to a comment finds its page, and a page costs the same statements
however long the discussion."""

import re

import pytest

from coop.accounts.services import find_by_email
from coop.comments.models import Comment
from coop.extensions import db
from tests.factories import client_for
from tests.support import count_queries, make_idea, make_member, submit

PER_PAGE = 5
AUTHOR = "author@example.org"


@pytest.fixture
def paged(app_factory):
    app = app_factory(COMMENTS_PER_PAGE=PER_PAGE)
    make_member(app, email=AUTHOR, name="Ann Author")
    return app


def write_comments(app, idea_id: int, shape: list[int]) -> list[list[int]]:
    """Threads in order, each with so many replies; their ids as [root, *replies]."""
    threads = []
    with app.app_context():
        author = find_by_email(AUTHOR)
        for replies in shape:
            root = Comment(idea_id=idea_id, author=author, body="root", body_html="<p>root</p>")
            db.session.add(root)
            db.session.flush()
            ids = [root.id]
            for n in range(replies):
                reply = Comment(idea_id=idea_id, author=author, parent_id=root.id,
                                body=f"reply {n}", body_html=f"<p>reply {n}</p>")  # fmt: skip
                db.session.add(reply)
                db.session.flush()
                ids.append(reply.id)
            threads.append(ids)
        db.session.commit()
    return threads


def shown(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="comment-(\d+)"', html)]


def page(client, idea_id: int, number: int | None = None):
    query = f"?comments_page={number}" if number else ""
    return client.get(f"/ideas/{idea_id}/build-more-homes{query}")


def test_a_long_discussion_is_paged_in_thread_order_with_the_newest_reachable(paged):
    idea = make_idea(paged, AUTHOR)
    [first, second, third] = write_comments(paged, idea, [6, 2, 1])  # 12 comments
    visitor = paged.test_client()
    html = page(visitor, idea).get_data(as_text=True)
    assert shown(html) == first[:5]
    assert "Page 1 of 3 of the discussion" in html
    newest = re.search(r'href="([^"]+)">Newest comments', html).group(1).replace("&amp;", "&")
    last = visitor.get(newest).get_data(as_text=True)
    assert shown(last) == third
    middle = page(visitor, idea, 2).get_data(as_text=True)
    # The thread begun on page 1 goes on under its first comment, shown again.
    assert shown(middle) == [first[0], first[5], first[6], *second]
    assert "Continuing a thread that begins on the previous page" in middle


def test_a_link_to_a_comment_goes_to_the_page_that_holds_it(paged):
    idea = make_idea(paged, AUTHOR)
    [first, second] = write_comments(paged, idea, [6, 3])
    visitor = paged.test_client()
    for comment_id, number in [(first[0], None), (first[6], 2), (second[3], 3)]:
        response = visitor.get(f"/comments/{comment_id}")
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.endswith(f"#comment-{comment_id}")
        assert (f"comments_page={number}" in location) if number else "page" not in location
        assert comment_id in shown(visitor.get(location).get_data(as_text=True))
    assert visitor.get("/comments/2147483647").status_code == 404


def test_a_reply_to_an_old_thread_lands_on_its_page(paged):
    idea = make_idea(paged, AUTHOR)
    [first, _second] = write_comments(paged, idea, [6, 6])
    client = client_for(paged, AUTHOR)
    response = submit(client, f"/ideas/{idea}/build-more-homes",
                      {"body": "Late reply", "parent_id": str(first[0])},
                      action=f"/ideas/{idea}/comments")  # fmt: skip
    assert response.status_code == 302
    assert "comments_page=2" in response.headers["Location"]
    assert "Late reply" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("number", ["0", "4", "²", "99999999999", "x"])
def test_a_page_of_the_discussion_that_does_not_exist_is_a_404(paged, number):
    idea = make_idea(paged, AUTHOR)
    write_comments(paged, idea, [6, 2, 1])
    response = paged.test_client().get(f"/ideas/{idea}/build-more-homes?comments_page={number}")
    assert response.status_code == 404


def test_a_page_costs_the_same_statements_however_long_the_discussion(paged):
    short, long = make_idea(paged, AUTHOR, "Short"), make_idea(paged, AUTHOR, "Long")
    write_comments(paged, short, [2, 1])
    write_comments(paged, long, [40, 3, 30, 5] * 5)
    visitor = paged.test_client()

    def cost(idea_id: int, slug: str, number: int) -> tuple[int, int]:
        found = []
        path = f"/ideas/{idea_id}/{slug}?comments_page={number}"
        queries = count_queries(paged, lambda: found.append(visitor.get(path)))
        assert found[0].status_code == 200
        return queries, len(shown(found[0].get_data(as_text=True)))

    base, _ = cost(short, "short", 1)
    for number in (1, 2, 17, 79):  # 17 and 79 begin in the middle of a thread
        queries, comments = cost(long, "long", number)
        assert queries <= base + 1, number  # + the first comment of a thread begun earlier
        assert comments <= PER_PAGE + 1, number
