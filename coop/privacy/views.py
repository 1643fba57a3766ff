"""The privacy notice, accepting a new version of it, and changing consents."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from coop.errors import Invalid
from coop.privacy import services
from coop.privacy.models import ConsentKind
from coop.web import safe_next, save

bp = Blueprint("privacy", __name__)

# Pages a member may still use before accepting a new notice: reading it, leaving, and
# taking their data away.
BEFORE_ACCEPTING = {
    "privacy.notice", "privacy.accept", "accounts.sign_out", "static", "ops.healthz",
    "data_export.request_export", "data_export.download",
    "account_deletion.delete", "account_deletion.deleted",
}  # fmt: skip


def _version() -> str:
    return current_app.config["PRIVACY_NOTICE_VERSION"]


def ask_for_the_new_notice():
    """When the notice changes, a signed-in member reads and accepts it before anything
    else (the services refuse contributions until then, whatever the door)."""
    if (
        request.method == "GET"
        and getattr(current_user, "is_authenticated", False)
        and not current_user.accepted_current_notice
        and request.endpoint not in BEFORE_ACCEPTING
    ):
        return redirect(url_for("privacy.accept", next=request.full_path.rstrip("?")))
    return None


@bp.get("/privacy")
def notice():
    return render_template("privacy/notice.html", version=_version())


@bp.route("/privacy/accept", methods=["GET", "POST"])
@login_required
def accept():
    target = safe_next(request.values.get("next"))
    if current_user.accepted_current_notice:
        return redirect(target)
    error = None
    if request.method == "POST":
        if request.form.get("accept") == "yes":
            save(None, services.accept_notice, current_user, _version())
            flash("Thank you. You can take part again.", "success")
            return redirect(target)
        error = "Tick the box to say you have read the new privacy notice."
    page = render_template("privacy/accept.html", version=_version(), error=error, next=target)
    return page, 400 if error else 200


@bp.post("/account/consents")
@login_required
def consents():
    if request.form.get("form") != "consents":  # unticked boxes send nothing: be sure
        raise Invalid("Send your choices from the consents form on your account page.")
    changed = save(
        None,
        services.change_consents,
        current_user,
        political_opinions=request.form.get("political_opinions") == "yes",
        email_updates=request.form.get("email_updates") == "yes",
    ).value
    if ConsentKind.POLITICAL_OPINIONS in changed and not current_user.political_opinions_consent:
        flash(
            "You have withdrawn your consent: your supports, oppositions and open ballots are "
            "removed and you no longer take part. You can give it again at any time, or "
            "delete your account below.",
            "success",
        )
    else:
        flash("Your consents are saved." if changed else "Nothing changed.", "success")
    return redirect(url_for("accounts.account"))
