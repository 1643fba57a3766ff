from datetime import UTC, datetime, timedelta

import time_machine
from argon2 import PasswordHasher
from sqlalchemy import update

from coop.accounts.models import Member
from coop.extensions import db
from tests.factories import client_for
from tests.support import PASSWORD, load_member, make_member, sign_in, submit


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_signing_in_with_the_right_password_works(app, client):
    make_member(app)
    response = sign_in(client)
    assert response.status_code == 302
    assert is_signed_in(client)
    assert load_member(app, "member@example.org").last_sign_in_at is not None


def test_email_is_matched_whatever_its_case(app, client):
    make_member(app)
    sign_in(client, "  Member@EXAMPLE.org ")
    assert is_signed_in(client)


def test_wrong_password_and_unknown_address_get_the_same_message(app, client):
    make_member(app)
    wrong = sign_in(client, password="not the password at all")
    unknown = sign_in(client, email="nobody@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "do not match an account" in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_account_page_needs_a_signed_in_member(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_sign_in_returns_to_a_local_next_page_only(app, client):
    make_member(app)
    token_page = "/sign-in?next=/account"
    response = submit(client, token_page, {"email": "member@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/account"
    client.post("/sign-out", data={"csrf_token": ""})
    evil = "/sign-in?next=//evil.example/steal"
    response = submit(client, evil, {"email": "member@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_sign_out_is_post_only(app, client):
    make_member(app)
    sign_in(client)
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert is_signed_in(client)
    submit(client, "/account", action="/sign-out")
    assert not is_signed_in(client)


def test_sign_in_starts_a_fresh_session(app, client):
    make_member(app)
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_signing_out_everywhere_ends_other_sessions(app):
    make_member(app)
    laptop = client_for(app, "member@example.org")
    phone = client_for(app, "member@example.org", remember="y")
    submit(laptop, "/account", action="/account/sign-out-everywhere")
    assert not is_signed_in(laptop)
    assert not is_signed_in(phone)


def test_remember_me_survives_the_end_of_the_browser_session(app):
    make_member(app)
    client = client_for(app, "member@example.org", remember="y")
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    assert is_signed_in(client)


def test_without_remember_me_no_lasting_cookie_is_set(app, client):
    make_member(app)
    sign_in(client)
    assert client.get_cookie("remember_token") is None


def test_an_idle_session_expires(app, client):
    make_member(app)
    sign_in(client)
    later = datetime.now(UTC) + timedelta(minutes=61)
    with time_machine.travel(later):
        response = client.get("/account", follow_redirects=True)
    assert "signed out after a period of inactivity" in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_an_active_session_does_not_expire(app, client):
    make_member(app)
    sign_in(client)
    now = datetime.now(UTC)
    for minutes in (40, 80, 120):
        with time_machine.travel(now + timedelta(minutes=minutes)):
            assert is_signed_in(client)


def test_password_hash_is_upgraded_at_sign_in_when_parameters_change(app, client):
    make_member(app)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db.session.execute(update(Member).values(password_hash=weak))
        db.session.commit()
    sign_in(client)
    upgraded = load_member(app, "member@example.org").password_hash
    assert upgraded != weak
    assert "m=19456,t=2,p=1" in upgraded


def test_production_parameters_meet_owasp_minimums():
    from config import ProductionConfig

    assert ProductionConfig.ARGON2_MEMORY_KIB >= 19 * 1024
    assert ProductionConfig.ARGON2_TIME_COST >= 2


def test_the_password_never_reaches_the_logs(app, client, caplog):
    make_member(app)
    caplog.set_level("DEBUG")
    sign_in(client, password="a wrong but secret guess")
    sign_in(client)
    assert "secret guess" not in caplog.text
    assert PASSWORD not in caplog.text


def test_signing_out_also_forgets_remember_me(app, client):
    make_member(app)
    sign_in(client, remember="y")
    submit(client, "/account", action="/sign-out")
    assert client.get_cookie("remember_token") is None
    assert not is_signed_in(client)


def test_failed_sign_ins_with_other_spellings_of_an_address_share_one_limit(app, client):
    make_member(app, email="t@example.org")
    spellings = ["t@example.org", "T@EXAMPLE.ORG", "t@\uff45xample.org", " t@Example.Org "]
    statuses = [
        sign_in(app.test_client(), spellings[i % 4], password="wrong guess here").status_code
        for i in range(11)
    ]
    assert statuses == [400] * 10 + [429]


def test_a_successful_sign_in_does_not_count_towards_the_account_limit(app):
    make_member(app)
    statuses = [sign_in(app.test_client()).status_code for _ in range(12)]
    assert statuses == [302] * 12
