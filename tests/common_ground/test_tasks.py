"""The recompute task: on the beat schedule, eager in tests, and on a real worker."""

import logging
import uuid
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker

from config import celery_settings
from coop.accounts.models import Role
from coop.common_ground import scorer
from coop.common_ground.scorer import Status
from coop.common_ground.tasks import beat_schedule
from tests.common_ground import population as pop
from tests.common_ground.helpers import seed_population, stored_scores
from tests.factories import client_for
from tests.support import make_member, submit

TASK = "coop.common_ground.recompute"


def test_beat_recomputes_every_fifteen_minutes_by_default(app):
    entry = app.extensions["celery"].conf.beat_schedule["recompute-common-ground"]
    assert entry == {"task": TASK, "schedule": timedelta(minutes=15)}


def test_the_interval_is_configurable(app_factory):
    app = app_factory(COMMON_GROUND_EVERY_MINUTES=5)
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["recompute-common-ground"]["schedule"] == timedelta(minutes=5)
    with pytest.raises(ValueError):
        beat_schedule({"COMMON_GROUND_EVERY_MINUTES": 0})


def test_the_task_scores_commits_and_logs_counts_but_no_member_factor(app, caplog):
    seeded = seed_population(app)
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        scored = app.extensions["celery"].tasks[TASK].delay().get()
    assert scored == len(seeded.ideas)
    scores = stored_scores(app)  # read in a new session: committed
    assert {i for i, row in scores.items() if row.status == Status.COMMON_GROUND} == {
        seeded.idea(i) for i in pop.BRIDGING
    }

    fitted = scorer.fit(
        [(seeded.members[m], seeded.ideas[i], v) for m, i, v in seeded.people.reactions]
    )
    [record] = [r for r in caplog.records if r.name == "coop.common_ground.tasks"]
    assert f"{len(seeded.ideas)} ideas scored" in record.getMessage()
    assert all(isinstance(arg, int) for arg in record.args[:-1])  # counts, then the duration
    for factor in fitted.member_factors:
        assert f"{factor:.3f}" not in caplog.text


def test_a_real_worker_recomputes_when_an_organiser_asks(app_factory, redis_url):
    queue = f"coop-test-{uuid.uuid4().hex}"
    app = app_factory(CELERY=celery_settings(redis_url, task_default_queue=queue))
    seeded = seed_population(app)
    make_member(app, "organiser@example.org", "Olu Organiser", role=Role.ORGANISER)
    client = client_for(app, "organiser@example.org")
    celery = app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        response = submit(client, "/common-ground", action="/organise/common-ground/recompute")
        assert response.status_code == 302
        scores = wait_for_scores(app)
    assert set(scores) == set(seeded.ideas.values())


def wait_for_scores(app, timeout: float = 15.0) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while not (scores := stored_scores(app)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return scores
