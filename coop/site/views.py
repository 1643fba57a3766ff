from flask import Blueprint, current_app, jsonify, render_template

from coop.extensions import csrf, limiter
from coop.site.health import check_database, check_redis

bp = Blueprint("site", __name__)


@bp.get("/")
def home():
    return render_template("site/home.html")


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    checks = {"database": check_database(), "redis": check_redis(current_app.config["REDIS_URL"])}
    healthy = all(state in ("ok", "not configured") for state in checks.values())
    return jsonify(status="ok" if healthy else "error", **checks), 200 if healthy else 503
