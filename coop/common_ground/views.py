from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.common_ground import scorer, services
from coop.common_ground.tasks import interval
from coop.web import CsrfForm, members_form, save

bp = Blueprint("common_ground", __name__)


@bp.get("/common-ground")
def explainer():
    return render_template(
        "common_ground/explainer.html",
        last_run_at=services.last_run_at(),
        common_ground_count=services.common_ground_count(),
        rules=scorer,
        every_minutes=round(interval(current_app.config).total_seconds() / 60),
        action_form=members_form(CsrfForm),
    )


@bp.post("/organise/common-ground/recompute")
@login_required
def recompute():
    save(None, services.request_recompute, current_user)
    flash("The common-ground ranking is being worked out again. It takes a minute.", "success")
    return redirect(url_for("common_ground.explainer"))
