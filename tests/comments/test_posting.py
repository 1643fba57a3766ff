import pytest

from coop.accounts.services import find_by_email
from coop.comments.models import Comment
from coop.extensions import db
from coop.ideas.models import Idea
from coop.ideas.services import withdraw_idea
from coop.proposals.models import Proposal
from tests.factories import client_for
from tests.proposals.helpers import (
    MEMBER,
    ORGANISER,
    add_member,
    comment,
    comment_html,
    comment_id_of,
    count_rows,
    idea_page_of,
    make_people,
    page_of,
)
from tests.support import make_idea, make_proposal, submit

OTHER = "other@example.org"


@pytest.fixture
def items(app):
    """A public idea and a public proposal, and a second member to talk with."""
    make_people(app)
    add_member(app, OTHER, "Otto Other")
    return make_idea(app, MEMBER), make_proposal(app, ORGANISER)


def comment_count(app, model, item_id: int) -> int:
    with app.app_context():
        return db.session.get(model, item_id).comment_count


def load_comment(app, comment_id: int) -> Comment:
    with app.app_context():
        found = db.session.get(Comment, comment_id)
        db.session.expunge(found)
        return found


@pytest.mark.parametrize(("item", "model"), [("ideas", Idea), ("proposals", Proposal)])
def test_a_member_comments_on_an_idea_or_a_proposal(app, items, item, model):
    item_id = items[0] if item == "ideas" else items[1]
    client = client_for(app, OTHER)

    response = comment(client, item, item_id, "I can help on *Saturdays*.")

    comment_id = comment_id_of(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your comment is published." in page
    shown = comment_html(page, comment_id)
    assert "Otto Other" in shown
    assert "I can help on <em>Saturdays</em>." in shown
    assert comment_count(app, model, item_id) == 1
    stored = load_comment(app, comment_id)
    assert (stored.idea_id, stored.proposal_id) == (
        (item_id, None) if item == "ideas" else (None, item_id)
    )


def test_markdown_in_comments_is_sanitised(app, items):
    idea_id, _ = items
    client = client_for(app, OTHER)
    body = (
        "**Bold** and [our site](https://example.org)\n\n"
        '<script>alert("x")</script>\n\n'
        "[click me](javascript:alert(1)) and [again](JaVaScRiPt:alert(2))\n\n"
        '<a href="javascript:alert(3)">raw link</a> <img src=x onerror=alert(4)>'
    )

    comment_id = comment_id_of(comment(client, "ideas", idea_id, body))

    stored = load_comment(app, comment_id).body_html
    page = client.get(idea_page_of(client, idea_id)).get_data(as_text=True)
    shown = comment_html(page, comment_id).split('<div class="prose">', 1)[1].split("</div>")[0]
    for html in (stored, shown):
        assert "<strong>Bold</strong>" in html
        assert '<a href="https://example.org" rel="nofollow ugc noopener noreferrer">' in html
        assert "<script" not in html
        assert "<img" not in html
        assert '<a href="javascript' not in html.lower()
        assert html.count("<a ") == 1


def test_a_reply_to_a_reply_attaches_to_the_top_level_comment(app, items):
    idea_id, _ = items
    member, other = client_for(app, MEMBER), client_for(app, OTHER)
    top = comment_id_of(comment(member, "ideas", idea_id, "Top-level"))
    reply = comment_id_of(comment(other, "ideas", idea_id, "First reply", parent_id=top))

    nested = comment_id_of(comment(member, "ideas", idea_id, "Reply to the reply", reply))

    assert load_comment(app, reply).parent_id == top
    assert load_comment(app, nested).parent_id == top
    page = member.get(idea_page_of(member, idea_id)).get_data(as_text=True)
    replies = page.split(f'id="comment-{top}"', 1)[1].split('<ol class="replies"', 1)[1]
    replies = replies.split("</ol>", 1)[0]
    assert f'id="comment-{reply}"' in replies and f'id="comment-{nested}"' in replies
    assert page.count('<ol class="replies"') == 1


def test_comments_are_listed_oldest_first_with_replies_under_their_parent(app, items):
    _, proposal_id = items
    member, other = client_for(app, MEMBER), client_for(app, OTHER)
    first = comment_id_of(comment(member, "proposals", proposal_id, "First"))
    second = comment_id_of(comment(other, "proposals", proposal_id, "Second"))
    late_reply = comment_id_of(comment(other, "proposals", proposal_id, "Late reply", first))
    third = comment_id_of(comment(member, "proposals", proposal_id, "Third"))

    page = app.test_client().get(page_of(member, proposal_id)).get_data(as_text=True)

    positions = [page.index(f'id="comment-{n}"') for n in (first, late_reply, second, third)]
    assert positions == sorted(positions)
    between = page[positions[0] : positions[2]]
    assert '<ol class="replies"' in between


def test_visitors_read_comments_on_public_items(app, items):
    idea_id, proposal_id = items
    member = client_for(app, OTHER)
    comment(member, "ideas", idea_id, "Visible on the idea")
    comment(member, "proposals", proposal_id, "Visible on the proposal")
    visitor = app.test_client()

    for page in (idea_page_of(visitor, idea_id), page_of(visitor, proposal_id)):
        html = visitor.get(page).get_data(as_text=True)
        assert "Visible on the" in html
        assert "Otto Other" in html
        assert "to comment." in html
        assert 'name="body"' not in html


def test_comments_on_a_members_only_proposal_are_hidden_from_visitors(app, items):
    proposal_id = make_proposal(app, ORGANISER, question="Members only?", visibility="members")
    member = client_for(app, OTHER)
    comment_id_of(comment(member, "proposals", proposal_id, "Only for members"))
    visitor = app.test_client()

    response = visitor.get(page_of(member, proposal_id))

    assert response.status_code == 404
    assert "Only for members" not in response.get_data(as_text=True)
    assert "Only for members" in member.get(page_of(member, proposal_id)).get_data(as_text=True)


def test_visitors_cannot_comment(app, items):
    idea_id, _ = items
    response = submit(app.test_client(), "/sign-in", {"body": "Hi"}, f"/ideas/{idea_id}/comments")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert count_rows(app, Comment) == 0


def test_an_unconfirmed_member_cannot_comment(app, items):
    idea_id, _ = items
    add_member(app, "new@example.org", "Newcomer", verified=False)
    response = comment(client_for(app, "new@example.org"), "ideas", idea_id, "Hello")
    assert response.status_code == 403
    assert count_rows(app, Comment) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write your comment first."),
        ("   \n  ", "Enter your comment."),
        ("x" * 5001, "5000 characters"),
    ],
    ids=["empty", "blank", "too-long"],
)
@pytest.mark.parametrize("item", ["ideas", "proposals"])
def test_an_empty_or_oversized_comment_is_refused_with_a_message(app, items, item, body, message):
    item_id = items[0] if item == "ideas" else items[1]

    response = comment(client_for(app, OTHER), item, item_id, body)

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="body-error"' in html
    assert message in html.split('id="body-error"', 1)[1].split("</p>", 1)[0]
    assert count_rows(app, Comment) == 0
    assert comment_count(app, Idea if item == "ideas" else Proposal, item_id) == 0


def test_a_comment_of_exactly_five_thousand_characters_is_accepted(app, items):
    idea_id, _ = items
    comment_id = comment_id_of(comment(client_for(app, OTHER), "ideas", idea_id, "y" * 5000))
    assert len(load_comment(app, comment_id).body) == 5000


def test_comments_on_a_withdrawn_idea_are_refused(app, items):
    idea_id, _ = items
    with app.app_context():
        withdraw_idea(find_by_email(MEMBER), idea_id)
        db.session.commit()
    client = client_for(app, OTHER)
    assert 'name="body"' not in client.get(idea_page_of(client, idea_id)).get_data(as_text=True)

    response = comment(client, "ideas", idea_id, "Too late?")

    assert response.status_code == 409
    assert count_rows(app, Comment) == 0


@pytest.mark.parametrize("elsewhere", ["another idea", "a proposal"])
def test_replying_to_a_comment_from_another_item_is_not_found(app, items, elsewhere):
    idea_id, proposal_id = items
    client = client_for(app, OTHER)
    if elsewhere == "another idea":
        other_idea = make_idea(app, MEMBER, title="Another idea")
        foreign = comment_id_of(comment(client, "ideas", other_idea, "Over there"))
    else:
        foreign = comment_id_of(comment(client, "proposals", proposal_id, "Over there"))

    response = comment(client, "ideas", idea_id, "Reply across items", parent_id=foreign)

    assert response.status_code == 404
    assert comment_count(app, Idea, idea_id) == 0
    assert count_rows(app, Comment) == 1
