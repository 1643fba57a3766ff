"""/healthz (liveness: the process answers) and /readyz (readiness: the services it needs,
and beat's heartbeat), against real services and ones that are down (a closed port)."""

from config import filesystem_broker
from coop.celery_app import enqueue
from tests.ops.helpers import CLOSED_POSTGRESQL, CLOSED_REDIS, beat_ran, redis_broker


def test_healthz_answers_without_asking_the_database(app_factory):
    client = app_factory(SQLALCHEMY_DATABASE_URI=CLOSED_POSTGRESQL).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_200_with_every_service_up_and_a_fresh_heartbeat(app_factory, redis_url):
    app = app_factory(REDIS_URL=redis_url, CELERY=redis_broker(redis_url), BEAT_STALE_SECONDS=300)
    beat_ran(app, seconds_ago=5)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert {k: body[k] for k in ("status", "database", "redis", "broker", "beat", "failed")} == {
        "status": "ok", "database": "ok", "redis": "ok", "broker": "ok", "beat": "ok",
        "failed": [],
    }  # fmt: skip
    assert 4 <= body["beat_age_seconds"] < 60


def test_readyz_names_the_database_when_it_is_down(app_factory):
    client = app_factory(SQLALCHEMY_DATABASE_URI=CLOSED_POSTGRESQL).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"] == "unreachable"
    assert body["failed"] == ["database"]


def test_readyz_names_redis_and_the_broker_when_redis_is_down(app_factory):
    app = app_factory(REDIS_URL=CLOSED_REDIS, CELERY=redis_broker(CLOSED_REDIS))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["redis"], body["broker"], body["database"]) == ("unreachable",) * 2 + ("ok",)
    assert body["failed"] == ["redis", "broker"]


def test_readyz_fails_when_beats_heartbeat_is_older_than_the_setting(app_factory):
    app = app_factory(BEAT_STALE_SECONDS=300)
    beat_ran(app, seconds_ago=600)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["beat"], body["failed"]) == ("stale", ["beat"])
    assert body["beat_age_seconds"] >= 600


def test_readyz_fails_when_beat_never_ran_and_passes_once_the_heartbeat_task_runs(app_factory):
    app = app_factory(BEAT_STALE_SECONDS=300)
    client = app.test_client()
    before = client.get("/readyz")
    assert (before.status_code, before.get_json()["beat"]) == (503, "never")
    with app.app_context():
        enqueue("coop.ops.beat_heartbeat")  # what beat sends every minute (run at once here)
    after = client.get("/readyz")
    assert (after.status_code, after.get_json()["beat"]) == (200, "ok")


def test_the_heartbeat_is_scheduled_every_minute(app):
    entry = app.extensions["celery"].conf.beat_schedule["beat-heartbeat"]
    assert (entry["task"], entry["schedule"]) == ("coop.ops.beat_heartbeat", 60.0)


def test_under_make_run_the_broker_is_a_folder_and_the_heartbeat_a_file(app_factory, tmp_path):
    """`make run` has no Redis; its worker runs beat (`--beat`) on the folder broker."""
    app = app_factory(CELERY=filesystem_broker(tmp_path / "broker"), BEAT_STALE_SECONDS=300)
    beat_ran(app, seconds_ago=10)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["redis"], body["broker"], body["beat"]) == ("not configured", "folder", "ok")
    assert (tmp_path / "beat-heartbeat").exists()
