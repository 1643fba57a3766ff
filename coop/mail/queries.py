from sqlalchemy import func, select

from coop.extensions import db
from coop.mail.models import OutboundEmail


def unsent_email_count() -> int:
    """Emails neither sent nor given up on: the outbox's backlog, for the operators'
    metrics (coop/ops/metrics.py). Uses the outbox's unsent index."""
    return db.session.scalar(
        select(func.count())
        .select_from(OutboundEmail)
        .where(OutboundEmail.sent_at.is_(None), OutboundEmail.failed_at.is_(None))
    )
