from tests.factories import client_for, signed_in
from tests.support import PASSWORD, load_member, make_member, sign_in, submit

NEW_PASSWORD = "another quite long phrase"


def test_changing_the_password_needs_the_current_one(app):
    client = signed_in(app)
    response = submit(
        client,
        "/account",
        {"current_password": "wrong guess here", "password": NEW_PASSWORD},
        action="/account/password",
    )
    assert response.status_code == 400
    assert "current password is not right" in response.get_data(as_text=True)
    assert load_member(app, "member@example.org").password_hash
    assert sign_in(app.test_client(), password=PASSWORD).status_code == 302


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, outbox):
    client = signed_in(app)
    other = client_for(app, "member@example.org")
    response = submit(
        client,
        "/account",
        {"current_password": PASSWORD, "password": NEW_PASSWORD},
        action="/account/password",
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 302
    assert outbox.to("member@example.org")[-1]["Subject"] == "Your password was changed"


def test_changing_email_switches_only_after_the_new_address_is_confirmed(app, outbox):
    client = signed_in(app)
    response = submit(
        client,
        "/account",
        {"email": "new@example.org", "password": PASSWORD},
        action="/account/email",
    )
    assert response.headers["Location"] == "/check-your-email/change"
    assert load_member(app, "member@example.org") is not None

    submit(client, outbox.last_link("new@example.org"))

    assert load_member(app, "member@example.org") is None
    assert load_member(app, "new@example.org").is_verified
    assert outbox.to("member@example.org")[-1]["Subject"] == "Your email address was changed"


def test_an_email_change_link_works_once(app, outbox):
    client = signed_in(app)
    submit(
        client,
        "/account",
        {"email": "new@example.org", "password": PASSWORD},
        action="/account/email",
    )
    link = outbox.last_link("new@example.org")
    submit(client, link)
    assert submit(client, link).status_code == 400


def test_changing_to_an_address_taken_meanwhile_is_a_conflict(app, outbox):
    client = signed_in(app)
    submit(
        client,
        "/account",
        {"email": "new@example.org", "password": PASSWORD},
        action="/account/email",
    )
    make_member(app, email="new@example.org", name="Quicker")
    response = submit(client, outbox.last_link("new@example.org"))
    assert response.status_code == 409
    assert load_member(app, "member@example.org") is not None


def test_changing_email_needs_the_password(app, outbox):
    client = signed_in(app)
    response = submit(
        client,
        "/account",
        {"email": "new@example.org", "password": "nope nope"},
        action="/account/email",
    )
    assert response.status_code == 400
    assert 'id="email-password-error"' in response.get_data(as_text=True)
    assert outbox.to("new@example.org") == []


def test_settings_forms_require_a_signed_in_member(client):
    response = client.post("/account/password", data={})
    assert response.status_code in (302, 400)
    assert client.get("/account").status_code == 302


def test_a_pending_email_change_dies_when_the_member_signs_out_everywhere(app, outbox):
    client = signed_in(app)
    submit(
        client,
        "/account",
        {"email": "thief@example.org", "password": PASSWORD},
        action="/account/email",
    )
    link = outbox.last_link("thief@example.org")
    submit(client, "/account", action="/account/sign-out-everywhere")
    response = submit(app.test_client(), link)
    assert response.status_code == 400
    assert load_member(app, "member@example.org") is not None


def test_an_old_email_change_link_cannot_be_replayed_after_changing_back(app, outbox):
    client = signed_in(app)
    submit(
        client,
        "/account",
        {"email": "b@example.org", "password": PASSWORD},
        action="/account/email",
    )
    to_b = outbox.last_link("b@example.org")
    submit(client, to_b)
    sign_in(client, "b@example.org")
    submit(
        client,
        "/account",
        {"email": "member@example.org", "password": PASSWORD},
        action="/account/email",
    )
    submit(client, outbox.last_link("member@example.org"))
    assert submit(app.test_client(), to_b).status_code == 400
    assert load_member(app, "member@example.org") is not None


def test_guessing_the_current_password_in_settings_is_limited(app):
    client = signed_in(app)
    statuses = [
        submit(
            client,
            "/account",
            {"current_password": f"guess number {i}", "password": NEW_PASSWORD},
            action="/account/password",
        ).status_code
        for i in range(11)
    ]
    assert statuses == [400] * 10 + [429]


def test_a_new_password_may_not_contain_the_email_name(app):
    client = signed_in(app)
    response = submit(
        client,
        "/account",
        {"current_password": PASSWORD, "password": "member-member-2024!"},
        action="/account/password",
    )
    assert response.status_code == 400
    assert "name or email" in response.get_data(as_text=True)
