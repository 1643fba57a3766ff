"""/metrics: absent without METRICS_TOKEN, refused without the right one, and with it the
request latency by endpoint and the backlogs read from the database and the broker."""

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import redis
from prometheus_client.parser import text_string_to_metric_families

from coop.digests.models import Digest
from coop.extensions import db
from coop.mail.models import OutboundEmail
from coop.uktime import utcnow
from tests.ops.helpers import beat_ran, redis_broker
from tests.support import make_member

TOKEN = "metrics-token-for-the-tests-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def samples(exposition: str) -> dict[tuple, float]:
    """Each sample's value by its name and its labels (sorted)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def test_metrics_is_not_found_when_no_token_is_set(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=BEARER).status_code == 404


def test_metrics_refuses_a_missing_or_wrong_token(app_factory):
    client = app_factory(METRICS_TOKEN=TOKEN).test_client()
    missing = client.get("/metrics")
    assert (missing.status_code, missing.headers["WWW-Authenticate"]) == (401, "Bearer")
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403
    assert "coop_" not in wrong.get_data(as_text=True)


def test_metrics_give_latency_by_endpoint_not_by_path(app_factory):
    app = app_factory(METRICS_TOKEN=TOKEN)
    client = app.test_client()
    client.get("/")
    client.get("/verify/SomeTokenInThePath")
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found = samples(response.get_data(as_text=True))
    home = (("endpoint", "site.home"), ("method", "GET"))
    assert found[("coop_http_request_duration_seconds_count", home)] >= 1
    every = (("endpoint", "site.home"), ("le", "+Inf"), ("method", "GET"))
    assert found[("coop_http_request_duration_seconds_bucket", every)] >= 1
    assert found[("coop_http_requests_total", (*home, ("status", "200")))] >= 1
    assert "SomeTokenInThePath" not in response.get_data(as_text=True)
    assert any(("endpoint", "accounts.verify_email") in labels for _, labels in found)


def test_metrics_count_the_outbox_backlog_and_failed_digests(app_factory):
    app = app_factory(METRICS_TOKEN=TOKEN)
    member = make_member(app)
    with app.app_context():
        unsent = dict(to_address="someone@example.org", subject="Hello", body_text="Hi")
        db.session.add_all([OutboundEmail(**unsent), OutboundEmail(**unsent),
                            OutboundEmail(**unsent, sent_at=utcnow()),
                            OutboundEmail(**unsent, failed_at=utcnow())])  # fmt: skip
        db.session.add(Digest(member_id=member.id, frequency="weekly", period_start=utcnow(),
                              covers_from=utcnow(), status="failed"))  # fmt: skip
        db.session.commit()
    found = samples(app.test_client().get("/metrics", headers=BEARER).text)
    assert found[("coop_outbox_backlog", ())] == 2
    assert found[("coop_digests_failed", ())] == 1
    assert ("coop_beat_heartbeat_age_seconds", ()) not in found  # never ran: no age to give


def test_metrics_give_the_celery_queue_length_and_beats_age(app_factory, redis_url):
    queue = f"coop-test-{uuid.uuid4().hex}"  # of its own: other runs share this Redis
    app = app_factory(METRICS_TOKEN=TOKEN, REDIS_URL=redis_url,
                      CELERY=redis_broker(redis_url, queue))  # fmt: skip
    client = redis.Redis.from_url(redis_url)
    client.rpush(queue, "a", "b", "c")
    client.rpush(queue + "\x06\x166", "d")  # a message sent at priority 6
    beat_ran(app, seconds_ago=30)
    try:
        found = samples(app.test_client().get("/metrics", headers=BEARER).text)
    finally:
        client.delete(queue, queue + "\x06\x166")
    assert found[("coop_celery_queue_length", (("queue", queue),))] == 4
    assert 30 <= found[("coop_beat_heartbeat_age_seconds", ())] < 90


def test_with_prometheus_multiproc_dir_a_scrape_adds_up_every_process(tmp_path, database):
    """gunicorn's workers are processes: each writes its counts to the shared folder, and a
    scrape in any of them reads them all."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    script = textwrap.dedent(f"""
        import sys
        from coop import create_app
        app = create_app("test", {{"SQLALCHEMY_DATABASE_URI": {database(tmp_path)!r},
                                  "METRICS_TOKEN": {TOKEN!r}}})
        client = app.test_client()
        client.get("/healthz")
        if sys.argv[1] == "scrape":
            sys.stdout.write(client.get("/metrics", headers={BEARER!r}).get_data(as_text=True))
    """)
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    root = Path(__file__).resolve().parents[2]
    for step in ("request", "scrape"):
        done = subprocess.run([sys.executable, "-c", script, step], env=env, cwd=root,
                              capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    healthz = (("endpoint", "ops.healthz"), ("method", "GET"), ("status", "200"))
    found = samples(done.stdout)
    assert found[("coop_http_requests_total", healthz)] == 2
