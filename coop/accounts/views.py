from urllib.parse import urlsplit

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
from sqlalchemy.exc import IntegrityError

from coop.accounts import forms, second_factor, services
from coop.accounts.sessions import (
    end_session,
    expire_idle_session,
    pending_key,
    pending_sign_in,
    remember_pending_sign_in,
    start_session,
)
from coop.errors import DomainError
from coop.extensions import db, limiter
from coop.limits import member_key
from coop.web import CsrfForm, form_status, show_error

CHECK_EMAIL = "check_email"

bp = Blueprint("accounts", __name__)
bp.before_app_request(expire_idle_session)


def _limit(name: str):
    return lambda: current_app.config[name]


def _account_key() -> str:
    """The account an anonymous form is about, in the same normal form the services use,
    so that other spellings of one address share one limit."""
    raw = request.form.get("email", "")
    if not raw.strip():
        return "address:" + get_remote_address()
    try:
        return "account:" + services.normalise_email(raw)
    except DomainError:
        return "account:" + raw.strip().lower()


def _failed(response) -> bool:
    return response.status_code >= 400


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, whatever the browser makes of it."""
    parts = urlsplit(target or "")
    local = bool(target) and target.startswith("/") and not target.startswith("//")
    if local and not parts.scheme and not parts.netloc and "\\" not in target:
        return target
    return url_for("site.home")


def _check_email_page(kind: str):
    return redirect(url_for("accounts.check_email", kind=kind))


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_JOIN_PER_IP"), methods=["POST"])
@limiter.limit(_limit("LIMIT_JOIN_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
def join():
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = forms.JoinForm(notice_version=current_app.config["PRIVACY_NOTICE_VERSION"])
    if form.validate_on_submit():
        try:
            services.join(
                form.display_name.data,
                form.email.data,
                form.password.data,
                form.notice_version.data,
                form.political_consent.data,
                form.email_updates.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        except IntegrityError:  # the same address joined a moment ago: answer as for any
            db.session.rollback()
            return _check_email_page("join")
        else:
            return _check_email_page("join")
    return render_template("accounts/join.html", form=form), 400 if form.errors else 200


@bp.get("/check-your-email/<kind>")
def check_email(kind: str):
    if kind not in {"join", "reset", "resend", "change"}:
        return redirect(url_for("site.home"))
    return render_template("accounts/check_email.html", kind=kind)


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    form = CsrfForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm_link.html", form=form, action="verify")
    try:
        services.verify_email(token)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _link_problem(error)
    flash("Thank you, your email address is confirmed. You can now take part.", "success")
    return redirect(url_for("site.home" if current_user.is_authenticated else "accounts.sign_in"))


def _link_problem(error: DomainError):
    page = render_template("accounts/link_problem.html", message=error.message)
    return page, error.status


@bp.route("/resend-verification", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_IP"), methods=["POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
def resend_verification():
    email = current_user.email if current_user.is_authenticated else None
    form = forms.EmailOnlyForm(email=email)
    if form.validate_on_submit():
        try:
            services.request_verification_email(form.email.data)
            db.session.commit()
        except DomainError as error:
            show_error(form, error)
        else:
            return _check_email_page("resend")
    return render_template("accounts/resend.html", form=form), 400 if form.errors else 200


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_SIGNIN_PER_IP"), methods=["POST"])
@limiter.limit(
    _limit("LIMIT_SIGNIN_PER_ACCOUNT"), key_func=_account_key, methods=["POST"], deduct_when=_failed
)
def sign_in():
    form = forms.SignInForm()
    if form.validate_on_submit():
        try:
            member = services.authenticate(form.email.data, form.password.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            if member.totp_secret:
                remember_pending_sign_in(member, form.remember.data, request.args.get("next"))
                return redirect(url_for("accounts.sign_in_code"))
            start_session(member, remember=form.remember.data)
            flash(f"Welcome back, {member.display_name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/sign_in.html", form=form), 400 if form.errors else 200


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_SIGNIN_PER_IP"), methods=["POST"])
@limiter.limit(
    _limit("LIMIT_SIGNIN_PER_ACCOUNT"), key_func=pending_key, methods=["POST"], deduct_when=_failed
)
def sign_in_code():
    pending = pending_sign_in()
    if pending is None:
        flash("Please sign in again.", "info")
        return redirect(url_for("accounts.sign_in"))
    member, remember, next_page = pending
    form = forms.CodeForm()
    if form.validate_on_submit():
        try:
            second_factor.verify(member, form.code.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            start_session(member, remember=remember)
            flash(f"Welcome back, {member.display_name}.", "success")
            return redirect(_safe_next(next_page))
    return render_template("accounts/sign_in_code.html", form=form), form_status(form)


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
def two_step():
    member = current_user._get_current_object()
    if member.totp_secret:
        left = second_factor.recovery_codes_left(member)
        return render_template("accounts/two_step.html", enabled=True, left=left)
    form = forms.CodeForm()
    secret = session.get("totp_setup") or second_factor.new_secret()
    session["totp_setup"] = secret
    if form.validate_on_submit():
        try:
            codes = second_factor.enable(member, secret, form.code.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            start_session(member, remember=False)
            return render_template("accounts/recovery_codes.html", codes=codes)
    page = render_template(
        "accounts/two_step.html",
        enabled=False,
        form=form,
        secret=secret,
        uri=second_factor.provisioning_uri(member, secret),
    )
    return page, form_status(form)


@bp.post("/sign-out")
def sign_out():
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("site.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_IP"), methods=["POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
def forgot_password():
    form = forms.EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return _check_email_page("reset")
    return render_template("accounts/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("LIMIT_RESET_PER_IP"), methods=["POST"])
def reset_password(token: str):
    try:
        services.member_for_reset(token)
    except DomainError as error:
        return _link_problem(error)
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            end_session()
            flash("Your password is changed. Sign in with your new password.", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset.html", form=form), 400 if form.errors else 200


@bp.get("/account")
@login_required
def account():
    return render_template(
        "accounts/account.html",
        password_form=forms.ChangePasswordForm(),
        email_form=forms.ChangeEmailForm(),
        confirm_form=CsrfForm(),
    )


@bp.post("/account/password")
@login_required
@limiter.limit(_limit("LIMIT_SIGNIN_PER_ACCOUNT"), key_func=member_key, deduct_when=_failed)
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            start_session(current_user._get_current_object(), remember=False)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.account"))
    page = render_template(
        "accounts/account.html",
        password_form=form,
        email_form=forms.ChangeEmailForm(formdata=None),
        confirm_form=CsrfForm(),
    )
    return page, 400


@bp.post("/account/email")
@login_required
@limiter.limit(_limit("LIMIT_SIGNIN_PER_ACCOUNT"), key_func=member_key, deduct_when=_failed)
def change_email():
    form = forms.ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.password.data, form.email.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            return _check_email_page("change")
    page = render_template(
        "accounts/account.html",
        password_form=forms.ChangePasswordForm(formdata=None),
        email_form=form,
        confirm_form=CsrfForm(),
    )
    return page, 400


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    form = CsrfForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm_link.html", form=form, action="change")
    try:
        member = services.confirm_email_change(token)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _link_problem(error)
    if current_user.is_authenticated and current_user.id == member.id:
        start_session(member, remember=False)
    flash("Your email address is changed. Other devices have been signed out.", "success")
    return redirect(
        url_for("accounts.account" if current_user.is_authenticated else "accounts.sign_in")
    )


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    form = CsrfForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.account"))
    services.sign_out_everywhere(current_user)
    db.session.commit()
    end_session()
    flash("You are signed out on every device, this one included.", "info")
    return redirect(url_for("accounts.sign_in"))
