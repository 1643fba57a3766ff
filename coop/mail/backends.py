"""Where email goes: .eml files in instance/outbox/ (embedded default) or an SMTP server."""

import logging
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


def send_message(message: EmailMessage, outbox_id: int) -> None:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "file":
        _write_file(message, outbox_id)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")


def _write_file(message: EmailMessage, outbox_id: int) -> None:
    folder = Path(current_app.config["MAIL_OUTBOX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{outbox_id:08d}.eml"
    path.write_bytes(bytes(message))
    log.info("email to %s, %r, written to %s", message["To"], message["Subject"], path)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    security = config["SMTP_SECURITY"]
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    if security == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        client.send_message(message)
