"""coop: the member participation platform of The Independents."""

import logging
import os
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSECURE_SECRET


def create_app(config_name: str | None = None, overrides: Mapping | None = None) -> Flask:
    from coop.cli import register_commands
    from coop.ops.logs import configure_logging

    app = Flask(__name__)
    name = config_name or os.environ.get("COOP_CONFIG", "development")
    app.config.from_object(CONFIGS[name])
    app.config.update(overrides or {})
    if name == "production":
        check_production_config(app)
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)
    configure_logging(app)  # text, or one JSON object a line (LOG_FORMAT), for the process
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    register_extensions(app)
    register_blueprints(app)
    register_request_pipeline(app)
    register_templates(app)
    register_commands(app)  # `flask coop ...`: each feature's cli.py adds its commands
    return app


def check_production_config(app: Flask) -> None:
    secret = app.config["SECRET_KEY"]
    if not secret or secret == INSECURE_SECRET or len(secret) < 32:
        raise RuntimeError("Set SECRET_KEY to a random value of at least 32 characters.")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise RuntimeError("Set DATABASE_URL to the PostgreSQL database.")
    if not app.config["REDIS_URL"]:
        raise RuntimeError("Set REDIS_URL: Celery and the rate limits need Redis.")
    if not os.environ.get("BASE_URL"):
        raise RuntimeError("Set BASE_URL, the public address used in emailed links.")
    if not os.environ.get("BALLOT_KEY_DIR"):
        raise RuntimeError(
            "Set BALLOT_KEY_DIR: a folder for the keys of open votes, shared by the web app and "
            "the worker, outside every backup (docs/secret-ballots.md)."
        )
    if not os.environ.get("PROXY_FIX_X_FOR", "").strip():
        raise RuntimeError(
            "Set PROXY_FIX_X_FOR to the number of proxies in front of the app that set "
            "X-Forwarded-For (1 behind one nginx), or to 0 if clients connect directly: left "
            "at 0 behind a proxy, every visitor has the proxy's address and shares its limits."
        )


def register_extensions(app: Flask) -> None:
    from coop.cache import register_cache
    from coop.celery_app import celery_init_app
    from coop.db import dialects
    from coop.db.connections import ping_idle_connections
    from coop.extensions import db, migrate
    from coop.limits import keep_limits_when_redis_is_down

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            dialects.prepare(engine)  # SQLite: its pragmas, and the write lock taken at BEGIN
            ping_idle_connections(engine, app.config["DB_IDLE_PING_SECONDS"])
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    keep_limits_when_redis_is_down(app)  # limits in memory while Redis is down, never a 500
    celery_init_app(app)
    register_cache(app)  # kept pages and fragments (Redis, or a folder), when PAGE_CACHE_SECONDS


def register_blueprints(app: Flask) -> None:
    from coop.accounts.roles.views import bp as roles
    from coop.accounts.views import bp as accounts
    from coop.api.views import bp as api
    from coop.audit.views import bp as audit
    from coop.comments.views import bp as comments
    from coop.common_ground.views import bp as common_ground
    from coop.digests.views import bp as digests
    from coop.donations.online.views import bp as giving
    from coop.donations.views import bp as donations
    from coop.elections.views import bp as elections
    from coop.elections.voting.views import bp as election_voting
    from coop.feeds.views import bp as feeds
    from coop.ideas.topics.views import bp as topics
    from coop.ideas.views import bp as ideas
    from coop.meetings.views import bp as meetings
    from coop.meetings.voting.views import bp as meeting_votes
    from coop.membership.views import bp as membership
    from coop.moderation.views import bp as moderation
    from coop.notifications.views import bp as notifications
    from coop.ops.views import bp as ops
    from coop.privacy.deletion.views import bp as account_deletion
    from coop.privacy.export.views import bp as data_export
    from coop.privacy.views import bp as privacy
    from coop.proposals.views import bp as proposals
    from coop.site.views import bp as site
    from coop.updates.views import bp as updates
    from coop.validation import DatabaseId

    app.url_map.converters["int"] = DatabaseId  # ids beyond the database's range: 404, not 500
    for blueprint in (
        ops,
        site,
        accounts,
        privacy,
        ideas,
        topics,
        proposals,
        comments,
        audit,
        moderation,
        notifications,
        roles,
        common_ground,
        updates,
        membership,
        meetings,
        meeting_votes,
        elections,
        election_voting,
        donations,
        giving,
        feeds,
        digests,
        data_export,
        account_deletion,
        api,
    ):
        app.register_blueprint(blueprint)


def register_request_pipeline(app: Flask) -> None:
    """Every app-wide hook, in the order it runs (tests/test_request_pipeline.py checks it).
    Nothing else adds one: a feature's hook is imported and registered here."""
    from coop.accounts.sessions import keep_session_alive
    from coop.api.http import WithoutCookies, api_headers
    from coop.errors import register_error_handlers
    from coop.extensions import csrf, limiter, login_manager
    from coop.ops.requests import close_request, open_request
    from coop.pagecache import keep_page, serve_kept_page
    from coop.privacy.export.views import export_helpers
    from coop.privacy.views import ask_for_the_new_notice
    from coop.read_only import without_transaction
    from coop.security import redact_tokens_in_access_log, security_headers
    from coop.web import template_globals

    caching = "coop.cache" in app.extensions
    # Around the app: /api/ requests arrive without cookies and leave without setting any.
    app.wsgi_app = WithoutCookies(app.wsgi_app)
    # First before everything and last after it: the request's id for every line it logs
    # (and its X-Request-ID header), and its time for the latency metric.
    app.before_request(open_request)
    app.after_request(close_request)
    # Then the extensions' hooks: before the view, CSRF (a form without its token is a 400
    # before anything is counted or loaded), then the rate limits; after it, their hooks run
    # last but close_request (the limit's headers, then the "remember me" cookie).
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    before = [
        *([serve_kept_page] if caching else []),  # a visitor's kept page: no database at all
        without_transaction,  # @read_only views run outside a transaction (PostgreSQL)
        keep_session_alive,  # the signed-in member loaded; an idle sign-in ended
        ask_for_the_new_notice,  # a changed privacy notice is read before anything else
    ]
    for hook in before:
        app.before_request(hook)
    after = [  # in the order they run: Flask runs them last registered first
        *([keep_page] if caching else []),  # a visitor's page kept, before any cookie header
        security_headers,  # CSP and the rest; "private, no-store" on anything with a cookie
        api_headers,  # /api/: CORS, caching by anyone, ETags, the limit's headers
    ]
    for hook in reversed(after):
        app.after_request(hook)
    app.context_processor(template_globals)  # the unread count in every page's header
    app.context_processor(export_helpers)  # the account page's "Your data" section
    register_error_handlers(app)
    redact_tokens_in_access_log(app)  # links' tokens never reach the development log


def register_templates(app: Flask) -> None:
    from coop.ballots.record import format_tracker
    from coop.fragments import keep_fragment
    from coop.moderation.states import REASONS
    from coop.money import pounds
    from coop.uktime import day, iso, uk_date, uk_datetime
    from coop.web import url_pattern

    app.add_template_global(keep_fragment)
    app.add_template_global(url_pattern)
    app.add_template_global(REASONS, "reasons")  # moderation's reasons, named on many pages
    app.add_template_filter(uk_datetime)
    app.add_template_filter(uk_date)
    app.add_template_filter(iso)
    app.add_template_filter(day)  # a calendar date: 7 December 2026
    app.add_template_filter(pounds)  # integer pence: £1,234.56
    app.add_template_filter(format_tracker, "tracker")
    import coop.models  # noqa: F401 - every table known to SQLAlchemy and Alembic
