"""A real Celery worker, fed through Redis, delivers email to a real SMTP server."""

import uuid

from celery.contrib.testing.worker import start_worker

from config import celery_settings
from tests.mail.helpers import outbox_rows
from tests.support import join_data, smtp_settings, submit


def test_a_worker_on_redis_delivers_the_verification_email(app_factory, redis_url, smtp_server):
    queue = f"coop-test-{uuid.uuid4().hex}"
    app = app_factory(
        CELERY=celery_settings(redis_url, task_default_queue=queue),
        **smtp_settings(smtp_server.port),
    )
    celery = app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        response = submit(app.test_client(), "/join", join_data())
        assert response.status_code == 302
        [message] = smtp_server.wait_for(1)
    assert message["To"] == "rosa@example.org"
    assert message["Subject"] == "Confirm your email address"
    [row] = outbox_rows(app)
    assert row.sent_at is not None
