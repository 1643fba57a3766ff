from datetime import UTC, datetime, timedelta

import time_machine

from tests.support import PASSWORD, csrf_token, join_data, load_member, make_member, sign_in, submit

WITH_PASSWORD = {"password": PASSWORD}


def join_and_get_link(client, outbox, **changes) -> str:
    submit(client, "/join", join_data(**changes))
    return outbox.last_link("rosa@example.org")


def open_and_confirm(client, link: str, data: dict) -> list:
    """Open a link that cannot be used (it says so at once, with no form), and confirm it
    anyway, as from its page opened while it still worked: both answers."""
    opened = client.get(link)
    confirmed = client.post(link, data={"csrf_token": csrf_token(client, "/sign-in"), **data})
    return [opened, confirmed]


def test_following_the_link_and_confirming_verifies_the_member(app, client, outbox):
    link = join_and_get_link(client, outbox)
    assert "Confirm" in client.get(link).get_data(as_text=True)

    response = submit(client, link, WITH_PASSWORD)

    assert response.status_code == 302
    assert load_member(app, "rosa@example.org").is_verified


def test_confirming_needs_the_password_so_an_address_owner_cannot_confirm_a_stranger(
    app, client, outbox
):
    """Someone joins with Rosa's address and a password of their own; Rosa gets the email
    and follows the link. Without the stranger's password she cannot confirm their account
    (which they could then sign in to): she is told to choose her own password instead."""
    link = join_and_get_link(client, outbox, password="a stranger's own passphrase")
    rosa = app.test_client()

    for data in ({}, WITH_PASSWORD):
        response = submit(rosa, link, data)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Choose your own password" in html
    assert "That is not the password of this account" in html
    assert not load_member(app, "rosa@example.org").is_verified


def test_a_browser_signed_in_to_the_account_confirms_without_the_password_again(
    app, client, outbox
):
    link = join_and_get_link(client, outbox)
    sign_in(client, "rosa@example.org")

    response = submit(client, link)

    assert response.status_code == 302
    assert load_member(app, "rosa@example.org").is_verified


def test_opening_the_link_without_confirming_changes_nothing(app, client, outbox):
    link = join_and_get_link(client, outbox)
    client.get(link)
    assert not load_member(app, "rosa@example.org").is_verified


def test_a_used_link_says_so(app, client, outbox):
    link = join_and_get_link(client, outbox)
    submit(client, link, WITH_PASSWORD)
    for response in open_and_confirm(client, link, WITH_PASSWORD):
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        assert "already been used" in html
        assert "There is a problem with this link" in html
        assert 'href="/resend-verification"' in html


def test_an_expired_link_is_refused(app, client, outbox):
    link = join_and_get_link(client, outbox)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=49)):
        responses = open_and_confirm(client, link, WITH_PASSWORD)
    for response in responses:
        assert response.status_code == 400
        assert "expired" in response.get_data(as_text=True)
    assert not load_member(app, "rosa@example.org").is_verified


def test_a_forged_link_is_refused(app, client, outbox):
    link = join_and_get_link(client, outbox)
    for response in open_and_confirm(client, link[:-3] + "abc", WITH_PASSWORD):
        assert response.status_code == 400
        assert "not valid" in response.get_data(as_text=True)
    assert not load_member(app, "rosa@example.org").is_verified


def test_an_unverified_member_can_sign_in_and_is_shown_how_to_resend(app, client, outbox):
    join_and_get_link(client, outbox)
    sign_in(client, "rosa@example.org")
    html = client.get("/").get_data(as_text=True)
    assert "Please confirm your email address to take part" in html
    assert 'href="/resend-verification"' in html
    member = load_member(app, "rosa@example.org")
    assert not member.can_contribute


def test_resending_sends_a_new_link_that_works(app, client, outbox):
    make_member(app, email="late@example.org", verified=False)
    response = submit(client, "/resend-verification", {"email": "late@example.org"})
    assert response.headers["Location"] == "/check-your-email/resend"
    submit(client, outbox.last_link("late@example.org"), WITH_PASSWORD)
    assert load_member(app, "late@example.org").is_verified


def test_resend_answers_the_same_for_unknown_and_verified_addresses(app, client, outbox):
    make_member(app, email="done@example.org")
    for email in ("nobody@example.org", "done@example.org"):
        response = submit(client, "/resend-verification", {"email": email})
        assert response.status_code == 302
        assert response.headers["Location"] == "/check-your-email/resend"
    assert outbox.messages() == []


def test_a_link_for_an_address_since_changed_is_refused(app, client, outbox):
    link = join_and_get_link(client, outbox)
    from coop.accounts.models import Member
    from coop.extensions import db

    with app.app_context():
        member = db.session.query(Member).one()
        member.email = "other@example.org"
        db.session.commit()
    for response in open_and_confirm(client, link, WITH_PASSWORD):
        assert response.status_code == 400
    assert not load_member(app, "other@example.org").is_verified
