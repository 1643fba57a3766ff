"""Deleting one's own account: a page saying what goes and what stays, then goodbye."""

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from coop.accounts.forms import password_field
from coop.accounts.sessions import end_session
from coop.errors import DomainError
from coop.extensions import checkpoint_sqlite, db, limiter
from coop.limits import member_key
from coop.privacy import deletion
from coop.web import show_error

bp = Blueprint("account_deletion", __name__)

KEEP, DELETE = "keep", "delete"
CHOICE_KEY = "account_deleted"


class DeleteAccountForm(FlaskForm):
    contributions = RadioField(
        "Your ideas and comments",
        choices=[
            SelectChoice(KEEP, "Keep them, shown as written by “Former member”"),
            SelectChoice(DELETE, "Delete their words: each is replaced by a “removed” notice"),
        ],
        validators=[InputRequired("Choose whether your ideas and comments stay or go.")],
    )
    password = password_field("Your password", "Enter your password to confirm it is you.")


def _signin_limit() -> str:
    # The form checks a password: as many tries as signing in allows.
    return current_app.config["LIMIT_SIGNIN_PER_ACCOUNT"]


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _signin_limit,
    key_func=member_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code >= 400,
)
def delete():
    member = current_user._get_current_object()
    form = DeleteAccountForm()
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            erasure = deletion.delete_account(
                member, form.password.data, form.contributions.data == KEEP
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status
        else:
            checkpoint_sqlite()  # before this request opens another transaction
            deletion.remove_export_files(erasure.export_files)
            end_session()
            session[CHOICE_KEY] = form.contributions.data  # for the goodbye page, once
            return redirect(url_for("account_deletion.deleted"))
    page = render_template(
        "privacy/delete.html", form=form, last_admin=deletion.is_last_admin(member)
    )
    return page, status


@bp.get("/account/deleted")
def deleted():
    return render_template("privacy/deleted.html", choice=session.pop(CHOICE_KEY, None))
