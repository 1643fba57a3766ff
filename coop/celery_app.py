"""Celery bound to the Flask app, as in Flask's "Background tasks with Celery" guide.

Work for the worker is handed over only after the database commit (`enqueue_after_commit`),
so a worker never looks for a row that does not exist yet and a rollback sends nothing.
"""

import logging
from pathlib import Path

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
PENDING_KEY = "coop.pending_tasks"
TASK_MODULES = (
    "coop.mail.tasks",
    "coop.accounts.tasks",
    "coop.proposals.tasks",
    "coop.common_ground.tasks",
    "coop.ideas.trending",
    "coop.digests.tasks",
    "coop.privacy.tasks",
    "coop.privacy.deletion_tasks",
)
BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "coop.mail.sweep_outbox", "schedule": crontab(minute="*")},
    "close-due-proposals": {"task": "coop.proposals.close_due", "schedule": crontab(minute="*")},
    "refresh-trending": {"task": "coop.ideas.refresh_trending", "schedule": crontab(minute="*/5")},
    "forget-old-emails": {
        "task": "coop.mail.forget_old_emails",
        "schedule": crontab(hour=3, minute=15),
    },
    "purge-unverified-accounts": {
        "task": "coop.privacy.purge_unverified",
        "schedule": crontab(hour=3, minute=45),
    },
    "purge-data-exports": {
        "task": "coop.privacy.purge_exports",
        "schedule": crontab(minute="*/15"),  # soon after a held ballot is counted
    },
}


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    folders = app.config["CELERY"].get("broker_transport_options", {})
    for key in ("data_folder_in", "data_folder_out"):
        if key in folders:
            Path(folders[key]).mkdir(parents=True, exist_ok=True)

    from coop.common_ground.tasks import beat_schedule as common_ground_schedule
    from coop.digests.tasks import BEAT_SCHEDULE as DIGEST_SCHEDULE

    schedule = {**BEAT_SCHEDULE, **DIGEST_SCHEDULE, **common_ground_schedule(app.config)}
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object({"beat_schedule": schedule, **app.config["CELERY"]})
    celery.set_default()
    for module in TASK_MODULES:
        __import__(module)
    app.extensions["celery"] = celery
    return celery


def enqueue(task_name: str, *args) -> None:
    """Queue a task on the Celery app of the current Flask app (several may exist in tests)."""
    celery = current_app.extensions["celery"]
    celery.tasks[task_name].apply_async(args)


def enqueue_after_commit(session: Session, task_name: str, *args) -> None:
    session.info.setdefault(PENDING_KEY, []).append((task_name, args))


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    for task_name, args in session.info.pop(PENDING_KEY, []):
        try:
            enqueue(task_name, *args)
        except Exception:
            # What must survive an outage is in a committed row (the email outbox) that a
            # periodic sweep picks up; anything else is best effort.
            log.exception("could not hand %s%r to the task queue", task_name, args)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
