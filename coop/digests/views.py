"""Unsubscribing from digests (RFC 8058 one-click, no sign-in) and the admins' view."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop.digests import preferences, queries, services
from coop.errors import answers_errors_with
from coop.extensions import csrf, limiter
from coop.web import CsrfForm, save

bp = Blueprint("digests", __name__)


@bp.route("/digests/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail clients post with no cookie
@limiter.limit(lambda: current_app.config["LIMIT_UNSUBSCRIBE"], methods=["POST"])
@answers_errors_with("digests/unsubscribe.html")
def unsubscribe(token: str):
    """GET only asks (a mail scanner following the link changes nothing); POST, from our
    button or a mail client's one-click (List-Unsubscribe-Post), stops digests at once. A
    link that cannot be used says so on this page."""
    if request.method == "GET":
        member = preferences.member_from_unsubscribe_token(token)
        return render_template("digests/unsubscribe.html", member=member, done=False)
    member = save(None, preferences.unsubscribe, token).value
    return render_template("digests/unsubscribe.html", member=member, done=True)


@bp.post("/account/digest")
@login_required
def preference():
    save(None, preferences.set_frequency, current_user, request.form.get("digest_frequency", ""))
    choice = current_user.digest_frequency
    flash(
        "You will get no digest." if choice == "none" else f"You will get a {choice} digest.",
        "success",
    )
    return redirect(url_for("accounts.account"))


@bp.get("/admin/digests")
@login_required
def report():
    periods = queries.recent_periods(current_user)
    failed = queries.failed_digests(current_user)
    return render_template(
        "digests/admin.html", periods=periods, failed=failed, action_form=CsrfForm()
    )


@bp.post("/admin/digests/<int:digest_id>/retry")
@login_required
def retry(digest_id: int):
    save(None, services.retry_failed, current_user, digest_id)
    flash("The digest will be sent again within a minute.", "success")
    return redirect(url_for("digests.report"))
