"""One check for every `next` (coop/web.py safe_next): never a redirect to another host,
whatever a browser makes of tabs, newlines, backslashes or percent-encoding."""

from urllib.parse import urlencode

import pytest
from sqlalchemy import update

from coop.accounts.models import Member, Role
from coop.extensions import db
from coop.web import safe_next
from tests.support import PASSWORD, TOTP_SECRET, make_member, sign_in, submit

ELSEWHERE = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "//evil.example",
    "///evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%2f%2fevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " /evil.example",
    "/\u200b/evil.example",
    "/\u202e/evil.example",
    "/\x00/evil.example",
    "",
]
LOCAL = ["/account", "/ideas?sort=newest&page=2", "/ideas/12-a-title#comments"]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_next_that_could_leave_the_site_goes_home(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


@pytest.mark.parametrize("target", LOCAL)
def test_a_next_on_this_site_is_kept(app, target):
    with app.test_request_context():
        assert safe_next(target) == target


def test_the_privacy_notice_never_sends_a_member_to_another_site(app, client):
    """The reported case: GET /privacy/accept?next=/%09/evil.example answered
    Location: //evil.example."""
    make_member(app)
    sign_in(client)
    raw = client.get("/privacy/accept?next=/%09/evil.example")
    assert raw.status_code == 302 and raw.headers["Location"] == "/"
    for target in ELSEWHERE:
        response = client.get("/privacy/accept", query_string={"next": target})
        assert response.headers["Location"] == "/", target


def test_accepting_a_new_notice_never_sends_a_member_to_another_site(app, client):
    make_member(app)
    sign_in(client)
    expected = {"/%09/evil.example": "/", "/\\evil.example": "/", "/\n/evil.example": "/",
                "/account": "/account"}  # fmt: skip
    for target, location in expected.items():
        with app.app_context():
            db.session.execute(update(Member).values(privacy_notice_version="old"))
            db.session.commit()
        response = submit(client, "/privacy/accept", {"accept": "yes", "next": target})
        assert response.headers["Location"] == location, target


@pytest.mark.parametrize("target", ["/\t/evil.example", "/%09/evil.example", "/\\evil.example"])
def test_signing_in_never_sends_a_member_to_another_site(app, client, target):
    make_member(app)
    page = "/sign-in?" + urlencode({"next": target})
    response = submit(client, page, {"email": "member@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_the_two_step_code_never_sends_a_member_to_another_site(app, client):
    import pyotp

    make_member(app, email="org@example.org", role=Role.ORGANISER)
    page = "/sign-in?" + urlencode({"next": "/\t/evil.example"})
    first = submit(client, page, {"email": "org@example.org", "password": PASSWORD})
    assert first.headers["Location"] == "/sign-in/code"
    response = submit(client, "/sign-in/code", {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.headers["Location"] == "/"
