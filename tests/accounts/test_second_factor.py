import re
from datetime import UTC, datetime, timedelta

import pyotp
import time_machine

from coop.accounts.models import Role
from coop.extensions import db
from tests.factories import organiser_without_two_step
from tests.support import PASSWORD, TOTP_SECRET, load_member, make_member, submit


def password_step(client, email: str):
    page = submit(client, "/sign-in", {"email": email, "password": PASSWORD})
    assert page.headers["Location"] == "/sign-in/code"
    return page


def enter_code(client, code: str):
    return submit(client, "/sign-in/code", {"code": code})


def test_an_organiser_without_two_step_sign_in_has_no_powers(app):
    client = organiser_without_two_step(app)
    home = client.get("/").get_data(as_text=True)
    assert "powers are off until you" in home
    assert client.get("/moderation").status_code == 403
    assert client.get("/organise/topics").status_code == 403


def test_setting_up_two_step_sign_in_turns_the_powers_on(app):
    client = organiser_without_two_step(app)
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    wrong = submit(client, "/account/two-step", {"code": "000000"})
    assert wrong.status_code == 400
    right = submit(
        client, "/account/two-step", {"code": pyotp.TOTP(secret).now(), "password": PASSWORD}
    )
    codes = re.findall(
        r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", right.get_data(as_text=True)
    )
    assert len(codes) == 10
    assert client.get("/moderation").status_code == 200  # still signed in, powers on
    assert load_member(app, "org@example.org").totp_secret == secret


def test_sign_in_asks_for_the_code_and_refuses_a_wrong_one(app):
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    client = app.test_client()
    password_step(client, "org@example.org")
    assert client.get("/account").status_code == 302  # not signed in yet
    assert enter_code(client, "123456").status_code == 400
    assert enter_code(client, pyotp.TOTP(TOTP_SECRET).now()).status_code == 302
    assert client.get("/account").status_code == 200


def test_a_recovery_code_works_once(app):
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    with app.app_context():
        from coop.accounts import second_factor

        member = db.session.merge(load_member(app, "org@example.org"))
        member.totp_secret = None
        [code, *_] = second_factor.enable(
            member, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).now(), PASSWORD
        )
        db.session.commit()
    first = app.test_client()
    password_step(first, "org@example.org")
    assert enter_code(first, code).status_code == 302
    second = app.test_client()
    password_step(second, "org@example.org")
    assert enter_code(second, code).status_code == 400


def test_the_code_step_expires_after_five_minutes(app):
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    client = app.test_client()
    password_step(client, "org@example.org")
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6)):
        response = client.get("/sign-in/code")
    assert response.headers["Location"] == "/sign-in"


def test_guessing_codes_is_rate_limited(app):
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    client = app.test_client()
    password_step(client, "org@example.org")
    statuses = [enter_code(client, f"{n:06d}").status_code for n in range(11)]
    assert statuses[-1] == 429
    assert statuses[:10] == [400] * 10


def test_members_without_two_step_sign_in_go_straight_in(app):
    make_member(app)
    response = submit(app.test_client(), "/sign-in",
                      {"email": "member@example.org", "password": PASSWORD})  # fmt: skip
    assert response.headers["Location"] == "/"


def test_a_code_is_accepted_only_once(app_factory):
    app = app_factory(TOTP_REPLAY_PROTECTION=True)
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    code = pyotp.TOTP(TOTP_SECRET).now()
    first, second = app.test_client(), app.test_client()
    password_step(first, "org@example.org")
    assert enter_code(first, code).status_code == 302
    password_step(second, "org@example.org")
    assert enter_code(second, code).status_code == 400
