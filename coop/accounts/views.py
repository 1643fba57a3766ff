import hashlib

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from coop.accounts import forms, second_factor, services, signins
from coop.accounts.models import Member
from coop.accounts.sessions import (
    end_session,
    pending_key,
    pending_sign_in,
    remember_pending_sign_in,
    start_session,
)
from coop.errors import answers_errors_with
from coop.extensions import limiter
from coop.limits import (
    attempts,
    failed,
    member_key,
    remember_device,
    succeeded,
    unless_known_device,
)
from coop.privacy.services import consent_history
from coop.web import CsrfForm, form_status, safe_next, save

CHECK_EMAIL = "check_email"

LINK_PROBLEM = "accounts/link_problem.html"  # an emailed link that cannot be used
bp = Blueprint("accounts", __name__)


def _limit(name: str):
    return lambda: current_app.config[name]


def _account_key() -> str:
    """The account an anonymous form is about, in the same normal form the services use,
    so that other spellings of one address share one limit."""
    raw = request.form.get("email", "")
    if not raw.strip():
        return "address:" + get_remote_address()
    return _key_for(raw)


def _key_for(email: str) -> str:
    return "account:" + (services.email_or_none(email) or email.strip().lower())


# Each guess is counted before the password or code is checked and given back when right, so
# guesses sent at once cannot all slip under the cap; the per-account cap is shared by the
# browsers that never signed in to the account, while one that did has its own (coop/limits.py).
_guesses_at_account = attempts(
    "LIMIT_SIGNIN_PER_ACCOUNT", unless_known_device(_account_key), refund_when=succeeded
)
_guesses_at_code = attempts(
    "LIMIT_SIGNIN_PER_ACCOUNT", unless_known_device(pending_key), refund_when=succeeded
)
# The forms that ask a signed-in member for the password again share one count.
_password_again = attempts(
    "LIMIT_SIGNIN_PER_ACCOUNT", member_key, refund_when=succeeded, scope="password-again"
)


def _check_email_page(kind: str):
    return redirect(url_for("accounts.check_email", kind=kind))


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_JOIN_PER_IP"), methods=["POST"])
@limiter.limit(_limit("LIMIT_JOIN_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
def join():
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = forms.JoinForm(notice_version=current_app.config["PRIVACY_NOTICE_VERSION"])
    if form.validate_on_submit() and save(
        form,
        services.join,
        form.display_name.data,
        form.email.data,
        form.password.data,
        form.notice_version.data,
        form.political_consent.data,
        form.email_updates.data,
    ):
        return _check_email_page("join")  # the same answer for an address already taken
    return render_template("accounts/join.html", form=form), form_status(form)


@bp.get("/check-your-email/<kind>")
def check_email(kind: str):
    if kind not in {"join", "reset", "resend", "change"}:
        return redirect(url_for("site.home"))
    return render_template("accounts/check_email.html", kind=kind)


def _confirmation_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "confirm:" + hashlib.sha256(token.encode()).hexdigest()


@bp.route("/verify/<token>", methods=["GET", "POST"])
@attempts("LIMIT_SIGNIN_PER_ACCOUNT", _confirmation_key, refund_when=succeeded)
@answers_errors_with(LINK_PROBLEM)
def verify_email(token: str):
    """Confirming needs the account's password, unless this browser is signed in to the
    account: the owner of an address someone else joined with cannot be led to confirm it.
    A link that cannot be used says so on opening, before anyone types a password into it
    (`_link_problem`)."""
    signed_in = current_user if current_user.is_authenticated else None
    owner = services.member_of_verification(token)
    needs_password = getattr(signed_in, "id", None) != owner.id
    form = forms.ConfirmAddressForm() if needs_password else CsrfForm()
    if form.validate_on_submit():
        password = form.password.data if needs_password else None
        if save(form, _verify, token, password, signed_in):
            flash("Thank you, your email address is confirmed. You can now take part.", "success")
            return redirect(
                url_for("site.home" if current_user.is_authenticated else "accounts.sign_in")
            )
    page = render_template("accounts/confirm_link.html", form=form, action="verify")
    return page, form_status(form)


def _verify(token: str, password: str | None, signed_in: Member | None) -> None:
    member = services.verify_email(token, password, signed_in)
    if signed_in is not None and signed_in.id == member.id:
        start_session(member, remember=False)  # the one session kept: it knew the password


@bp.route("/resend-verification", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_IP"), methods=["POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
def resend_verification():
    email = current_user.email if current_user.is_authenticated else None
    form = forms.EmailOnlyForm(email=email)
    if form.validate_on_submit() and save(
        form, services.request_verification_email, form.email.data
    ):
        return _check_email_page("resend")
    return render_template("accounts/resend.html", form=form), form_status(form)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_SIGNIN_PER_IP"), methods=["POST"])
@_guesses_at_account
def sign_in():
    form = forms.SignInForm()
    if form.validate_on_submit():
        remember = form.remember.data
        saved = save(form, _sign_in, form.email.data, form.password.data, remember)
        if saved and saved.value.totp_secret:
            remember_pending_sign_in(saved.value, remember, request.args.get("next"))
            return redirect(url_for("accounts.sign_in_code"))
        if saved:
            flash(f"Welcome back, {saved.value.display_name}.", "success")
            return remember_device(redirect(safe_next(request.args.get("next"))), _account_key())
    return render_template("accounts/sign_in.html", form=form), form_status(form)


def _sign_in(email: str, password: str, remember: bool) -> Member:
    """The password checked (and the time of signing in noted, whatever comes next); signed
    in at once unless the second step is still to come."""
    member = services.authenticate(email, password)
    if not member.totp_secret:
        start_session(member, remember=remember)
    return member


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_SIGNIN_PER_IP"), methods=["POST"])
@_guesses_at_code
def sign_in_code():
    pending = pending_sign_in()
    if pending is None:
        flash("Please sign in again.", "info")
        return redirect(url_for("accounts.sign_in"))
    member, remember, next_page = pending
    known_for = (_key_for(member.email), pending_key())  # start_session clears the pending key
    form = forms.CodeForm()
    if form.validate_on_submit() and save(form, _second_step, member, form.code.data, remember):
        flash(f"Welcome back, {member.display_name}.", "success")
        return remember_device(redirect(safe_next(next_page)), *known_for)
    return render_template("accounts/sign_in_code.html", form=form), form_status(form)


def _second_step(member: Member, code: str, remember: bool) -> None:
    second_factor.verify(member, code)
    start_session(member, remember=remember)


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
@_password_again
def two_step():
    """Set up, turn off, or renew the recovery codes of two-step sign-in; each asks for the
    password again. One page, the form's `action` saying which."""
    member = current_user._get_current_object()
    if member.totp_secret:
        return _two_step_enabled(member)
    form = forms.TwoStepSetupForm()
    secret = session.get("totp_setup") or second_factor.new_secret()
    session["totp_setup"] = secret
    if form.validate_on_submit():
        saved = save(form, _enable_two_step, member, secret, form.code.data, form.password.data)
        if saved:
            return render_template("accounts/recovery_codes.html", codes=saved.value)
    page = render_template(
        "accounts/two_step.html",
        enabled=False,
        form=form,
        secret=secret,
        uri=second_factor.provisioning_uri(member, secret),
    )
    return page, form_status(form)


def _enable_two_step(member: Member, secret: str, code: str, password: str) -> list[str]:
    codes = second_factor.enable(member, secret, code, password)
    start_session(member, remember=False)  # enabling ended every session, this one too
    return codes


def _two_step_enabled(member):
    form = forms.TwoStepChangeForm()
    if form.validate_on_submit():
        saved = save(form, _change_two_step, member, form.action.data, form.password.data)
        if saved and saved.value is not None:
            return render_template("accounts/recovery_codes.html", codes=saved.value)
        if saved:
            flash("Two-step sign-in is off. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.account"))
    left = second_factor.recovery_codes_left(member)
    page = render_template("accounts/two_step.html", enabled=True, left=left, form=form)
    return page, form_status(form)


def _change_two_step(member: Member, action: str, password: str) -> list[str] | None:
    """Turn two-step sign-in off (None), or the new recovery codes."""
    if action == "off":
        second_factor.disable(member, password)
        start_session(member, remember=False)  # turning it off ended every session
        return None
    return second_factor.new_recovery_codes(member, password)


@bp.post("/sign-out")
def sign_out():
    """Sign this browser out; or, from the account page's list, another of the member's
    sign-ins (`session` names it)."""
    other = request.form.get("session", "")
    if (
        current_user.is_authenticated
        and other.isdecimal()
        and int(other) != current_user.session_id
    ):
        ended = save(None, signins.revoke, current_user, int(other)).value
        flash("That session is signed out." if ended else "That session had already ended.", "info")
        return redirect(url_for("accounts.account", _anchor="sessions-heading"))
    save(None, end_session)
    flash("You are signed out.", "info")
    return redirect(url_for("site.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_IP"), methods=["POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
def forgot_password():
    form = forms.EmailOnlyForm()
    if form.validate_on_submit() and save(form, services.request_password_reset, form.email.data):
        return _check_email_page("reset")
    return render_template("accounts/forgot.html", form=form), form_status(form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_IP"), methods=["POST"])
@answers_errors_with(LINK_PROBLEM)
def reset_password(token: str):
    services.member_for_reset(token)  # a link that cannot be used says so (`_link_problem`)
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        saved = save(form, _reset_password, token, form.password.data)
        if saved:
            flash("Your password is changed. Sign in with your new password.", "success")
            # The emailed link proved the address: this browser is the owner's, and signs in
            # past a lockout that strangers' guesses caused.
            return remember_device(redirect(url_for("accounts.sign_in")), saved.value)
    return render_template("accounts/reset.html", form=form), form_status(form)


def _reset_password(token: str, password: str) -> str:
    """The new password, and this browser signed out (it signs in with the new password);
    returns the account's key for the limits, read before the commit expires the member."""
    member = services.reset_password(token, password)
    end_session()
    return _key_for(member.email)


@bp.get("/account")
@login_required
def account():
    return _account_page(forms.ChangePasswordForm(), forms.ChangeEmailForm())


def _account_page(password_form, email_form):
    return render_template(
        "accounts/account.html",
        password_form=password_form,
        email_form=email_form,
        confirm_form=CsrfForm(),
        sessions=signins.active(current_user),
        consent_history=consent_history(current_user.id),
    )


@bp.post("/account/password")
@login_required
@_password_again
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit() and save(
        form,
        _change_password,
        current_user._get_current_object(),
        form.current_password.data,
        form.password.data,
    ):
        flash("Your password is changed. Other devices have been signed out.", "success")
        return redirect(url_for("accounts.account"))
    return _account_page(form, forms.ChangeEmailForm(formdata=None)), form_status(form)


def _change_password(member: Member, current_password: str, new_password: str) -> None:
    services.change_password(member, current_password, new_password)
    start_session(member, remember=False)  # the change ended every session, this one too


@bp.post("/account/email")
@login_required
@_password_again
# Each request sends an email to an address nobody has confirmed: limited per member asking
# and per address receiving, counted before sending, given back when nothing was sent.
@attempts("LIMIT_EMAIL_CHANGE_PER_MEMBER", member_key, refund_when=failed)
@attempts("LIMIT_EMAIL_CHANGE_PER_ADDRESS", _account_key, refund_when=failed)
def change_email():
    form = forms.ChangeEmailForm()
    if form.validate_on_submit() and save(
        form, services.request_email_change, current_user, form.password.data, form.email.data
    ):
        return _check_email_page("change")
    return _account_page(forms.ChangePasswordForm(formdata=None), form), form_status(form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@answers_errors_with(LINK_PROBLEM)
def confirm_email_change(token: str):
    form = CsrfForm()
    if not form.validate_on_submit():
        page = render_template("accounts/confirm_link.html", form=form, action="change")
        return page, form_status(form)
    save(None, _confirm_email_change, token)  # a link that cannot be used: `_link_problem`
    flash("Your email address is changed. Other devices have been signed out.", "success")
    return redirect(
        url_for("accounts.account" if current_user.is_authenticated else "accounts.sign_in")
    )


def _confirm_email_change(token: str) -> None:
    member = services.confirm_email_change(token)
    if current_user.is_authenticated and current_user.id == member.id:
        start_session(member, remember=False)  # the change ended every session, this one too


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    form = CsrfForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.account"))
    save(None, _sign_out_everywhere, current_user._get_current_object())
    flash("You are signed out on every device, this one included.", "info")
    return redirect(url_for("accounts.sign_in"))


def _sign_out_everywhere(member: Member) -> None:
    services.sign_out_everywhere(member)
    end_session()
