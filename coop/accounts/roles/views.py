"""Admins grant and remove the organiser and admin roles, with a reason (audited), and reset
the two-step sign-in of a member who lost their authenticator (audited, the member emailed)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop.accounts import second_factor, services
from coop.accounts.forms import RoleForm, TwoStepResetForm
from coop.accounts.models import Role
from coop.accounts.permissions import require_admin
from coop.web import form_status, save

bp = Blueprint("roles", __name__, url_prefix="/admin/roles")
RESET = "two_step_reset"


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    require_admin(current_user)
    form = RoleForm(formdata=None) if request.form.get("form") == RESET else RoleForm()
    reset_form = TwoStepResetForm(prefix="reset")
    if request.form.get("form") == RESET:
        if reset_form.validate_on_submit():
            email, reason = reset_form.email.data, reset_form.reason.data
            saved = save(reset_form, second_factor.reset_by_admin, current_user, email, reason)
            if saved:
                name = saved.value.display_name
                flash(f"{name}'s two-step sign-in is reset; they are emailed.", "success")
                return redirect(url_for("roles.index"))
    elif form.validate_on_submit():
        role, reason = Role(form.role.data), form.reason.data
        saved = save(form, services.set_role, form.email.data, role, current_user, reason)
        if saved:
            flash(f"{saved.value.display_name} is now {saved.value.role}.", "success")
            return redirect(url_for("roles.index"))
    page = render_template(
        "accounts/roles.html", form=form, reset_form=reset_form, staff=services.staff()
    )
    return page, form_status(reset_form if reset_form.errors else form)
