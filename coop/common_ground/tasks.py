"""Recompute the common-ground scores in the background: on a beat schedule, once when beat
starts (so a fresh embedded install has scores), and when an organiser asks."""

import logging
import time
from collections.abc import Mapping
from datetime import timedelta

from celery import shared_task
from celery.signals import beat_init

from coop.common_ground import services
from coop.extensions import db
from coop.uktime import utcnow

log = logging.getLogger(__name__)


@shared_task(name=services.TASK_NAME)
def recompute() -> int:
    """Score every idea and store the results; returns how many ideas were scored.
    Idempotent: each run replaces the previous one's scores."""
    started = time.perf_counter()
    summary = services.recompute_scores(utcnow())
    db.session.commit()
    # Counts only: member factors are never logged.
    log.info(
        "common ground: %d ideas scored, %d common ground, from %d reactions by %d members "
        "in %.1f s",
        summary.ideas,
        summary.common_ground,
        summary.reactions,
        summary.members,
        time.perf_counter() - started,
    )
    return summary.ideas


def interval(config: Mapping) -> timedelta:
    """How often beat runs the scorer: COMMON_GROUND_EVERY_MINUTES (config.py)."""
    every = timedelta(minutes=float(config["COMMON_GROUND_EVERY_MINUTES"]))
    if every <= timedelta(0):
        raise ValueError("COMMON_GROUND_EVERY_MINUTES must be positive")
    return every


def beat_schedule(config: Mapping) -> dict:
    return {"recompute-common-ground": {"task": services.TASK_NAME, "schedule": interval(config)}}


@beat_init.connect
def _recompute_when_beat_starts(sender, **_kwargs) -> None:
    sender.app.send_task(services.TASK_NAME)
