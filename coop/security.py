"""Password hashing (Argon2id), signed tokens, security headers, and tokens kept out of the
access log."""

import logging
import re
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from coop.errors import Invalid

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 resists an offline attack on a slow hash

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def policy_with_form_action(*origins: str) -> str:
    """The policy, letting this page's form also lead to `origins`: browsers apply
    form-action to the redirects after a form is sent (CSP Level 3), so a form whose answer
    redirects to a payment provider's hosted page must name its origin."""
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", " ".join(["form-action 'self'", *origins])
    )


def password_hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"], config["ARGON2_PARALLELISM"]
    )


@cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return password_hasher().check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, *personal: str) -> None:
    """Raise Invalid (on the "password" field) unless the password is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(f"Use at most {MAX_PASSWORD_LENGTH} characters.", field="password")
    lowered = password.lower()
    if lowered in _common_passwords():
        raise Invalid(
            "That password is too common and easy to guess. Try a few unrelated words.",
            field="password",
        )
    if any(len(value) >= 4 and value.lower() in lowered for value in personal):
        raise Invalid("Do not use your name or email address in the password.", field="password")
    estimate = zxcvbn(password[:100], user_inputs=[value for value in personal if value])
    if estimate["score"] < MIN_PASSWORD_SCORE:
        hint = estimate["feedback"]["warning"] or "It follows a pattern that is easy to guess."
        raise Invalid(
            f"That password is too easy to guess. {hint} Try a few unrelated words.",
            field="password",
        )


def token_serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"coop.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return token_serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age_seconds: int) -> dict:
    """Return the payload of a token made for this purpose, or raise Invalid."""
    try:
        payload = token_serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as error:
        raise Invalid("This link has expired. Ask for a new one.") from error
    except BadSignature as error:
        raise Invalid("This link is not valid. Check you copied all of it.") from error
    if not isinstance(payload, dict):
        raise Invalid("This link is not valid. Check you copied all of it.")
    return payload


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.cookies or "Set-Cookie" in headers:
        headers.setdefault("Cache-Control", "private, no-store")
        headers.add("Vary", "Cookie")
    return response


# A link's token is a key to an account for as long as it is valid: an access log must not
# keep it. Every route with a <token> in its path is redacted (a ?token= too), whatever the
# route; a token the member should not have to carry in a URL at all goes in a POST (the
# data export's download).
TOKEN_ARGUMENT = "token"  # noqa: S105 - the name of a URL's variable, not a secret
REDACTED = "[token]"
# As a query parameter, also inside another (sign-in's ?next=), where "=" is "%3D".
TOKEN_IN_QUERY = re.compile(r"(?:(?<=[?&]token=)|(?<=token%3D))[^&\s\"]+", re.IGNORECASE)


class TokenRedaction(logging.Filter):
    """Rewrites a log record's message and arguments with each token replaced by
    REDACTED, for the routes added by `redact_tokens_in_access_log`."""

    def __init__(self) -> None:
        super().__init__()
        self.patterns: set[re.Pattern] = set()

    def add_route(self, rule: str) -> None:
        parts = []
        for part in re.split(r"(<[^>]+>)", rule):
            if not part.startswith("<"):
                parts.append(re.escape(part))
            elif part.rstrip(">").rpartition(":")[2].lstrip("<") == TOKEN_ARGUMENT:
                parts.append(r"(?P<token>[^/?#\s\"]+)")
            else:
                parts.append(r"[^/?#\s\"]+")
        self.patterns.add(re.compile("".join(parts)))

    def redact(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub(_without_token, text)
        return TOKEN_IN_QUERY.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def _without_token(match: re.Match) -> str:
    start, end = match.span("token")
    whole = match.group(0)
    return whole[: start - match.start()] + REDACTED + whole[end - match.start() :]


_redaction = TokenRedaction()


def token_redaction() -> TokenRedaction:
    """The filter, for a log handler that sees every logger's records (coop/ops/logs.py);
    it learns the app's token routes from `redact_tokens_in_access_log`."""
    return _redaction


def redact_tokens_in_access_log(app: Flask) -> None:
    """The development server logs each request's path on the "werkzeug" logger: redact
    the token of every route that has one. (gunicorn, as run in production, keeps no access
    log; a proxy in front must not log paths, or must be told these routes: see README.)"""
    for rule in app.url_map.iter_rules():
        if TOKEN_ARGUMENT in rule.arguments:
            _redaction.add_route(rule.rule)
    logging.getLogger("werkzeug").addFilter(_redaction)
