"""Rate limits: per member against floods, per account against guessing a password, and a
storage that keeps them in memory while Redis does not answer. Every figure is a setting
(config.py).

Against whom they hold, and where they stop:

- **Parallel requests.** Every limit here is counted *before* the request does its work,
  in one atomic increment (Redis INCR), and given back afterwards when the outcome says it
  should not count (`refund_when`): a correct password, a form sent back with an error. So
  14 wrong passwords sent at once against a cap of 10 get 10 answers and 4 refusals
  (tests/privacy/test_parallel_limits.py). Flask-Limiter's `deduct_when` tests before and
  counts after, and lets all 14 through: it is not used for anything a guess can get past.
- **Targeted lockout.** The per-account cap on signing in is shared by every browser that
  has never completed a sign-in to that account; a browser that has carries a signed
  "known device" cookie and gets a bucket of its own, so a stranger's guesses lock out
  only other strangers, never the owner's devices (`unless_known_device`). An owner on a
  new device who is locked out resets the password, which makes that browser known.
- **Redis down.** `FallbackStorage` answers from this process's memory for as long as Redis
  does not, logged once when it goes and once when it is back, so no request fails for it
  (tests/test_limits_without_redis.py). Meanwhile each process counts alone (limits are
  multiplied by the number of workers) and what was counted in memory is forgotten when
  Redis answers again.
- Windows are fixed: a cap of 10 per 15 minutes allows 10 at the end of one window and 10
  at the start of the next. A refund that lands after its window ended gives the next
  window one attempt more (a request lasts a fraction of a second, a window minutes).
"""

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, make_response, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.util import parse_many
from werkzeug.exceptions import HTTPException, TooManyRequests

from coop.errors import DomainError
from coop.extensions import limiter
from coop.uktime import utcnow

log = logging.getLogger(__name__)

NEWCOMER_FOR = timedelta(days=1)

Limits = str | Callable[[], str]  # the name of a setting, or a function giving the limits


def member_key() -> str:
    """The signed-in member; limits are checked before login_required, so visitors fall
    back to their address."""
    if not current_user.is_authenticated:
        return "address:" + get_remote_address()
    return f"member:{current_user.get_id().partition(':')[0]}"


def succeeded(response: Response) -> bool:
    return response.status_code < 400


def failed(response: Response) -> bool:
    return response.status_code >= 400


def never(_response: Response) -> bool:
    return False


class TooManyAttempts(TooManyRequests):
    """A 429, answered by coop/errors.py like Flask-Limiter's own (`limit` gives it the
    Retry-After)."""

    def __init__(self, limit: RequestLimit):
        super().__init__()
        self.limit = limit


def attempts(
    limits: Limits,
    key: Callable[[], str],
    refund_when: Callable[[Response], bool] = never,
    scope: str | None = None,
):
    """Decorator: count each POST against `limits` before the view runs, refused with a 429
    past them; give the attempt back when `refund_when(response)`. `scope` shares one count
    between views (every form that asks for the password again); by default each view has
    its own. Stacked, a refusal by an inner limit gives back what the outer ones counted.

    Password checks: `refund_when=succeeded` (only wrong guesses count, yet all are
    counted before the password is checked). Actions: `refund_when=failed` (what was done
    counts, a form sent back does not)."""

    def decorate(view):
        name = scope or f"{view.__module__}.{view.__name__}"

        @wraps(view)
        def counted(*args, **kwargs):
            if request.method != "POST" or not limiter.enabled:
                return view(*args, **kwargs)
            spent = _spend(_resolve(limits), key(), name)
            try:
                response = make_response(view(*args, **kwargs))
            except TooManyRequests:
                _refund(spent)
                raise
            except (DomainError, HTTPException) as error:
                # Answered by the error page (coop/web.py's save): judged by its status alike.
                status = getattr(error, "status", None) or getattr(error, "code", None) or 500
                if refund_when(Response(status=status)):
                    _refund(spent)
                raise
            if refund_when(response):
                _refund(spent)
            return response

        return counted

    return decorate


def _resolve(limits: Limits) -> str:
    return limits() if callable(limits) else current_app.config[limits]


def _spend(limit_string: str, key: str, scope: str) -> list[RequestLimit]:
    """Count one attempt against every limit of the string, each in one atomic step; past
    any of them, nothing stays counted and a TooManyAttempts is raised."""
    strategy = limiter.limiter
    identifiers = [current_app.config["RATELIMIT_KEY_PREFIX"], key, scope]
    spent, refused = [], None
    for item in sorted(parse_many(limit_string)):
        spent.append(RequestLimit(limiter, item, identifiers, False, False))
        if not strategy.hit(item, *identifiers):
            refused = RequestLimit(limiter, item, identifiers, True, False)
            break
    if refused is not None:
        _refund(spent)
        log.info("limit %s reached for %s at %s", refused.limit, key.partition(":")[0], scope)
        raise TooManyAttempts(refused)
    return spent


def _refund(spent: list[RequestLimit]) -> None:
    for counted in spent:
        item: RateLimitItem = counted.limit
        limiter.storage.incr(counted.key, item.get_expiry(), amount=-1)


def _is_newcomer() -> bool:
    joined = getattr(current_user, "created_at", None)
    return joined is not None and utcnow() - joined < NEWCOMER_FOR


def _with_newcomer(name: str, newcomer_name: str | None) -> Callable[[], str]:
    def value() -> str:
        limits = current_app.config[name]
        if newcomer_name and _is_newcomer():
            limits = f"{limits};{current_app.config[newcomer_name]}"
        return limits

    return value


def per_member(name: str, newcomer_name: str | None = None, every_attempt: bool = False):
    """Decorator: limit POSTs of a signed-in member's action (a 429 page with Retry-After).
    Only what was actually posted counts (a form sent back with an error is given back);
    `every_attempt` keeps every POST counted, for quick actions (a support, a vote) where a
    refused attempt counting against the limit is no loss."""
    return attempts(
        _with_newcomer(name, newcomer_name),
        key=member_key,
        refund_when=never if every_attempt else failed,
    )


# Known devices: a browser that completed a sign-in to an account has its own bucket of that
# account's sign-in limit. The cookie holds a random id for the browser and, for each account
# (at most KNOWN_ACCOUNTS, the latest), a keyed hash of its limit key: never the address.

KNOWN_ACCOUNTS = 5
DEVICE_SALT = "coop-known-device"


def unless_known_device(key: Callable[[], str]) -> Callable[[], str]:
    """The key of a per-account limit: shared by every browser that has never signed in to
    the account, one of its own for a browser that has (`remember_device`)."""

    def device_or_account() -> str:
        subject = key()
        device, known = _read_device_cookie()
        return f"{subject}/device:{device}" if _digest(subject) in known else subject

    return device_or_account


def remember_device(response: Response, *subjects: str) -> Response:
    """After a complete sign-in (the password, and the code when two-step is on) or a
    password reset: this browser is known for these limit keys from now on."""
    device, known = _read_device_cookie()
    digests = [_digest(subject) for subject in subjects]
    known = (digests + [d for d in known if d not in digests])[:KNOWN_ACCOUNTS]
    value = _device_serializer().dumps({"d": device or secrets.token_urlsafe(12), "a": known})
    config = current_app.config
    response.set_cookie(
        config["KNOWN_DEVICE_COOKIE_NAME"],
        value,
        max_age=int(config["KNOWN_DEVICE_DURATION"].total_seconds()),
        secure=config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response


def _read_device_cookie() -> tuple[str | None, list[str]]:
    raw = request.cookies.get(current_app.config["KNOWN_DEVICE_COOKIE_NAME"])
    if not raw:
        return None, []
    max_age = current_app.config["KNOWN_DEVICE_DURATION"].total_seconds()
    try:
        value = _device_serializer().loads(raw, max_age=max_age)
    except BadSignature:
        return None, []
    if not isinstance(value, dict) or not isinstance(value.get("d"), str):
        return None, []
    known = value.get("a")
    return value["d"], [d for d in known if isinstance(d, str)] if isinstance(known, list) else []


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=DEVICE_SALT)


def _digest(subject: str) -> str:
    secret = f"{DEVICE_SALT}:{current_app.secret_key}".encode()
    return hmac.new(secret, subject.encode(), hashlib.sha256).hexdigest()[:24]


# Redis down: limits kept in memory.

FALLBACK = "fallback+"


def keep_limits_when_redis_is_down(app: Flask) -> None:
    """Before the limiter reads its storage: Redis storages answer from memory while Redis
    does not (FallbackStorage). Others (memory://) need nothing."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if urlsplit(uri).scheme in FallbackStorage.WRAPS:
        app.config["RATELIMIT_STORAGE_URI"] = FALLBACK + uri


class FallbackStorage(Storage):
    """Redis, or this process's memory while Redis does not answer: never an error.

    After a failure, Redis is tried again by one request every `RATELIMIT_RETRY_SECONDS`
    (its client's timeouts, RATELIMIT_STORAGE_OPTIONS, bound what that one request waits);
    the others meanwhile go straight to memory. Counters only (the fixed-window strategy,
    Flask-Limiter's default)."""

    WRAPS = ("redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")
    STORAGE_SCHEME = [FALLBACK + scheme for scheme in WRAPS]

    def __init__(self, uri: str, retry_seconds: float = 5, **options) -> None:
        super().__init__(uri)
        self.redis = storage_from_string(uri.removeprefix(FALLBACK), **options)
        self.memory = MemoryStorage()
        self.retry_seconds = float(retry_seconds)
        self._down_since: float | None = None
        self._next_try = 0.0
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return ()  # nothing escapes: every error of Redis is answered from memory

    def _call(self, method: str, *args, **kwargs):
        if self._should_try_redis():
            try:
                result = getattr(self.redis, method)(*args, **kwargs)
            except self.redis.base_exceptions as error:
                self._went_down(error)
            else:
                self._is_up()
                return result
        return getattr(self.memory, method)(*args, **kwargs)

    def _should_try_redis(self) -> bool:
        if self._down_since is None:
            return True
        with self._lock:  # one request at a time finds out whether it is back
            if time.monotonic() < self._next_try:
                return False
            self._next_try = time.monotonic() + self.retry_seconds
            return True

    def _went_down(self, error: Exception) -> None:
        with self._lock:
            self._next_try = time.monotonic() + self.retry_seconds
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
        log.warning(
            "Rate-limit storage unreachable (%s): limits are kept in this process's memory "
            "until it answers again",
            type(error).__name__,
        )

    def _is_up(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            seconds, self._down_since = time.monotonic() - self._down_since, None
        log.warning("Rate-limit storage answers again after %.0f s: limits back in it", seconds)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._call("incr", key, expiry, amount=amount)

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def check(self) -> bool:
        return True  # usable either way

    def reset(self) -> int | None:
        self.memory.reset()
        return self._call("reset")

    def clear(self, key: str) -> None:
        self.memory.clear(key)
        self._call("clear", key)
