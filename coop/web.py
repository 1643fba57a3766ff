"""Small helpers shared by the views of every feature."""

from flask import abort, request
from flask_wtf import FlaskForm

from coop.errors import DomainError


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error beside its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def form_status(form: FlaskForm) -> int:
    return 400 if form.errors else 200


def page_number() -> int:
    page = request.args.get("page", "1")
    if not page.isdecimal() or not 1 <= int(page) <= 10_000:
        abort(400)
    return int(page)


class CsrfForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""
