import pytest
from sqlalchemy import select

from coop.accounts.services import find_by_email
from coop.comments.models import Comment, CommentRevision
from coop.comments.services import add_comment
from coop.extensions import db
from coop.ideas.models import Idea
from tests.factories import client_for
from tests.proposals.helpers import (
    MEMBER,
    ORGANISER,
    add_member,
    comment_html,
    idea_page_of,
    make_people,
)
from tests.support import make_idea, submit

OTHER = "other@example.org"


@pytest.fixture
def thread(app):
    """An idea with a comment by MEMBER and a reply to it by OTHER; returns the author's
    signed-in client and the ids."""
    make_people(app)
    add_member(app, OTHER, "Otto Other")
    idea_id = make_idea(app, MEMBER)
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        top = add_comment(find_by_email(MEMBER), idea, "My **first** thoughts")
        reply = add_comment(find_by_email(OTHER), idea, "A reply", parent_id=top.id)
        db.session.commit()
        top_id, reply_id = top.id, reply.id
    return client_for(app, MEMBER), idea_id, top_id, reply_id


def stored(app, comment_id: int) -> tuple[Comment, list[str]]:
    with app.app_context():
        found = db.session.get(Comment, comment_id)
        db.session.expunge(found)
        revisions = db.session.scalars(
            select(CommentRevision.body)
            .where(CommentRevision.comment_id == comment_id)
            .order_by(CommentRevision.id)
        ).all()
        return found, list(revisions)


def edit(client, comment_id: int, body: str):
    return submit(client, "/ideas", {"body": body}, f"/comments/{comment_id}/edit")


def test_an_author_edits_their_comment_and_the_old_text_is_kept(app, thread):
    author, idea_id, top, _ = thread
    form = author.get(f"/comments/{top}/edit")
    assert form.status_code == 200
    assert "My **first** thoughts" in form.get_data(as_text=True)

    response = edit(author, top, "My *second* thoughts")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#comment-{top}")
    comment_row, revisions = stored(app, top)
    assert comment_row.body == "My *second* thoughts"
    assert comment_row.edited_at is not None
    assert revisions == ["My **first** thoughts"]
    shown = comment_html(author.get(idea_page_of(author, idea_id)).get_data(as_text=True), top)
    assert "My <em>second</em> thoughts" in shown
    assert '<span class="edited">edited</span>' in shown
    assert "first" not in shown


def test_saving_the_same_text_keeps_no_revision(app, thread):
    author, _, top, _ = thread
    assert edit(author, top, "My **first** thoughts").status_code == 302
    comment_row, revisions = stored(app, top)
    assert comment_row.edited_at is None and revisions == []


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Write your comment first."), (" ", "Enter your comment."), ("z" * 5001, "5000")],
    ids=["empty", "blank", "too-long"],
)
def test_an_edit_that_is_empty_or_too_long_is_refused(app, thread, body, message):
    author, _, top, _ = thread

    response = edit(author, top, body)

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.split('id="body-error"', 1)[1].split("</p>", 1)[0]
    comment_row, revisions = stored(app, top)
    assert comment_row.body == "My **first** thoughts" and revisions == []


def test_an_author_deletes_their_comment_and_a_tombstone_keeps_the_thread(app, thread):
    author, idea_id, top, reply = thread
    edit(author, top, "Changed my mind")
    with app.app_context():
        assert db.session.get(Idea, idea_id).comment_count == 2

    response = submit(author, idea_page_of(author, idea_id), {}, f"/comments/{top}/delete")

    assert response.status_code == 302
    comment_row, revisions = stored(app, top)
    assert comment_row.deleted_at is not None
    assert (comment_row.body, comment_row.body_html) == ("", "")
    assert revisions == []
    with app.app_context():
        assert db.session.get(Idea, idea_id).comment_count == 1
    page = app.test_client().get(idea_page_of(author, idea_id)).get_data(as_text=True)
    assert '<p class="tombstone">Comment deleted.</p>' in comment_html(page, top)
    assert "Changed my mind" not in page and "first" not in page
    assert "A reply" in comment_html(page, reply)
    assert page.index(f'id="comment-{top}"') < page.index(f'id="comment-{reply}"')


def test_a_deleted_comment_cannot_be_edited_or_deleted_again(app, thread):
    author, idea_id, top, _ = thread
    submit(author, idea_page_of(author, idea_id), {}, f"/comments/{top}/delete")

    assert author.get(f"/comments/{top}/edit").status_code == 404
    again = submit(author, idea_page_of(author, idea_id), {}, f"/comments/{top}/delete")
    assert again.status_code == 404
    with app.app_context():
        assert db.session.get(Idea, idea_id).comment_count == 1


@pytest.mark.parametrize("email", [OTHER, ORGANISER])
def test_only_the_author_can_edit_or_delete_a_comment(app, thread, email):
    _, idea_id, top, _ = thread
    someone = client_for(app, email)
    page = someone.get(idea_page_of(someone, idea_id)).get_data(as_text=True)
    assert f'href="/comments/{top}/edit"' not in page

    assert someone.get(f"/comments/{top}/edit").status_code == 403
    assert edit(someone, top, "Hijacked").status_code == 403
    deleted = submit(someone, idea_page_of(someone, idea_id), {}, f"/comments/{top}/delete")
    assert deleted.status_code == 403

    comment_row, revisions = stored(app, top)
    assert comment_row.body == "My **first** thoughts"
    assert comment_row.deleted_at is None and revisions == []


def test_a_visitor_is_sent_to_sign_in_to_edit(app, client, thread):
    _, _, top, _ = thread
    response = client.get(f"/comments/{top}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
