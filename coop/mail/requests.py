"""Emails asked for by address alone (password reset, resend verification), made durable.

Those requests answer alike whether or not the address has an account, so the member is
looked up in the worker, by a task that takes the address. Handed to Celery as it was, the
request was lost when the broker was down and the address was written into the broker and,
on failure, into the error log. Here, before the commit, each such hand-over becomes an
outbox row holding the address and the name of the task (`compose_with`), and the worker is
handed only the row's id: the sweep retries it like any unsent email, and no address is in
a task payload or a log line. The worker runs the task on the address (it queues the real
email, if there is an account) and deletes the row in the same transaction.

Threat model: the address of someone without an account is stored until the worker runs
(seconds; at most until the broker is back and the sweep runs), in the database that holds
every member's address anyway; it is never sent anywhere or logged.

The callers queue these rows themselves with `queue_request` (coop/accounts/services.py).
"""

import logging

from flask import current_app
from sqlalchemy.orm import Session

from coop.celery_app import enqueue_after_commit
from coop.mail.models import OutboundEmail

log = logging.getLogger(__name__)
DELIVER = "coop.mail.deliver_email"


def queue_request(session: Session, task_name: str, address: str) -> OutboundEmail:
    """An email for `task_name` to compose from `address` in the worker, durable at commit."""
    request = OutboundEmail(to_address=address, subject="", body_text="", compose_with=task_name)
    session.add(request)
    session.flush()
    enqueue_after_commit(session, DELIVER, request.id)
    return request


def compose(request: OutboundEmail, session: Session) -> None:
    """Run the request's task on its address (it queues the email, if any) and delete the
    request; the caller's commit makes both happen or neither."""
    task = current_app.extensions["celery"].tasks[request.compose_with]
    address = request.to_address
    session.delete(request)
    session.flush()
    task.run(address)  # the task commits
