"""Admins grant and remove the organiser and admin roles, with a reason (audited)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.accounts import services
from coop.accounts.forms import RoleForm
from coop.accounts.models import Role
from coop.accounts.permissions import require_admin
from coop.errors import DomainError
from coop.extensions import db
from coop.web import form_status, show_error

bp = Blueprint("roles", __name__, url_prefix="/admin/roles")


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    require_admin(current_user)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            member = services.set_role(
                form.email.data, Role(form.role.data), current_user, form.reason.data
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            if error.status == 403:
                raise
            show_error(form, error)
        else:
            flash(f"{member.display_name} is now {member.role}.", "success")
            return redirect(url_for("roles.index"))
    page = render_template("accounts/roles.html", form=form, staff=services.staff())
    return page, form_status(form)
