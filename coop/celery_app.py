"""Celery bound to the Flask app, as in Flask's "Background tasks with Celery" guide.

Work for the worker is handed over only after the database commit (`enqueue_after_commit`),
so a worker never looks for a row that does not exist yet and a rollback sends nothing.
"""

import logging
from pathlib import Path

from celery import Celery, Task
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from coop.features import feature_modules

log = logging.getLogger(__name__)
PENDING_KEY = "coop.pending_tasks"


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    folders = app.config["CELERY"].get("broker_transport_options", {})
    for key in ("data_folder_in", "data_folder_out"):
        if key in folders:
            Path(folders[key]).mkdir(parents=True, exist_ok=True)

    celery = Celery(app.name, task_cls=FlaskTask)
    schedule = {}
    # Each feature's tasks.py holds its tasks and, in beat_schedule(config), their beat entries.
    for module in feature_modules("tasks"):
        schedule.update(getattr(module, "beat_schedule", lambda _config: {})(app.config))
    celery.config_from_object({"beat_schedule": schedule, **app.config["CELERY"]})
    celery.set_default()
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
