from datetime import UTC, datetime, timedelta

import time_machine

from tests.factories import client_for
from tests.support import (
    CSRF_RE,
    PASSWORD,
    body_of,
    load_member,
    make_member,
    sign_in,
    submit,
)

NEW_PASSWORD = "a brand new tidy password"


def ask_for_reset(client, email: str = "member@example.org"):
    return submit(client, "/forgot-password", {"email": email})


def test_reset_link_lets_the_member_choose_a_new_password(app, client, outbox):
    make_member(app)
    ask_for_reset(client)
    link = outbox.last_link("member@example.org")

    response = submit(client, link, {"password": NEW_PASSWORD})

    assert response.headers["Location"] == "/sign-in"
    assert sign_in(client, password=PASSWORD).status_code == 400
    assert sign_in(client, password=NEW_PASSWORD).status_code == 302
    assert outbox.to("member@example.org")[-1]["Subject"] == "Your password was changed"


def test_reset_answers_the_same_for_unknown_addresses_and_sends_nothing(app, client, outbox):
    make_member(app)
    known = ask_for_reset(client, "member@example.org")
    unknown = ask_for_reset(client, "stranger@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/check-your-email/reset"
    assert outbox.to("stranger@example.org") == []
    assert len(outbox.to("member@example.org")) == 1


def test_a_reset_link_works_only_once(app, client, outbox):
    make_member(app)
    ask_for_reset(client)
    link = outbox.last_link("member@example.org")
    submit(client, link, {"password": NEW_PASSWORD})
    response = client.get(link)
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)


def test_a_reset_link_expires_after_an_hour(app, client, outbox):
    make_member(app)
    ask_for_reset(client)
    link = outbox.last_link("member@example.org")
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=61)):
        response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, client, outbox):
    make_member(app)
    ask_for_reset(client)
    link = outbox.last_link("member@example.org")
    response = submit(client, link, {"password": "123456789012"})
    assert response.status_code == 400
    assert "too easy to guess" in response.get_data(as_text=True)
    assert submit(client, link, {"password": NEW_PASSWORD}).status_code == 302


def test_a_reset_ends_every_existing_session(app, client, outbox):
    make_member(app)
    other_device = client_for(app, "member@example.org", remember="y")
    ask_for_reset(client)
    submit(client, outbox.last_link("member@example.org"), {"password": NEW_PASSWORD})
    assert other_device.get("/account").status_code == 302


def test_resetting_confirms_an_unverified_address(app, client, outbox):
    make_member(app, verified=False)
    ask_for_reset(client)
    submit(client, outbox.last_link("member@example.org"), {"password": NEW_PASSWORD})
    assert load_member(app, "member@example.org").is_verified


def test_email_links_use_base_url_not_the_host_header(app, outbox):
    make_member(app)
    client = app.test_client()
    evil = {"Host": "evil.example"}
    page = client.get("/forgot-password", headers=evil).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = client.post(
        "/forgot-password",
        data={"csrf_token": token, "email": "member@example.org"},
        headers=evil,
    )
    assert response.status_code == 302
    body = body_of(outbox.to("member@example.org")[-1])
    assert "evil.example" not in body
    assert "http://localhost/reset-password/" in body


def test_reset_requests_do_the_same_work_for_known_and_unknown_addresses(app_factory):
    """The lookup happens in the worker, so the request cannot be timed to find accounts."""
    from config import celery_settings
    from tests.support import count_queries

    app = app_factory(CELERY=celery_settings("memory://"))  # queued, not run
    make_member(app)
    client = app.test_client()
    known = count_queries(app, lambda: ask_for_reset(client, "member@example.org"))
    unknown = count_queries(app, lambda: ask_for_reset(client, "stranger@example.org"))
    assert known == unknown
