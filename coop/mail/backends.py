"""Where email goes: .eml files in instance/outbox/ (embedded default) or an SMTP server.

`open_mailer()` keeps one SMTP connection for many messages (a digest batch); a single
email opens and closes its own with `send_message`."""

import logging
import secrets
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Protocol

from flask import current_app

log = logging.getLogger(__name__)


class Mailer(Protocol):
    def send(self, message: Message, name: str) -> None: ...


def send_message(message: Message, outbox_id: int) -> None:
    with open_mailer() as mailer:
        mailer.send(message, f"{outbox_id:08d}")


@contextmanager
def open_mailer() -> Iterator[Mailer]:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "file":
        yield _FileMailer(Path(current_app.config["MAIL_OUTBOX_DIR"]))
    elif backend == "smtp":
        with _smtp_client() as client:
            yield _SmtpMailer(client)
    else:
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")


class _FileMailer:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

    def send(self, message: Message, name: str) -> None:
        """A file of its own for every email: the time first (files sort in the order they
        were written), then the outbox row (SQLite reuses ids after rows are deleted, and a
        digest sent again after a failure keeps its row) and a random part. Written whole
        under another name, then renamed, so nobody reads half an email."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.folder / f"{stamp}-{name}-{secrets.token_hex(4)}.eml"
        partial = path.with_suffix(".part")
        with open(partial, "xb") as out:  # never over another file
            out.write(bytes(message))
        partial.rename(path)
        log.info("email %r written to %s", message["Subject"], path)


class _SmtpMailer:
    def __init__(self, client: smtplib.SMTP) -> None:
        self.client = client

    def send(self, message: Message, name: str) -> None:
        self.client.send_message(message)


def _smtp_client() -> smtplib.SMTP:
    config = current_app.config
    security = config["SMTP_SECURITY"]
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    if security == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
    except Exception:
        client.close()
        raise
    return client
