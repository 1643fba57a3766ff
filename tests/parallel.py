"""Requests sent at the same moment: each from its own test client (a browser of its own or a
copy of one), in its own thread, released together by a barrier. The app's password hashing
releases the GIL, so the requests really overlap where a limit could be raced."""

import random
import threading
import uuid

from flask.testing import FlaskClient


def random_address() -> str:
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


def copy_of(app, client: FlaskClient, address: str | None = None) -> FlaskClient:
    """Another client holding the same cookies: the same browser, or its stolen cookies."""
    other = app.test_client()
    names = ("SESSION_COOKIE_NAME", "REMEMBER_COOKIE_NAME", "KNOWN_DEVICE_COOKIE_NAME")
    for name in (app.config.get(setting) for setting in names):
        cookie = client.get_cookie(name) if name else None
        if cookie is not None:
            other.set_cookie(cookie.key, cookie.value)
    other.environ_base["REMOTE_ADDR"] = address or client.environ_base.get(
        "REMOTE_ADDR", "127.0.0.1"
    )
    return other


def post_at_once(clients: list[FlaskClient], path: str | list[str], forms: list[dict]) -> list[int]:
    """POST forms[i] from clients[i] (to path, or to path[i]), all at the same moment; the
    statuses, in order."""
    assert len(clients) == len(forms)
    paths = path if isinstance(path, list) else [path] * len(clients)
    barrier = threading.Barrier(len(clients))
    statuses: list[int | None] = [None] * len(clients)

    def send(index: int) -> None:
        barrier.wait()
        statuses[index] = clients[index].post(paths[index], data=forms[index]).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def own_prefix() -> dict:
    """Settings for a test that counts in the shared Redis: keys no other test reads."""
    return {"RATELIMIT_KEY_PREFIX": f"coop-test-{uuid.uuid4().hex[:12]}"}
