"""Celery bound to the Flask app, as in Flask's "Background tasks with Celery" guide."""

from pathlib import Path

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app

BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "coop.mail.sweep_outbox", "schedule": crontab(minute="*")},
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

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object({"beat_schedule": BEAT_SCHEDULE, **app.config["CELERY"]})
    celery.set_default()
    import coop.mail.tasks  # noqa: F401 - registers the tasks

    app.extensions["celery"] = celery
    return celery


def enqueue(task_name: str, *args) -> None:
    """Queue a task on the Celery app of the current Flask app (several may exist in tests)."""
    celery = current_app.extensions["celery"]
    celery.tasks[task_name].apply_async(args)
