"""Configuration classes, read from the environment.

`create_app()` picks one by the COOP_CONFIG variable (development, test, production).
The development defaults need nothing installed: SQLite, a filesystem Celery broker,
in-memory rate limits and emails written to instance/outbox/.
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
# A checkout keeps its instance/ beside this file; an installed wheel has this file in
# site-packages, so there the default is the working directory's (set COOP_INSTANCE_DIR).
CHECKOUT = (BASE_DIR / "pyproject.toml").exists()
INSTANCE_DIR = Path(
    os.environ.get("COOP_INSTANCE_DIR") or (BASE_DIR if CHECKOUT else Path.cwd()) / "instance"
)
INSECURE_SECRET = "dev-only-insecure-secret-key"  # noqa: S105 - refused in production


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def celery_settings(broker_url: str, **extra: object) -> dict:
    settings = {
        "broker_url": broker_url,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "timezone": "Europe/London",
        "broker_connection_retry_on_startup": True,
        # A request hands its emails over after the commit: never hang it on a broker outage.
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2},
    }
    settings.update(extra)
    return settings


def filesystem_broker(folder: Path) -> dict:
    """A broker in a folder: Celery without any server, for the embedded default."""
    return celery_settings(
        "filesystem://",
        broker_transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),  # not ./control in the checkout
            "store_processed": False,
        },
        worker_enable_remote_control=False,
    )


class Config:
    SECRET_KEY = env("SECRET_KEY", INSECURE_SECRET)
    SITE_NAME = env("SITE_NAME", "The Independents")
    # Links in emails are built on BASE_URL, never on the Host header of a request.
    BASE_URL = env("BASE_URL", f"http://127.0.0.1:{env('PORT', '5000')}")
    PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "http")
    INSTANCE_DIR = INSTANCE_DIR

    SQLALCHEMY_DATABASE_URI = database_url(
        env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'coop.sqlite'}")
    )
    # A pooled connection idle this long is checked before use (coop/db/connections.py);
    # one in steady use is not, which saves a round trip on every request.
    DB_IDLE_PING_SECONDS = env_int("DB_IDLE_PING_SECONDS", 10)
    REDIS_URL = env("REDIS_URL")

    # Sessions end with the browser or after this long idle; "remember me" lasts longer.
    IDLE_TIMEOUT = timedelta(minutes=env_int("IDLE_TIMEOUT_MINUTES", 60))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=env_int("REMEMBER_DAYS", 30))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Argon2id: argon2-cffi's RFC 9106 low-memory profile (64 MiB, 3 passes, 4 lanes).
    ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_KIB = env_int("ARGON2_MEMORY_KIB", 65536)
    ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 4)

    VERIFY_TOKEN_HOURS = 48
    RESET_TOKEN_MINUTES = 60
    PRIVACY_NOTICE_VERSION = "2026-12-07.2"

    # The society's registered rules (Co-operative and Community Benefit Societies Act 2014,
    # s.14: the rules set admission, shares and withdrawal), as settings: docs/membership.md.
    COOP_SOCIETY_NAME = env("COOP_SOCIETY_NAME", "The Independents Co-operative Limited")
    COOP_RULES_VERSION = env("COOP_RULES_VERSION", "draft 2026-12")
    COOP_RULES_URL = env("COOP_RULES_URL", "/static/rules.txt")
    COOP_SHARE_PENCE = env_int("COOP_SHARE_PENCE", 100)  # one £1 share
    COOP_SHARES_MIN = env_int("COOP_SHARES_MIN", 1)
    COOP_SHARES_MAX = env_int("COOP_SHARES_MAX", 1)  # s.24 caps withdrawable shares at £100,000
    COOP_ELIGIBILITY = env(
        "COOP_ELIGIBILITY",
        "I am 16 or over, I live in the United Kingdom, and I support the co-operative's objects.",
    )
    # Cessation for non-payment only where the rules provide for it (1) or not (0).
    COOP_NON_PAYMENT_CEASES = env_int("COOP_NON_PAYMENT_CEASES", 0)
    # The Act sets no period for keeping former members' entries: the society's retention
    # policy does (UK GDPR Art. 5(1)(e)); see docs/membership.md for the reasoning.
    COOP_REGISTER_KEEP_YEARS = env_int("COOP_REGISTER_KEEP_YEARS", 6)
    COOP_REFUSED_KEEP_DAYS = env_int("COOP_REFUSED_KEEP_DAYS", 365)  # refused, withdrawn
    COOP_INSPECTION_DAYS = env_int("COOP_INSPECTION_DAYS", 14)  # s.103 inspection, once opened
    # General meetings (docs/meetings.md). The Act leaves notice to the rules (Sch 1 para 5):
    # clear days, excluding the day notice is deemed given and the day of the meeting.
    COOP_GM_NOTICE_CLEAR_DAYS_ANNUAL = env_int("COOP_GM_NOTICE_CLEAR_DAYS_ANNUAL", 14)
    COOP_GM_NOTICE_CLEAR_DAYS_SPECIAL = env_int("COOP_GM_NOTICE_CLEAR_DAYS_SPECIAL", 14)
    # Days after it is sent that an emailed notice counts as received, as the rules say
    # (often 48 hours: set 2).
    COOP_GM_NOTICE_DEEMED_DELIVERY_DAYS = env_int("COOP_GM_NOTICE_DEEMED_DELIVERY_DAYS", 0)
    # Fractions, never floats: an ordinary resolution needs more than this share of the votes
    # cast, a special resolution at least this share (the rules say 2/3 or 3/4).
    COOP_ORDINARY_RESOLUTION_MAJORITY = env("COOP_ORDINARY_RESOLUTION_MAJORITY", "1/2")
    COOP_SPECIAL_RESOLUTION_MAJORITY = env("COOP_SPECIAL_RESOLUTION_MAJORITY", "2/3")
    # Meetings' PDFs: outside static/ and the database; unset, <instance>/meeting-documents.
    COOP_MEETING_DOCUMENTS_DIR = env("COOP_MEETING_DOCUMENTS_DIR")
    COOP_MEETING_DOCUMENT_MAX_BYTES = env_int("COOP_MEETING_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
    # Board elections (docs/elections.md), as the society's rules say: seconders a nomination
    # needs (the default for a new election), the word limit of a candidate's statement,
    # the voting methods the rules allow ("stv", or "stv,fptp"), and the most consecutive
    # terms a board member may serve (0: no limit), which candidates declare they respect.
    COOP_ELECTION_SECONDERS = env_int("COOP_ELECTION_SECONDERS", 1)
    COOP_ELECTION_STATEMENT_WORDS = env_int("COOP_ELECTION_STATEMENT_WORDS", 250)
    COOP_ELECTION_METHODS = env("COOP_ELECTION_METHODS", "stv")
    COOP_BOARD_MAX_CONSECUTIVE_TERMS = env_int("COOP_BOARD_MAX_CONSECUTIVE_TERMS", 0)
    # The usual length of a board election's vote, offered when the secretary sets it up.
    COOP_ELECTION_VOTING_DAYS = env_int("COOP_ELECTION_VOTING_DAYS", 14)
    # Voting at general meetings (docs/meetings.md, "Voting on resolutions"). The Act leaves
    # quorum and proxies to the rules (Sch 1 para 5). Quorum: this percentage of current
    # members (rounded up) or this number, whichever is fewer.
    COOP_GM_QUORUM_PERCENT = env_int("COOP_GM_QUORUM_PERCENT", 10)
    COOP_GM_QUORUM_MEMBERS = env_int("COOP_GM_QUORUM_MEMBERS", 20)
    # Members check in from this many minutes before the start until voting closes.
    COOP_GM_CHECK_IN_OPENS_MINUTES = env_int("COOP_GM_CHECK_IN_OPENS_MINUTES", 60)
    # The safety task closes and counts what the chair did not, this long after the start.
    COOP_GM_VOTING_CLOSES_AFTER_HOURS = env_int("COOP_GM_VOTING_CLOSES_AFTER_HOURS", 6)
    # Proxies only if the rules allow them ("1"); whether proxies count towards the quorum;
    # the deadline for appointing or revoking one, in hours before the start; the most one
    # member may hold (0: no limit).
    # (On or off: 1/0, true/false, yes/no, on/off; anything else is an error naming it.)
    COOP_GM_PROXIES = env("COOP_GM_PROXIES", "0")
    COOP_GM_PROXIES_COUNT_FOR_QUORUM = env("COOP_GM_PROXIES_COUNT_FOR_QUORUM", "1")
    COOP_GM_PROXY_DEADLINE_HOURS = env_int("COOP_GM_PROXY_DEADLINE_HOURS", 48)
    COOP_GM_PROXY_MAX_PER_HOLDER = env_int("COOP_GM_PROXY_MAX_PER_HOLDER", 5)

    # Card gifts through Stripe Checkout (docs/donations.md). Without a secret key the
    # donate page says online giving is not set up. STRIPE_API_BASE is for a local stand-in
    # that speaks Stripe's API (the tests'); production leaves it unset.
    STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = env("STRIPE_API_BASE")
    STRIPE_CHECKOUT_ORIGIN = env("STRIPE_CHECKOUT_ORIGIN", "https://checkout.stripe.com")
    STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 10)
    DONATION_SUGGESTED_PENCE = tuple(
        int(amount) for amount in env("DONATION_SUGGESTED_PENCE", "500,1000,2500,5000").split(",")
    )
    DONATION_MIN_PENCE = env_int("DONATION_MIN_PENCE", 100)  # Stripe's minimum is 30p
    DONATION_MAX_PENCE = env_int("DONATION_MAX_PENCE", 1_000_000)  # £10,000 online, a gift
    DONATION_UNPAID_KEEP_DAYS = env_int("DONATION_UNPAID_KEEP_DAYS", 7)  # checkouts never paid
    # Gifts are kept this many years after the end of the year received (docs/donations.md).
    DONATION_KEEP_YEARS = env_int("DONATION_KEEP_YEARS", 6)

    # Rate limits (Flask-Limiter notation); storage in Redis when REDIS_URL is set.
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", REDIS_URL or "memory://")
    # Flask-Limiter's X-RateLimit-* headers cost two more Redis reads on every limited
    # request; only API clients use them, and coop/api/http.py adds them there. A 429 gets
    # its Retry-After from coop/errors.py.
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_KEY_PREFIX = "coop-limits"
    # Said outright: Flask-Limiter's one `limiter` takes an app's missing setting from the
    # last app it was set up for, so an app built with limits off would switch them off for
    # every app built after it in the same process (tests build many).
    RATELIMIT_ENABLED = True
    # Redis down: the limits are kept in each process's memory (coop/limits.py), and Redis is
    # tried again every retry_seconds; a Redis that hangs is given up on after the timeouts.
    RATELIMIT_STORAGE_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
        "retry_seconds": env_int("RATELIMIT_RETRY_SECONDS", 5),
    }
    LIMIT_SIGNIN_PER_IP = env("LIMIT_SIGNIN_PER_IP", "30 per minute;200 per hour")
    # Per account, shared by the browsers that never signed in to it; each browser that did
    # has a bucket of its own (a "known device" cookie), so strangers cannot lock out the owner.
    LIMIT_SIGNIN_PER_ACCOUNT = env("LIMIT_SIGNIN_PER_ACCOUNT", "10 per 15 minutes")
    KNOWN_DEVICE_COOKIE_NAME = "known_device"
    KNOWN_DEVICE_DURATION = timedelta(days=env_int("KNOWN_DEVICE_DAYS", 365))
    # Emails to an address not yet confirmed: per member asking, and per address receiving.
    LIMIT_EMAIL_CHANGE_PER_MEMBER = env("LIMIT_EMAIL_CHANGE_PER_MEMBER", "3 per hour;10 per day")
    LIMIT_EMAIL_CHANGE_PER_ADDRESS = env("LIMIT_EMAIL_CHANGE_PER_ADDRESS", "3 per day")
    LIMIT_EXPORT_REQUESTS = env("LIMIT_EXPORT_REQUESTS", "5 per hour;10 per day")
    LIMIT_JOIN_PER_IP = env("LIMIT_JOIN_PER_IP", "5 per hour")
    # Also caps the "someone tried to join with your address" emails one address can receive.
    LIMIT_JOIN_PER_ACCOUNT = env("LIMIT_JOIN_PER_ACCOUNT", "5 per hour")
    LIMIT_RESET_PER_IP = env("LIMIT_RESET_PER_IP", "10 per minute;60 per hour")
    LIMIT_RESET_PER_ACCOUNT = env("LIMIT_RESET_PER_ACCOUNT", "5 per hour")
    # Proxies in front of the app that set X-Forwarded-For; production refuses to start
    # unless it is set, 0 included (coop/__init__.py).
    PROXY_FIX_X_FOR = env_int("PROXY_FIX_X_FOR", 0)
    # Per member, against floods; newcomers (joined in the last day) get the extra limit too.
    LIMIT_IDEAS = env("LIMIT_IDEAS", "5 per day")
    LIMIT_IDEAS_NEWCOMER = env("LIMIT_IDEAS_NEWCOMER", "3 per day")
    LIMIT_COMMENTS = env("LIMIT_COMMENTS", "5 per minute;100 per day")
    LIMIT_COMMENTS_NEWCOMER = env("LIMIT_COMMENTS_NEWCOMER", "1 per 30 seconds")
    LIMIT_REPORTS = env("LIMIT_REPORTS", "20 per day")
    LIMIT_REACTIONS = env("LIMIT_REACTIONS", "30 per minute")
    LIMIT_UNSUBSCRIBE = env("LIMIT_UNSUBSCRIBE", "30 per minute")
    LIMIT_DONATE_PER_IP = env("LIMIT_DONATE_PER_IP", "10 per hour;30 per day")  # card testers
    # General meetings, per member, every try counted: checking in, appointing or revoking a
    # proxy (a refused membership number is a guess at the register), the door's check-ins.
    LIMIT_MEETING_CHECK_IN = env("LIMIT_MEETING_CHECK_IN", "10 per minute;60 per day")
    LIMIT_MEETING_PROXIES = env("LIMIT_MEETING_PROXIES", "10 per hour;30 per day")
    LIMIT_MEETING_DOOR = env("LIMIT_MEETING_DOOR", "120 per minute;2000 per day")
    LIMIT_API = env("LIMIT_API", "120 per minute")  # per address, the whole public API
    # A large vote's record runs to tens of megabytes: downloads per address.
    LIMIT_BALLOT_RECORDS = env("LIMIT_BALLOT_RECORDS", "10 per minute;100 per day")

    TOTP_REPLAY_PROTECTION = True
    # Moderation: newcomers' first contributions wait for review; reported items are held.
    PREMODERATION_COUNT = env_int("PREMODERATION_COUNT", 2)
    REPORT_HIDE_THRESHOLD = env_int("REPORT_HIDE_THRESHOLD", 3)

    MAIL_BACKEND = env("MAIL_BACKEND", "smtp" if env("SMTP_HOST") else "file")
    MAIL_FROM = env("MAIL_FROM", "The Independents <no-reply@localhost>")
    MAIL_OUTBOX_DIR = Path(env("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox")))
    # The private keys of open votes: outside the database and its backups, shared by the
    # web app and the worker, destroyed once each vote is counted (coop/ballots/keys.py).
    BALLOT_KEY_DIR = Path(env("BALLOT_KEY_DIR", str(INSTANCE_DIR / "ballot-keys")))
    SMTP_HOST = env("SMTP_HOST", "localhost")
    SMTP_PORT = env_int("SMTP_PORT", 587)
    SMTP_USERNAME = env("SMTP_USERNAME")
    SMTP_PASSWORD = env("SMTP_PASSWORD")
    SMTP_SECURITY = env("SMTP_SECURITY", "starttls")  # starttls, ssl or none
    SMTP_TIMEOUT = env_int("SMTP_TIMEOUT", 20)
    # A failed email is tried again after 2, 4, 8... minutes (at most 6 hours apart).
    MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_RETRY_BASE_SECONDS = env_int("MAIL_RETRY_BASE_SECONDS", 60)
    # Digests: members per task, and how long a batch owns the digests it claimed before
    # the retry sweep may take them over (it must outlast sending one batch).
    DIGEST_BATCH_SIZE = env_int("DIGEST_BATCH_SIZE", 500)
    DIGEST_LEASE_SECONDS = env_int("DIGEST_LEASE_SECONDS", 600)

    # Public pages as visitors see them, kept this long unless content changes first
    # (coop/pagecache.py); 0 turns the cache off.
    PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 120)
    # 1: a read of a vote past its time counts it (make run has no scheduler); 0: only the
    # scheduled task counts, and pages show the vote as closed and being counted meanwhile.
    COUNT_DUE_VOTES_ON_READ = env_int("COUNT_DUE_VOTES_ON_READ", 1)
    # The kept pages' share of Redis, which also holds the limits and the task queue.
    PAGE_CACHE_MAX_BYTES = env_int("PAGE_CACHE_MAX_BYTES", 64 * 1024 * 1024)
    COMMENTS_PER_PAGE = env_int("COMMENTS_PER_PAGE", 50)
    # How often beat recomputes the common-ground scores (must be positive).
    COMMON_GROUND_EVERY_MINUTES = float(env("COMMON_GROUND_EVERY_MINUTES", "15"))

    # Logs: "text", or "json" for one JSON object a line (time, level, logger, message,
    # request_id) for a log collector; LOG_REQUESTS=1 adds a line per request naming its
    # endpoint, status and time, never its path (coop/ops/logs.py).
    LOG_FORMAT = env("LOG_FORMAT", "text")
    LOG_LEVEL = env("LOG_LEVEL", "INFO")
    LOG_REQUESTS = env_int("LOG_REQUESTS", 0)
    # Bearer token a Prometheus scraper sends to /metrics; unset, /metrics is a 404.
    METRICS_TOKEN = env("METRICS_TOKEN")
    # /readyz fails when beat's heartbeat (a task every minute, kept in Redis, or under
    # `make run` in the instance folder) is older than this; 0: beat is not checked.
    # PROMETHEUS_MULTIPROC_DIR, read from the environment by prometheus_client itself, is
    # set in deploy/coop-web.service.
    BEAT_STALE_SECONDS = env_int("BEAT_STALE_SECONDS", 300)

    CELERY = (
        celery_settings(
            REDIS_URL,
            broker_transport_options={"socket_connect_timeout": 2, "socket_timeout": 5},
        )
        if REDIS_URL
        else filesystem_broker(INSTANCE_DIR / "celery-broker")
    )


class DevelopmentConfig(Config):
    DEMO_DATA_ALLOWED = True


class TestConfig(Config):
    TESTING = True
    DEMO_DATA_ALLOWED = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    BASE_URL = "http://localhost"
    # OWASP's minimum for Argon2id keeps the suite quick while testing the real hasher.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_KIB = 19 * 1024
    ARGON2_PARALLELISM = 1
    RATELIMIT_STORAGE_URI = "memory://"
    # Pre-moderation and flood limits have their own tests (tests/moderation), which set
    # the real values; elsewhere members' contributions publish at once, without limits.
    PREMODERATION_COUNT = 0
    # Tests sign the same organiser in many times a minute; tests/accounts turns it back on.
    TOTP_REPLAY_PROTECTION = False
    LIMIT_IDEAS = LIMIT_IDEAS_NEWCOMER = "1000 per second"
    LIMIT_COMMENTS = LIMIT_COMMENTS_NEWCOMER = "1000 per second"
    MAIL_BACKEND = "file"
    CELERY = celery_settings("memory://", task_always_eager=True)
    # Tests count the SQL of pages and read them right after changing data by hand; the
    # page cache has its own tests (tests/test_page_cache.py) and the browser journeys.
    PAGE_CACHE_SECONDS = 0
    BEAT_STALE_SECONDS = 0  # no beat runs in the tests; tests/ops sets it


class ProductionConfig(Config):
    PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "https")
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_NAME = "__Host-remember"
    KNOWN_DEVICE_COOKIE_NAME = "__Host-known-device"
    MAIL_BACKEND = env("MAIL_BACKEND", "smtp")
    COUNT_DUE_VOTES_ON_READ = env_int("COUNT_DUE_VOTES_ON_READ", 0)  # beat counts, each minute


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
