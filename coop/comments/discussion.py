"""The discussion under an idea or a proposal, as their pages show it and take its form:
shared by the ideas and proposals views (a views module imports no other's)."""

from flask import abort, flash, request, url_for
from flask_login import current_user

from coop.accounts.permissions import require_contributor
from coop.comments import queries, services
from coop.comments.forms import CommentForm
from coop.comments.models import Comment
from coop.fragments import fragment_key, kept_fragment
from coop.ideas.models import Idea
from coop.validation import database_id
from coop.web import save, url_pattern


def discussion_context(target) -> dict:
    """What a page's discussion needs: kept for readers alike (coop/fragments.py), or the
    threads of the page asked for (`comments_page`), loaded only when nothing is kept."""
    number = _discussion_page_number()
    # A page sent back with a comment's errors is not what anyone else would see.
    reading = services.shared_reading(current_user, target) if request.method == "GET" else None
    key = fragment_key("discussion", *reading) if reading else None
    kept = kept_fragment(key)
    page = None if kept else queries.discussion_page(target, current_user, number)
    if not kept and page is None:
        abort(404)
    threads = page.threads if page else None
    if threads and key and reading[0] == "member" and services.wrote_in(threads, current_user.id):
        key = None  # they commented a moment ago, elsewhere: their controls are not for all
    return {
        "discussion_kept": kept,
        "discussion_key": key,
        "threads": threads,
        "discussion_page": page,
        "discussion_url": _page_url_pattern(target),
    }


def _discussion_page_number() -> int:
    text = request.args.get("comments_page", "1")
    number = database_id(text)
    if number is None or not 1 <= number <= MAX_PAGES:
        abort(404)
    return number


MAX_PAGES = 100_000


def _page_address(target) -> tuple[str, dict]:
    """The endpoint and values of the page an idea's or proposal's discussion is on."""
    if isinstance(target, Idea):
        return "ideas.show", {"idea_id": target.id, "slug": target.slug}
    return "proposals.show", {"proposal_id": target.id, "slug": target.slug}


def _page_url_pattern(target) -> str:
    """The address of a page of the discussion, "{}" for its number (str.format)."""
    endpoint, values = _page_address(target)
    return url_pattern(endpoint, "comments_page", _anchor="comments", **values)


def submit_comment(target) -> tuple[CommentForm, Comment | None]:
    """Handle the comment form posted on an idea or proposal page. With no comment back,
    the caller sends that page again with the form, answered with `form_status(form)`."""
    require_contributor(current_user)  # before the form: a refusal is 403, not a form error
    form = CommentForm()
    if not form.validate_on_submit():
        return form, None
    posted_parent = (form.parent_id.data or "").strip()
    parent_id = database_id(posted_parent)
    if posted_parent and parent_id is None:
        form.form_errors.append(services.NOT_IN_DISCUSSION)
        return form, None
    saved = save(form, services.add_comment, current_user, target, form.body.data, parent_id)
    if not saved:
        return form, None
    comment = saved.value
    flash(
        "Your comment is published."
        if comment.is_published
        else "Thank you. Your comment will appear once a moderator has checked it.",
        "success",
    )
    return form, comment


def comment_url(comment: Comment, target=None) -> str:
    """The comment on its item's page, at the page of the discussion that holds it."""
    endpoint, values = _page_address(target or services.comment_target(comment))
    number = queries.page_of(comment)
    if number > 1:
        values["comments_page"] = number
    return url_for(endpoint, _anchor=f"comment-{comment.id}", **values)
