"""Per-member rate limits against floods. Newcomers (joined in the last day) post more
slowly than established members. Every figure is a setting (config.py)."""

from datetime import timedelta

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from coop.extensions import limiter, utcnow

NEWCOMER_FOR = timedelta(days=1)


def member_key() -> str:
    """The signed-in member; limits are checked before login_required, so visitors fall
    back to their address."""
    if not current_user.is_authenticated:
        return "address:" + get_remote_address()
    return f"member:{current_user.get_id().partition(':')[0]}"


def _is_newcomer() -> bool:
    joined = getattr(current_user, "created_at", None)
    return joined is not None and utcnow() - joined < NEWCOMER_FOR


def _limits(name: str, newcomer_name: str | None):
    def value() -> str:
        limits = current_app.config[name]
        if newcomer_name and _is_newcomer():
            limits = f"{limits};{current_app.config[newcomer_name]}"
        return limits

    return value


def per_member(name: str, newcomer_name: str | None = None, every_attempt: bool = False):
    """Decorator: limit POSTs of a signed-in member's action (a 429 page with Retry-After).
    Only what was actually posted counts (a form sent back with an error does not), which
    takes two Redis round trips, a check before and a count after; `every_attempt` counts
    each POST as it comes, in one, for quick actions (a support, a vote) where a refused
    attempt counting against the limit is no loss."""
    return limiter.limit(
        _limits(name, newcomer_name),
        key_func=member_key,
        methods=["POST"],
        deduct_when=None if every_attempt else _done,
    )


def _done(response) -> bool:
    return response.status_code < 400
