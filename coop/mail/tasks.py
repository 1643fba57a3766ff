from celery import shared_task

from coop.celery_app import enqueue
from coop.mail.services import deliver, unsent_email_ids


@shared_task(
    name="coop.mail.deliver_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def deliver_email(email_id: int) -> bool:
    return deliver(email_id)


@shared_task(name="coop.mail.sweep_outbox")
def sweep_outbox() -> int:
    """Send what was queued but never handed over (for example while the broker was down)."""
    ids = unsent_email_ids()
    for email_id in ids:
        enqueue("coop.mail.deliver_email", email_id)
    return len(ids)
