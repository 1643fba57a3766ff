"""Unsubscribing from digests (RFC 8058 one-click, no sign-in) and the admins' view."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop.digests import admin, preferences
from coop.errors import DomainError
from coop.extensions import csrf, db, limiter
from coop.web import CsrfForm

bp = Blueprint("digests", __name__)


@bp.route("/digests/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail clients post with no cookie
@limiter.limit(lambda: current_app.config["LIMIT_UNSUBSCRIBE"], methods=["POST"])
def unsubscribe(token: str):
    """GET only asks (a mail scanner following the link changes nothing); POST, from our
    button or a mail client's one-click (List-Unsubscribe-Post), stops digests at once."""
    try:
        if request.method == "GET":
            member = preferences.member_from_unsubscribe_token(token)
            return render_template("digests/unsubscribe.html", member=member, done=False)
        member = preferences.unsubscribe(token)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return render_template("digests/unsubscribe.html", error=error.message), 400
    return render_template("digests/unsubscribe.html", member=member, done=True)


@bp.post("/account/digest")
@login_required
def preference():
    preferences.set_frequency(current_user, request.form.get("digest_frequency", ""))
    db.session.commit()
    choice = current_user.digest_frequency
    flash(
        "You will get no digest." if choice == "none" else f"You will get a {choice} digest.",
        "success",
    )
    return redirect(url_for("accounts.account"))


@bp.get("/admin/digests")
@login_required
def report():
    periods = admin.recent_periods(current_user)
    failed = admin.failed_digests(current_user)
    return render_template(
        "digests/admin.html", periods=periods, failed=failed, action_form=CsrfForm()
    )


@bp.post("/admin/digests/<int:digest_id>/retry")
@login_required
def retry(digest_id: int):
    admin.retry_failed(current_user, digest_id)
    db.session.commit()
    flash("The digest will be sent again within a minute.", "success")
    return redirect(url_for("digests.report"))
