"""Queue email inside the current transaction; it is handed to Celery after the commit."""

import logging
import smtplib
from datetime import datetime, timedelta
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, make_msgid
from secrets import token_hex

from flask import current_app, render_template
from sqlalchemy import delete, or_, select

from coop.celery_app import enqueue_after_commit
from coop.extensions import db
from coop.mail.models import OutboundEmail
from coop.mail.requests import compose as compose_request
from coop.uktime import utcnow
from coop.web import absolute_url  # noqa: F401 - used by callers that build emails

log = logging.getLogger(__name__)
RETRY_MAX = timedelta(hours=6)
KEPT_FOR = timedelta(days=30)
# Long headers (the unsubscribe link) stay on one line, within RFC 5322's 998 characters.
UNFOLDED = compat32.clone(max_line_length=998)


def queue_email(
    to_address: str, subject: str, template: str, member_id: int | None = None, **context
) -> OutboundEmail:
    """Add an email to the outbox. `template` names `<template>.txt` (and optional `.html`)."""
    body_text = render_template(f"{template}.txt", **context)
    email = OutboundEmail(
        member_id=member_id, to_address=to_address, subject=subject, body_text=body_text
    )
    db.session.add(email)
    db.session.flush()
    enqueue_after_commit(db.session, "coop.mail.deliver_email", email.id)
    return email


def build_message(email: OutboundEmail) -> Message:
    return compose(
        email.to_address, email.subject, email.body_text, email.body_html, email.created_at,
        make_msgid(idstring=f"coop-{email.id}"),
    )  # fmt: skip


def compose(
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    date: datetime,
    message_id: str,
    headers: dict[str, str] | None = None,
) -> Message:
    """A plain-text email, with an HTML alternative when there is one. Built with the
    email package's classic MIME classes: three times quicker than EmailMessage, which
    counts when a digest run sends a hundred thousand."""
    text = MIMEText(body_text, "plain", "utf-8", policy=UNFOLDED)
    if body_html:
        html = MIMEText(body_html, "html", "utf-8", policy=UNFOLDED)
        # Base64 parts have no line starting with "--", so any boundary is safe: setting
        # one spares the generator searching both parts for a collision.
        message = MIMEMultipart("alternative", boundary=f"=_{token_hex(16)}", policy=UNFOLDED)
        for part in (text, html):
            del part["MIME-Version"]  # only the top of the message carries it
            message.attach(part)
    else:
        message = text
    all_headers = {
        "From": current_app.config["MAIL_FROM"],
        "To": to_address,
        "Subject": subject,
        "Date": format_datetime(date),
        "Message-ID": message_id,
        "Auto-Submitted": "auto-generated",
        **(headers or {}),
    }
    for name, value in all_headers.items():
        message[name] = value if value.isascii() else Header(value, "utf-8")
    return message


def max_attempts() -> int:
    return current_app.config["MAIL_MAX_ATTEMPTS"]


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after a failed attempt: 2, 4, 8 minutes... up to six hours."""
    base = timedelta(seconds=current_app.config["MAIL_RETRY_BASE_SECONDS"])
    return min(base * 2**attempts, RETRY_MAX)


def deliver(email_id: int) -> bool:
    """Send one queued email unless it was sent or given up on. Returns whether it sent now.
    A failure is recorded with the time of the next try; the periodic sweep retries it."""
    from coop.mail.backends import send_message

    email = db.session.get(OutboundEmail, email_id, with_for_update=True)
    if email is None or email.sent_at is not None or email.failed_at is not None:
        db.session.rollback()
        return False
    if email.compose_with is not None:
        return _compose(email)
    email.attempts += 1
    try:
        send_message(build_message(email), email.id)
    except Exception as error:
        permanent = isinstance(error, smtplib.SMTPRecipientsRefused)
        _record_failure(email, error, give_up=permanent or email.attempts >= max_attempts())
        db.session.commit()
        return False
    email.sent_at = utcnow()
    _forget_body(email)
    email.last_error = None
    db.session.commit()
    return True


def _compose(request: OutboundEmail) -> bool:
    """Write the email a request by address asked for (coop/mail/requests.py). On failure
    the request stays for the sweep, a little later each time, until it gives up."""
    request_id = request.id
    try:
        compose_request(request, db.session)
    except Exception as error:
        db.session.rollback()
        request = db.session.get(OutboundEmail, request_id, with_for_update=True)
        if request is not None:
            request.attempts += 1
            _record_failure(request, error, give_up=request.attempts >= max_attempts())
            db.session.commit()
    return False


def _record_failure(email: OutboundEmail, error: Exception, give_up: bool) -> None:
    # The error's text may hold the address (a refused recipient): its kind and code only.
    code = getattr(error, "smtp_code", None)
    log.warning("email %s not sent (attempt %s): %s%s", email.id, email.attempts,
                type(error).__name__, f" {code}" if code else "")  # fmt: skip
    email.last_error = str(error)[:500]
    if give_up:
        email.failed_at = utcnow()
        _forget_body(email)
    else:
        email.next_attempt_at = utcnow() + retry_delay(email.attempts)


def _forget_body(email: OutboundEmail) -> None:
    """The body may hold a sign-in or reset link: keep it no longer than needed. A request
    given up on forgets the address too: it may be no member's."""
    email.body_text = ""
    email.body_html = None
    if email.compose_with is not None:
        email.to_address = ""


def due_email_ids(limit: int = 500) -> list[int]:
    query = (
        select(OutboundEmail.id)
        .where(
            OutboundEmail.sent_at.is_(None),
            OutboundEmail.failed_at.is_(None),
            OutboundEmail.next_attempt_at <= utcnow(),
        )
        .order_by(OutboundEmail.next_attempt_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def forget_finished_emails(before: datetime) -> int:
    finished = or_(OutboundEmail.sent_at < before, OutboundEmail.failed_at < before)
    return db.session.execute(delete(OutboundEmail).where(finished)).rowcount
