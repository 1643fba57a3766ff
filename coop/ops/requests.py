"""The first hook before every request and the last after it, so that the id names every
line the request logs and the time measured covers the whole pipeline."""

import logging
import time

from flask import Response, current_app, g, request

from coop.ops.logs import request_id_for
from coop.ops.metrics import observe

log = logging.getLogger("coop.requests")
HEADER = "X-Request-ID"


def open_request() -> None:
    g.request_id = request_id_for(request.headers.get(HEADER))
    g.request_started = time.perf_counter()


def close_request(response: Response) -> Response:
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    response.headers[HEADER] = g.get("request_id") or request_id_for(None)
    observe(request.endpoint, request.method, response.status_code, seconds)
    if current_app.config["LOG_REQUESTS"]:
        fields = {
            "method": request.method,
            "endpoint": request.endpoint or "none",  # never the path: it may hold a token
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        }
        log.info("%(method)s %(endpoint)s %(status)s %(duration_ms)sms", fields, extra=fields)
    return response
