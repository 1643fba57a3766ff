def test_healthz_reports_the_database_and_unconfigured_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthz_reports_a_reachable_redis(app_factory, redis_url):
    client = app_factory(REDIS_URL=redis_url).test_client()
    body = client.get("/healthz").get_json()
    assert body["redis"] == "ok"


def test_healthz_fails_when_redis_is_unreachable(app_factory):
    client = app_factory(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "unreachable"


def test_healthz_fails_when_the_database_is_unreachable(app_factory, tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    client = app_factory(SQLALCHEMY_DATABASE_URI=url).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
