from collections.abc import Mapping

from celery import shared_task
from celery.schedules import crontab

from coop.celery_app import enqueue
from coop.extensions import db
from coop.mail.services import KEPT_FOR, deliver, due_email_ids, forget_finished_emails
from coop.uktime import utcnow


@shared_task(name="coop.mail.deliver_email")
def deliver_email(email_id: int) -> bool:
    return deliver(email_id)


@shared_task(name="coop.mail.sweep_outbox")
def sweep_outbox() -> int:
    """Send what is due: never handed over (the broker was down) or waiting for a retry."""
    ids = due_email_ids()
    db.session.commit()  # end the read before handing work on
    for email_id in ids:
        enqueue("coop.mail.deliver_email", email_id)
    return len(ids)


@shared_task(name="coop.mail.forget_old_emails")
def forget_old_emails() -> int:
    """Sent and failed emails (their bodies already cleared) are kept a month for support."""
    removed = forget_finished_emails(utcnow() - KEPT_FOR)
    db.session.commit()
    return removed


def beat_schedule(_config: Mapping) -> dict:
    return {
        "sweep-outbox": {"task": "coop.mail.sweep_outbox", "schedule": crontab()},
        "forget-old-emails": {
            "task": "coop.mail.forget_old_emails",
            "schedule": crontab(hour=3, minute=15),
        },
    }
