from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop.accounts.permissions import require_contributor
from coop.comments import services
from coop.comments.forms import CommentForm
from coop.comments.models import Comment
from coop.errors import DomainError, Invalid
from coop.extensions import db
from coop.fragments import fragment_key, kept_fragment
from coop.ideas.models import Idea
from coop.web import form_status, show_error

bp = Blueprint("comments", __name__)


def discussion_context(target) -> dict:
    """What a page's discussion needs: kept for readers alike (coop/fragments.py), or its
    threads, loaded only when nothing is kept."""
    # A page sent back with a comment's errors is not what anyone else would see.
    reading = services.shared_reading(current_user, target) if request.method == "GET" else None
    key = fragment_key("discussion", *reading) if reading else None
    kept = kept_fragment(key)
    threads = None if kept else services.thread_for(target, current_user)
    if threads and key and reading[0] == "member" and services.wrote_in(threads, current_user.id):
        key = None  # they commented a moment ago, elsewhere: their controls are not for all
    return {"discussion_kept": kept, "discussion_key": key, "threads": threads}


def submit_comment(target) -> tuple[CommentForm, Comment | None]:
    """Handle the comment form posted on an idea or proposal page."""
    require_contributor(current_user)  # before the form: a refusal is 403, not a form error
    form = CommentForm()
    if not form.validate_on_submit():
        return form, None
    parent = form.parent_id.data or ""
    try:
        comment = services.add_comment(
            current_user, target, form.body.data, int(parent) if parent.isdigit() else None
        )
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        show_error(form, error)
        return form, None
    flash(
        "Your comment is published."
        if comment.is_published
        else "Thank you. Your comment will appear once a moderator has checked it.",
        "success",
    )
    return form, comment


def comment_url(comment: Comment) -> str:
    target = services.comment_target(comment)
    endpoint = "ideas.show" if isinstance(target, Idea) else "proposals.show"
    key = "idea_id" if isinstance(target, Idea) else "proposal_id"
    return url_for(endpoint, slug=target.slug, _anchor=f"comment-{comment.id}", **{key: target.id})


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int):
    comment = services.get_comment(comment_id)
    services.check_can_change(current_user, comment)  # a refusal is a 403, not a form error
    form = CommentForm(obj=comment)
    if form.validate_on_submit():
        try:
            services.edit_comment(current_user, comment.id, form.body.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash("Your comment is updated.", "success")
            return redirect(comment_url(comment))
    page = render_template("comments/edit.html", form=form, comment=comment)
    return page, form_status(form)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id: int):
    comment = services.delete_comment(current_user, comment_id)
    db.session.commit()
    flash("Your comment is deleted.", "info")
    return redirect(comment_url(comment))
