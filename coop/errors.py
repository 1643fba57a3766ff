"""Domain errors raised by services, and the HTTP error pages (HTML or JSON)."""

import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from coop.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    status = 400


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Unavailable(DomainError):
    """A service we depend on (a payment provider) did not answer: nothing was done."""

    status = 503


TITLES = {
    400: "That request could not be understood",
    403: "You cannot do that",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "That conflicts with something that already happened",
    413: "That was too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Not available just now",
}

MESSAGES = {
    400: "Please go back, check what you entered and try again.",
    403: "Your account does not have permission for this.",
    404: "We could not find that page. It may have moved or never existed.",
    405: "This address does not accept that kind of request.",
    413: "What you sent is larger than we accept. Please send something smaller.",
    429: "You have tried this too many times. Please wait a little and try again.",
    500: "The error has been logged. Please try again in a few minutes.",
}

CSRF_MESSAGE = (
    "The form was sent without its security token or the token has expired. "
    "Go back, reload the page and try again."
)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, message: str | None = None, headers: dict | None = None):
    title = TITLES.get(status, "Error")
    message = message or MESSAGES.get(status, "")
    if wants_json():
        response = jsonify(error={"code": status, "title": title, "message": message})
    else:
        response = render_template("errors/error.html", status=status, title=title, message=message)
    return response, status, headers or {}


def answers_errors_with(template: str):
    """Mark a view whose domain errors answer its own page rather than the error page: an
    emailed link that cannot be used (expired, forged, used already) says so and how to
    ask for another. `template` is rendered with `error` (the message), with the error's
    status. Put it next to the view function, below the decorators that wrap it."""

    def mark(view):
        view.error_template = template
        return view

    return mark


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return error_response(400, CSRF_MESSAGE)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        view = current_app.view_functions.get(request.endpoint or "")
        template = getattr(view, "error_template", None)
        if template is not None:  # answers_errors_with
            return render_template(template, error=error.message), error.status
        return error_response(error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError):
            return server_error(error)
        headers = {}
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 429:
            headers["Retry-After"] = str(_retry_after(error))
        return error_response(error.code or 500, None, headers)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        db.session.rollback()
        original = getattr(error, "original_exception", None) or error
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
        return error_response(500)


def _retry_after(error: HTTPException) -> int:
    limit = getattr(error, "limit", None)
    if limit is None:
        return 60
    return max(1, int(limit.limit.get_expiry()))
