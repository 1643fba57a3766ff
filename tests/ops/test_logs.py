"""Request ids and JSON log lines: every request has an id, and a line names the request,
not the person (no address, password, name or token in any line of a sign-in)."""

import io
import json
import logging
import re
import sys

import pytest

from coop.ops import logs
from tests.support import PASSWORD, make_member, sign_in


@pytest.fixture
def json_lines(app_factory):
    """An app logging JSON (with a line per request), and the lines it writes."""
    stream = io.StringIO()
    app = app_factory(LOG_FORMAT="json", LOG_REQUESTS=1)
    logs.handler.setStream(stream)
    yield app, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logs.handler.setStream(sys.stderr)
    logging.getLogger().removeHandler(logs.handler)


def test_a_well_formed_incoming_request_id_is_kept_and_returned(client):
    response = client.get("/healthz", headers={"X-Request-ID": "f3a9c2e1b0d44c5e8a7b6c5d4e3f2a1b"})
    assert response.headers["X-Request-ID"] == "f3a9c2e1b0d44c5e8a7b6c5d4e3f2a1b"


@pytest.mark.parametrize(
    "incoming", [None, "", "short", "a b c d e f g h", "<script>x</script>", "é" * 20]
)
def test_a_request_without_a_usable_id_is_given_a_new_one(client, incoming):
    headers = {"X-Request-ID": incoming} if incoming is not None else {}
    first = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    second = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_error_pages_carry_the_request_id_too(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "trace-0001-abc"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "trace-0001-abc"


def test_with_log_format_json_each_line_is_an_object_naming_its_request(json_lines):
    app, lines = json_lines
    response = app.test_client().get("/", headers={"X-Request-ID": "req-1234-home"})
    assert response.status_code == 200
    [line] = [line for line in lines() if line["logger"] == "coop.requests"]
    assert {"time", "level", "logger", "message", "request_id"} <= set(line)
    assert line["request_id"] == "req-1234-home"
    assert line["level"] == "INFO"
    assert (line["method"], line["endpoint"], line["status"]) == ("GET", "site.home", 200)
    assert line["message"].startswith("GET site.home 200 ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_a_line_logged_inside_a_request_carries_its_id(json_lines):
    app, lines = json_lines
    with app.test_request_context("/", headers={"X-Request-ID": "inside-req-42"}):
        app.preprocess_request()
        logging.getLogger("coop.anything").warning("something to say")
    [line] = [line for line in lines() if line["logger"] == "coop.anything"]
    assert (line["request_id"], line["message"], line["level"]) == (
        "inside-req-42", "something to say", "WARNING")  # fmt: skip


def test_no_personal_data_or_token_in_the_lines_of_a_sign_in(json_lines):
    app, lines = json_lines
    make_member(app, email="secret.person@example.org", name="Persephone Private")
    client = app.test_client()
    failed = sign_in(client, email="secret.person@example.org", password="wrong password 123")
    assert failed.status_code == 400  # the form again, with its error
    assert sign_in(client, email="secret.person@example.org").status_code == 302
    client.get("/verify/VerySecretTokenValue123")  # a link's token in the path
    logging.getLogger("werkzeug").info("GET /verify/VerySecretTokenValue123 HTTP/1.1")
    written = lines()
    assert [line["endpoint"] for line in written if line["logger"] == "coop.requests"] == [
        "accounts.sign_in", "accounts.sign_in", "accounts.sign_in", "accounts.sign_in",
        "accounts.verify_email",
    ]  # fmt: skip
    text = json.dumps(written)
    for secret in ("secret.person", "Persephone", "wrong password", PASSWORD,
                   "VerySecretTokenValue123"):  # fmt: skip
        assert secret not in text
    assert "/verify/[token]" in text
