from flask import Blueprint, abort, flash, redirect, render_template
from flask_login import current_user, login_required

from coop.comments import services
from coop.comments.discussion import comment_url
from coop.comments.forms import CommentForm
from coop.moderation.rules import is_listed
from coop.web import form_status, save

bp = Blueprint("comments", __name__)


@bp.get("/comments/<int:comment_id>")
def show(comment_id: int):
    """A comment's lasting address, for readers who may see it and its item."""
    comment = services.get_comment(comment_id, deleted_too=True)
    target = services.visible_target(current_user, comment)
    if not is_listed(current_user, comment):
        abort(404)
    return redirect(comment_url(comment, target))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int):
    comment = services.get_comment(comment_id)
    services.check_can_change(current_user, comment)  # a refusal is a 403, not a form error
    form = CommentForm(obj=comment)
    if form.validate_on_submit() and save(
        form, services.edit_comment, current_user, comment.id, form.body.data
    ):
        flash("Your comment is updated.", "success")
        return redirect(comment_url(comment))
    page = render_template("comments/edit.html", form=form, comment=comment)
    return page, form_status(form)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id: int):
    comment = save(None, services.delete_comment, current_user, comment_id).value
    flash("Your comment is deleted.", "info")
    return redirect(comment_url(comment))
