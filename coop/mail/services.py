"""Queue email inside the current transaction; it is handed to Celery after the commit."""

import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from coop.extensions import db, utcnow
from coop.mail.models import OutboundEmail

log = logging.getLogger(__name__)
PENDING_KEY = "coop.pending_emails"


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
    db.session.info.setdefault(PENDING_KEY, []).append(email.id)
    return email


def build_message(email: OutboundEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = make_msgid(idstring=f"coop-{email.id}")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    return message


def deliver(email_id: int) -> bool:
    """Send one queued email unless it was sent already. Returns whether it sent now."""
    from coop.mail.backends import send_message

    email = db.session.get(OutboundEmail, email_id, with_for_update=True)
    if email is None or email.sent_at is not None:
        return False
    email.attempts += 1
    try:
        send_message(build_message(email), email.id)
    except Exception as error:
        email.last_error = str(error)[:500]
        db.session.commit()
        raise
    email.sent_at = utcnow()
    email.body_text = ""
    email.body_html = None
    email.last_error = None
    db.session.commit()
    return True


def unsent_email_ids(older_than_seconds: int = 60, limit: int = 500) -> list[int]:
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    query = (
        select(OutboundEmail.id)
        .where(OutboundEmail.sent_at.is_(None), OutboundEmail.created_at < cutoff)
        .order_by(OutboundEmail.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    from coop.celery_app import enqueue

    for email_id in pending:
        try:
            enqueue("coop.mail.deliver_email", email_id)
        except Exception:
            # The outbox row is committed: the periodic sweep sends it when the broker is back.
            log.exception("could not hand email %s to the task queue", email_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def absolute_url(endpoint: str, **values) -> str:
    """A link for an email, built on BASE_URL, never on the request's Host header."""
    from flask import url_for

    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)
