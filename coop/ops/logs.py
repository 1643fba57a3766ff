"""Logs: text by default (`make run`), or with LOG_FORMAT=json one JSON object a line, with
time, level, logger, message and the request's id, for a collector reading the journal.

A request's id is the incoming X-Request-ID when it is well formed (nginx sets one: see
deploy/nginx.conf), else a new one; it is returned in the X-Request-ID header, so a member's
report of an error page can be matched with the lines it left. Lines carry no personal data:
the request log names the endpoint, never the path (a path may hold a token), and tokens are
redacted from whatever a library logs (coop/security.py's filter, on this handler too).
"""

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from celery.signals import after_setup_logger, after_setup_task_logger
from flask import Flask, g, has_request_context

from coop.security import token_redaction

# nginx's $request_id (32 hex digits), a UUID, or any such token: nothing that could carry a
# line break or markup into a log.
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
# What every LogRecord has; anything else on a record was given as `extra=` and is written.
STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


def request_id_for(incoming: str | None) -> str:
    if incoming and WELL_FORMED_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in STANDARD_ATTRIBUTES)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def _json_handler_parts(handler: logging.Handler) -> logging.Handler:
    handler.setFormatter(JsonLines())
    for part in (RequestIds(), token_redaction()):
        if not any(type(f) is type(part) for f in handler.filters):
            handler.addFilter(part)
    return handler


handler = _json_handler_parts(logging.StreamHandler())  # stderr: the journal under systemd


def _json_for_celery(logger: logging.Logger, **_kwargs) -> None:
    """Celery's worker and beat replace the root logger's handlers with their own."""
    for each in logger.handlers:
        _json_handler_parts(each)


def configure_logging(app: Flask) -> None:
    """Logging is the process's, not the app's: the last app built sets it (tests build
    many; gunicorn's workers and Celery build one)."""
    root = logging.getLogger()
    level = app.config["LOG_LEVEL"]
    if app.config["LOG_FORMAT"] == "json":
        root.addHandler(handler)
        root.setLevel(level)
        for signal in (after_setup_logger, after_setup_task_logger):
            signal.connect(_json_for_celery, weak=False)
    else:
        root.removeHandler(handler)
        for signal in (after_setup_logger, after_setup_task_logger):
            signal.disconnect(_json_for_celery)
        logging.basicConfig(level=level)
