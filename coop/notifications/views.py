from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.notifications import services
from coop.web import CsrfForm, save

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index():
    return render_template(
        "notifications/index.html",
        notifications=services.recent(current_user),
        form=CsrfForm(),
    )


@bp.post("/notifications/read")
@login_required
def mark_read():
    save(None, services.mark_all_read, current_user)
    return redirect(url_for("notifications.index"))
