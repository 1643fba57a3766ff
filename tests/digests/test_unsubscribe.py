"""One-click unsubscribe (RFC 8058), the visible link, and the choice in settings."""

import pytest

from coop.accounts.services import find_by_email
from coop.extensions import db
from tests.digests.helpers import run_digests
from tests.factories import client_for
from tests.support import make_idea, make_member, path_of, smtp_settings, submit


@pytest.fixture
def mail_app(app_factory, smtp_server):
    app = app_factory(**smtp_settings(smtp_server.port))
    make_member(app, email="rosa@example.org", name="Rosa")
    make_member(app, email="sam@example.org", name="Sam")
    make_idea(app, "sam@example.org", "Something to read")
    return app


def frequency_of(app, email: str) -> str:
    with app.app_context():
        return find_by_email(email).digest_frequency


def unsubscribe_path(smtp_server) -> str:
    [message] = [m for m in smtp_server.messages if m["To"] == "rosa@example.org"]
    return path_of(message["List-Unsubscribe"].strip("<>"))


def test_one_click_post_without_cookie_or_token_unsubscribes_at_once(mail_app, smtp_server):
    run_digests(mail_app)
    path = unsubscribe_path(smtp_server)
    mail_client = mail_app.test_client(use_cookies=False)
    response = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Location" not in response.headers
    assert frequency_of(mail_app, "rosa@example.org") == "none"
    make_idea(mail_app, "sam@example.org", "More news")
    run_digests(mail_app, "weekly")
    assert [m["To"] for m in smtp_server.messages].count("rosa@example.org") == 1


def test_following_the_link_changes_nothing_until_the_button_is_pressed(mail_app, smtp_server):
    run_digests(mail_app)
    path = unsubscribe_path(smtp_server)
    client = mail_app.test_client()
    page = client.get(path)  # what a mail scanner does
    assert page.status_code == 200 and b"Stop digest emails" in page.data
    assert frequency_of(mail_app, "rosa@example.org") == "weekly"
    done = client.post(path)  # the button on that page, from a browser without signing in
    assert done.status_code == 200 and b"You are unsubscribed" in done.data
    assert frequency_of(mail_app, "rosa@example.org") == "none"
    assert client.post(path).status_code == 200  # a second click is harmless


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_refused_with_a_clear_message(mail_app, smtp_server, method):
    run_digests(mail_app)
    path = unsubscribe_path(smtp_server)
    response = getattr(mail_app.test_client(), method)(path[:-3] + "xyz")
    assert response.status_code == 400 and b"not valid" in response.data
    assert frequency_of(mail_app, "rosa@example.org") == "weekly"


def test_a_link_from_another_purpose_does_not_unsubscribe(mail_app):
    from coop.security import make_token

    with mail_app.app_context():
        rosa = find_by_email("rosa@example.org")
        token = make_token("password-reset", {"m": rosa.id})
    response = mail_app.test_client().post(f"/digests/unsubscribe/{token}")
    assert response.status_code == 400
    assert frequency_of(mail_app, "rosa@example.org") == "weekly"


def test_a_former_members_link_answers_without_error(mail_app, smtp_server):
    run_digests(mail_app)
    path = unsubscribe_path(smtp_server)
    with mail_app.app_context():
        db.session.delete(find_by_email("rosa@example.org"))
        db.session.commit()
    response = mail_app.test_client().post(path)
    assert response.status_code == 200 and b"no longer exists" in response.data


def test_members_choose_daily_weekly_or_none_in_settings(mail_app):
    client = client_for(mail_app, "rosa@example.org")
    page = client.get("/account")
    assert b'name="digest_frequency" value="weekly" checked' in page.data
    response = submit(client, "/account", {"digest_frequency": "daily"}, action="/account/digest")
    assert response.status_code == 302
    assert frequency_of(mail_app, "rosa@example.org") == "daily"
    assert b"You will get a daily digest." in client.get("/account").data


def test_an_unknown_frequency_is_refused(mail_app):
    client = client_for(mail_app, "rosa@example.org")
    response = submit(client, "/account", {"digest_frequency": "hourly"}, action="/account/digest")
    assert response.status_code == 400 and b"Choose daily, weekly or no digest." in response.data
    assert frequency_of(mail_app, "rosa@example.org") == "weekly"


def test_changing_the_digest_needs_the_csrf_token(mail_app):
    client = client_for(mail_app, "rosa@example.org")
    response = client.post("/account/digest", data={"digest_frequency": "none"})
    assert response.status_code == 400
    assert frequency_of(mail_app, "rosa@example.org") == "weekly"
