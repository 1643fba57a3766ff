"""A link's token opens an account (confirm an address, reset a password, change the email,
unsubscribe) for as long as it is valid: the development server's access log, where every
request's path is written, shows "[token]" in its place."""

import logging
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from werkzeug.serving import make_server

from tests.support import free_port

TOKEN_PATHS = [
    "/verify/{}",
    "/reset-password/{}",
    "/account/email/confirm/{}",
    "/digests/unsubscribe/{}",
    "/account/export/download?token={}",
]


@pytest.fixture
def served(app):
    """The app behind werkzeug's development server, as `make run` serves it."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join()


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as response:  # noqa: S310 - our own test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_the_access_log_line_of_a_token_link_does_not_hold_the_token(served, caplog, path):
    token = f"Tk{uuid.uuid4().hex}.Zx-9_{uuid.uuid4().hex}"
    with caplog.at_level(logging.INFO, "werkzeug"):
        get(served + path.format(token))
        get(served + "/ideas")

    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert f"GET {path.format('[token]')} HTTP/1.1" in "\n".join(lines)
    assert not any(token in line for line in lines)  # nor in a redirect's ?next=
    assert any("GET /ideas " in line for line in lines)  # other paths are logged as they are
