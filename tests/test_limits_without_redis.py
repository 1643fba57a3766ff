"""Redis down (issue 18, item 10): the site keeps working, the limits are kept in memory for
the duration, and the outage is logged once. The test starts its own Redis on its own port
and stops it; the shared one is never touched."""

import logging
import shutil
import subprocess
import time

import pytest
import redis

from tests.factories import client_for
from tests.support import PASSWORD, csrf_token, free_port, make_member

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


class OwnRedis:
    def __init__(self, port: int):
        self.port, self.process = port, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def keys(self) -> list[bytes]:
        return redis.Redis(port=self.port).keys("*")


@pytest.fixture
def own_redis():
    server = OwnRedis(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(app_factory, own_redis):
    return app_factory(
        RATELIMIT_STORAGE_URI=own_redis.url,
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.5, "retry_seconds": 0.3},
        LIMIT_SIGNIN_PER_ACCOUNT="3 per 15 minutes",
    )


def outage_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Rate-limit storage" in r.getMessage()]


def test_with_redis_stopped_the_site_answers_and_still_limits(app, own_redis, caplog):
    make_member(app)
    member = client_for(app, "member@example.org")
    assert own_redis.keys()  # the limits were counted in Redis

    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="coop.limits")

    visitor = app.test_client()
    token = csrf_token(visitor, "/sign-in")
    wrong = {"csrf_token": token, "email": "member@example.org", "password": "a wrong guess"}
    statuses = [visitor.post("/sign-in", data=wrong).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]  # sign-in works, and its cap holds in memory
    assert visitor.post("/join", data={"csrf_token": token}).status_code == 400  # a form
    assert member.get("/account").status_code == 200  # a member's page
    export = {"csrf_token": csrf_token(member, "/account"), "password": PASSWORD}
    assert member.post("/account/export", data=export).status_code == 302  # a member action
    assert app.test_client().get("/api/v1/ideas").status_code == 200  # the API
    assert len(outage_warnings(caplog)) == 1  # one line for the whole outage


def test_when_redis_answers_again_the_limits_go_back_to_it(app, own_redis, caplog):
    make_member(app)
    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="coop.limits")
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    wrong = {"csrf_token": token, "email": "member@example.org", "password": "a wrong guess"}
    assert client.post("/sign-in", data=wrong).status_code == 400

    own_redis.start()
    time.sleep(0.4)  # past retry_seconds
    assert client.post("/sign-in", data=wrong).status_code == 400

    assert own_redis.keys()  # counted in Redis again
    assert len(outage_warnings(caplog)) == 2  # gone, and back
    assert "answers again" in outage_warnings(caplog)[1]


def test_an_app_starts_while_redis_is_down(app_factory):
    app = app_factory(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    data = {"csrf_token": token, "email": "nobody@example.org", "password": "a guess"}
    assert client.post("/sign-in", data=data).status_code == 400
