"""Small helpers shared by the views of every feature."""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote, urlsplit

from flask import abort, current_app, request, url_for
from flask_wtf import FlaskForm
from werkzeug.routing import MapAdapter

from coop.errors import DomainError
from coop.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What `save` did: true when the work is committed, with what the service returned."""

    ok: bool
    value: T | None = None

    def __bool__(self) -> bool:
        return self.ok


def save(form: FlaskForm | None, service: Callable[..., T], *args, **kwargs) -> Saved[T]:
    """The one unit of work of a view that changes something: run the service, commit.

    On a domain error, roll back, then: an error about one of the form's fields goes beside
    it, an error about the input as a whole (400) or a service we depend on being down (503)
    at the top of the form, and the page is sent back with the error's status
    (`form_status`), what was entered kept; any other error (403, 404, 409 with
    no field, or any error of a view with no form) answers the error page with its status
    (coop/errors.py). Anything else (a database error) rolls back and propagates. Work that
    waits for the commit (emails, tasks, cache generations) is sent by the commit itself
    (coop/celery_app.py, coop/cache.py)."""
    try:
        value = service(*args, **kwargs)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if form is None or not _beside_form(form, error):
            raise
        return Saved(False)
    except BaseException:
        db.session.rollback()
        raise
    return Saved(True, value)


def _beside_form(form: FlaskForm, error: DomainError) -> bool:
    field = getattr(form, error.field, None) if error.field else None
    if field is None and error.status not in (400, 503):
        return False
    show_error(form, error)
    form.error_status = error.status
    return True


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error beside its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def form_status(form: FlaskForm) -> int:
    """The status of a form page: 200, 400 when it has errors, or the status of the error
    that `save` put on it."""
    if not form.errors:
        return 200
    return getattr(form, "error_status", 400)


MAX_NEXT_LENGTH = 2000


def safe_next(target: str | None) -> str:
    """Where to go after a form that took a `next`: a path on this site, or the home page.

    The one check for every `next` (sign-in, the two-step code, the privacy notice). Browsers
    drop tabs and newlines from a URL and read a backslash as a slash, so "/\t/evil.example"
    and "/\\evil.example" are "//evil.example", another host: refuse any control or
    invisible character and any backslash, in the value and in its percent-decoded form (a
    proxy or a second redirect may decode it once more), and anything but a path."""
    if not isinstance(target, str) or not target or len(target) > MAX_NEXT_LENGTH:
        return url_for("site.home")
    for form in (target, unquote(target)):
        if not _is_plain_path(form):
            return url_for("site.home")
    return target


def _is_plain_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(unicodedata.category(char)[0] in "CZ" and char != " " for char in target):
        return False  # controls, format characters (bidi, zero-width), separators but space
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def page_number() -> int:
    page = request.args.get("page", "1")
    if not page.isdecimal() or not 1 <= int(page) <= 10_000:
        abort(400)
    return int(page)


def url_adapter() -> MapAdapter:
    """The URL map bound to BASE_URL, once per app: binding costs more than building a link,
    and a digest batch or an API page builds thousands."""
    base_url = current_app.config["BASE_URL"]
    cached = current_app.extensions.get("coop.url_adapter")
    if cached is None or cached[0] != base_url:
        base = urlsplit(base_url)
        adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path or "/", url_scheme=base.scheme
        )
        cached = current_app.extensions["coop.url_adapter"] = (base_url, adapter)
    return cached[1]


def absolute_url(endpoint: str, **values) -> str:
    """A link for an email, built on BASE_URL, never on the request's Host header; works in
    a request, a Celery task or a command alike."""
    return url_adapter().build(endpoint, values, force_external=True)


def site_path(endpoint: str, **values) -> str:
    """A path on this site, with or without a request (for stored links)."""
    return url_adapter().build(endpoint, values)


def url_pattern(endpoint: str, id_name: str, **values) -> str:
    """The URL of `endpoint` with "{}" in place of its `id_name`, to fill with str.format:
    a link repeated on every item of a long page is built once rather than per item."""
    return url_for(endpoint, **values, **{id_name: _PLACEHOLDER}).replace(str(_PLACEHOLDER), "{}")


_PLACEHOLDER = 987_654_321


class CsrfForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


def members_form(form_class: type[FlaskForm]) -> FlaskForm:
    """A form for a page that shows it to signed-in members only. A visitor's is made
    without a CSRF token: making one would give them a session cookie, and a reader with
    a session is never served the kept pages again (coop/pagecache.py)."""
    from flask_login import current_user

    if current_user.is_authenticated:
        return form_class()
    return form_class(meta={"csrf": False})


def template_globals() -> dict:
    """Values every page needs: the member's unread notifications."""
    from flask_login import current_user

    signed_in = getattr(current_user, "is_authenticated", False)  # no user in tasks
    return {"unread_notifications": current_user.unread_notifications if signed_in else 0}
