"""The right of access: ask for a copy of your data (password again), then download it.

The download token is never in a URL, where access logs (the development server's, a proxy's)
would keep it: the emailed link and the account page lead to a page that knows the member's
latest copy, and its button POSTs the token, with the form's CSRF token, to download it.
"""

from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from wtforms import HiddenField, PasswordField
from wtforms.validators import InputRequired, Length

from coop.limits import attempts, failed, member_key, succeeded
from coop.privacy.export import services as export
from coop.privacy.models import ExportStatus
from coop.security import MAX_PASSWORD_LENGTH
from coop.uktime import uk_day, utcnow
from coop.validation import TextForm
from coop.web import form_status, save

bp = Blueprint("data_export", __name__)


class ExportRequestForm(TextForm):
    password = PasswordField(
        "Your password",
        [InputRequired("Enter your password."), Length(max=MAX_PASSWORD_LENGTH)],
        id="export-password",  # the email change form on the same page has a "password"
        description="To be sure it is you: the copy shows your views.",
    )


class DownloadForm(TextForm):
    token = HiddenField(validators=[InputRequired(), Length(max=64)])


def export_helpers() -> dict:
    """The account page's "Your data" section finds the latest export and a blank form."""
    return {
        "latest_export": export.latest_export,
        "export_progress": export.progress,
        "new_export_form": _blank_form,
        "download_form": _download_form,
    }


def _blank_form() -> ExportRequestForm:
    return ExportRequestForm(formdata=None)


def _download_form(token: str) -> DownloadForm:
    return DownloadForm(formdata=None, token=token)


@bp.post("/account/export")
@login_required
# Guesses at the password: each counted before it is checked, one count with every other
# form that asks for the password again (coop/limits.py).
@attempts("LIMIT_SIGNIN_PER_ACCOUNT", member_key, refund_when=succeeded, scope="password-again")
# Asking again: the service also refuses while a copy is being prepared, and past 3 a day.
@attempts("LIMIT_EXPORT_REQUESTS", member_key, refund_when=failed)
def request_export():
    form = ExportRequestForm()
    if form.validate_on_submit() and save(
        form, export.request_export, current_user, form.password.data
    ):
        flash(
            "We are preparing a copy of your data. We will email you a link when it is "
            "ready; it may take a few minutes.",
            "success",
        )
        return redirect(url_for("accounts.account", _anchor="export-heading"))
    return render_template("privacy/export_request.html", export_form=form), form_status(form)


@bp.get("/account/export/download")
@login_required
def ready():
    """Where the email leads: the member's latest copy, with a button to download it."""
    latest = export.latest_export(current_user)
    if latest is None:
        return redirect(url_for("accounts.account", _anchor="export-heading"))
    progress = export.progress(latest)
    if progress == "expired":
        return render_template("privacy/export_expired.html"), 410
    if progress != "ready":
        return render_template("privacy/export_status.html", export=latest, progress=progress)
    return render_template("privacy/export_ready.html", export=latest)


@bp.post("/account/export/download")
@login_required
def download():
    form = DownloadForm()
    found = export.find_export(current_user, form.token.data or "")
    if found.status != ExportStatus.READY:
        progress = export.progress(found)
        return render_template("privacy/export_status.html", export=found, progress=progress)
    path = export.archive_path(found, utcnow())
    if path is None:
        return render_template("privacy/export_expired.html"), 410
    day = uk_day(found.ready_at).isoformat()
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"coop-data-{day}.zip",
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
