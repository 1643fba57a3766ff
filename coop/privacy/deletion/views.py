"""Deleting one's own account: a page saying what goes and what stays, then goodbye."""

from flask import Blueprint, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from wtforms import RadioField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from coop.accounts.forms import password_field
from coop.accounts.sessions import end_session
from coop.db.dialects import checkpoint_sqlite
from coop.limits import attempts, member_key, succeeded
from coop.privacy.deletion import services as deletion
from coop.validation import TextForm
from coop.web import form_status, save

bp = Blueprint("account_deletion", __name__)

KEEP, DELETE = "keep", "delete"
CHOICE_KEY = "account_deleted"


class DeleteAccountForm(TextForm):
    contributions = RadioField(
        "Your ideas and comments",
        choices=[
            SelectChoice(KEEP, "Keep them, shown as written by “Former member”"),
            SelectChoice(DELETE, "Delete their words: each is replaced by a “removed” notice"),
        ],
        validators=[InputRequired("Choose whether your ideas and comments stay or go.")],
    )
    password = password_field("Your password", "Enter your password to confirm it is you.")


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
# The form checks a password: as many tries as signing in allows, each counted before it is
# checked, one count with every other form that asks for the password again.
@attempts("LIMIT_SIGNIN_PER_ACCOUNT", member_key, refund_when=succeeded, scope="password-again")
def delete():
    member = current_user._get_current_object()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        keep = form.contributions.data == KEEP
        saved = save(form, deletion.delete_account, member, form.password.data, keep)
        if saved:
            checkpoint_sqlite()  # before this request opens another transaction
            deletion.remove_export_files(saved.value.export_files)
            end_session()
            session[CHOICE_KEY] = form.contributions.data  # for the goodbye page, once
            return redirect(url_for("account_deletion.deleted"))
    page = render_template(
        "privacy/delete.html", form=form, last_admin=deletion.is_last_admin(member)
    )
    return page, form_status(form)


@bp.get("/account/deleted")
def deleted():
    return render_template("privacy/deleted.html", choice=session.pop(CHOICE_KEY, None))
