"""Liveness, readiness and metrics: for the machines that watch the site, not for people."""

import hmac

from flask import Blueprint, Response, abort, current_app, jsonify, request

from coop.extensions import csrf, limiter
from coop.ops.checks import HEALTHY, check_beat, check_broker, check_database, check_redis
from coop.ops.metrics import exposition

bp = Blueprint("ops", __name__)
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """Liveness: this process answers. Nothing else is asked (no database, no Redis), so a
    supervisor restarts the process only when the process itself is stuck."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
@csrf.exempt
def readyz():
    """Readiness: the database, Redis, the task broker and beat's heartbeat (whose age says
    that beat, the broker and a worker all ran in the last BEAT_STALE_SECONDS); 503 naming
    each failure otherwise."""
    beat, beat_age = check_beat()
    checks = {
        "database": check_database(),
        "redis": check_redis(current_app.config["REDIS_URL"]),
        "broker": check_broker(),
        "beat": beat,
    }
    failed = [name for name, state in checks.items() if state not in HEALTHY]
    body = {
        "status": "error" if failed else "ok",
        **checks,
        "beat_age_seconds": None if beat_age is None else round(beat_age, 1),
        "failed": failed,
    }
    return jsonify(body), 503 if failed else 200


@bp.get("/metrics")
@limiter.exempt
@csrf.exempt
def metrics():
    """Prometheus metrics, for a scraper holding METRICS_TOKEN; without one set, a page
    like any that does not exist."""
    expected = current_app.config["METRICS_TOKEN"]
    if not expected:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return Response("Unauthorized\n", 401, {"WWW-Authenticate": "Bearer"}, "text/plain")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return Response("Forbidden\n", 403, mimetype="text/plain")
    return Response(exposition(), headers={"Content-Type": METRICS_TYPE})
