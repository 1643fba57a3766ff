"""Sign-in limits under simultaneous requests and against a targeted lockout, and the
change-of-email limits (issue 18, items 5, 8 and 9), on the real Redis.

Needs the changes to coop/accounts/views.py and coop/templates/accounts/email/change_email.txt
that go with coop/limits.py's `attempts` and known devices."""

import pyotp
import pytest

from coop.accounts.models import Role
from tests.factories import client_for
from tests.parallel import copy_of, own_prefix, post_at_once, random_address
from tests.support import (
    PASSWORD,
    TOTP_SECRET,
    body_of,
    csrf_token,
    make_member,
    sign_in,
    submit,
)

OWNER = "owner@example.org"
CAP = 10


@pytest.fixture
def app(app_factory, redis_url):
    return app_factory(
        RATELIMIT_STORAGE_URI=redis_url,
        LIMIT_SIGNIN_PER_ACCOUNT=f"{CAP} per 15 minutes",
        LIMIT_SIGNIN_PER_IP="1000 per minute",
        # Flask-Limiter's own keys (reset per account) outlive a test in Redis: not measured here.
        LIMIT_RESET_PER_ACCOUNT="1000 per hour",
        **own_prefix(),
    )


def stranger(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = random_address()
    return client


def try_password(client, password: str, email: str = OWNER) -> int:
    return sign_in(client, email, password).status_code


def lock_out_strangers(app) -> None:
    """Someone else sends wrong passwords for the owner's account from many addresses."""
    statuses = [try_password(stranger(app), f"guess {n}") for n in range(CAP + 1)]
    assert statuses == [400] * CAP + [429]


def test_fourteen_wrong_passwords_at_once_get_ten_answers(app):
    make_member(app, email=OWNER)
    clients = [stranger(app) for _ in range(14)]
    forms = [
        {"csrf_token": csrf_token(client, "/sign-in"), "email": OWNER, "password": f"guess {n}"}
        for n, client in enumerate(clients)
    ]

    statuses = post_at_once(clients, "/sign-in", forms)

    assert sorted(statuses) == [400] * CAP + [429] * 4


def test_fourteen_wrong_codes_at_once_get_ten_answers(app):
    make_member(app, email=OWNER, role=Role.ORGANISER)
    client = stranger(app)
    answer = submit(client, "/sign-in", {"email": OWNER, "password": PASSWORD})
    assert answer.headers["Location"] == "/sign-in/code"
    token = csrf_token(client, "/sign-in/code")
    right = pyotp.TOTP(TOTP_SECRET).now()
    wrong = [f"{(int(right) + n) % 1_000_000:06d}" for n in range(1, 15)]
    clients = [copy_of(app, client) for _ in range(14)]

    statuses = post_at_once(
        clients, "/sign-in/code", [{"csrf_token": token, "code": code} for code in wrong]
    )

    assert sorted(statuses) == [400] * CAP + [429] * 4


def test_the_right_password_is_given_back(app):
    make_member(app, email=OWNER)
    client = stranger(app)
    assert [try_password(client, f"guess {n}") for n in range(CAP - 1)] == [400] * (CAP - 1)
    assert try_password(client, PASSWORD) == 302
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    assert try_password(stranger(app), "one more guess") == 400  # the 10th guess


def test_strangers_guesses_do_not_lock_out_the_owners_browser(app):
    make_member(app, email=OWNER)
    owner = stranger(app)
    assert try_password(owner, PASSWORD) == 302  # this browser is now known for the account
    owner.post("/sign-out", data={"csrf_token": csrf_token(owner, "/account")})

    lock_out_strangers(app)

    assert try_password(stranger(app), PASSWORD) == 429  # the cap holds for strangers
    assert try_password(owner, PASSWORD) == 302  # the owner's browser signs in


def test_a_known_browser_has_a_cap_of_its_own(app):
    make_member(app, email=OWNER)
    owner = stranger(app)
    assert try_password(owner, PASSWORD) == 302
    owner.post("/sign-out", data={"csrf_token": csrf_token(owner, "/account")})

    statuses = [try_password(owner, f"guess {n}") for n in range(CAP + 1)]

    assert statuses == [400] * CAP + [429]  # a stolen device cookie is no way round the cap


def test_a_forged_device_cookie_is_a_stranger(app):
    make_member(app, email=OWNER)
    lock_out_strangers(app)
    forger = stranger(app)
    forger.set_cookie(app.config["KNOWN_DEVICE_COOKIE_NAME"], "eyJkIjoieCIsImEiOltdfQ.forged")
    assert try_password(forger, PASSWORD) == 429


def test_a_password_reset_lets_the_owner_in_on_a_new_device(app, outbox):
    make_member(app, email=OWNER)
    lock_out_strangers(app)
    owner = stranger(app)
    page = "/forgot-password"
    owner.post(page, data={"csrf_token": csrf_token(owner, page), "email": OWNER})
    link = outbox.last_link(OWNER).removeprefix("http://localhost")
    new_password = "a brand new passphrase for me"
    answer = owner.post(link, data={"csrf_token": csrf_token(owner, link),
                                    "password": new_password, "confirm": new_password})  # fmt: skip
    assert answer.status_code == 302, answer.get_data(as_text=True)

    assert try_password(owner, new_password) == 302


def request_change(client, new_email: str, password: str = PASSWORD) -> int:
    token = csrf_token(client, "/account")
    data = {"csrf_token": token, "email": new_email, "password": password}
    return client.post("/account/email", data=data).status_code


def test_a_member_asks_for_a_few_email_changes_an_hour(app_factory, redis_url, outbox):
    app = app_factory(RATELIMIT_STORAGE_URI=redis_url, LIMIT_EMAIL_CHANGE_PER_MEMBER="3 per hour",
                      **own_prefix())  # fmt: skip
    make_member(app, email=OWNER)
    client = client_for(app, OWNER)
    statuses = [request_change(client, f"new{n}@example.org") for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert request_change(client, "") == 429  # refused before anything is checked


def test_one_address_receives_a_few_change_emails_a_day_from_anyone(app_factory, redis_url, outbox):
    app = app_factory(RATELIMIT_STORAGE_URI=redis_url, LIMIT_EMAIL_CHANGE_PER_ADDRESS="2 per day",
                      **own_prefix())  # fmt: skip
    statuses = []
    for n in range(3):
        make_member(app, email=f"member{n}@example.org")
        client = client_for(app, f"member{n}@example.org")
        statuses.append(request_change(client, "Target@Example.org" if n else "target@example.org"))
    assert statuses == [302, 302, 429]
    assert len(outbox.to("target@example.org")) == 2


def test_email_changes_sent_at_once_are_limited(app_factory, redis_url, outbox):
    app = app_factory(RATELIMIT_STORAGE_URI=redis_url, LIMIT_EMAIL_CHANGE_PER_MEMBER="3 per hour",
                      **own_prefix())  # fmt: skip
    make_member(app, email=OWNER)
    client = client_for(app, OWNER)
    token = csrf_token(client, "/account")
    forms = [{"csrf_token": token, "email": f"n{n}@example.org", "password": PASSWORD}
             for n in range(8)]  # fmt: skip

    statuses = post_at_once([copy_of(app, client) for _ in range(8)], "/account/email", forms)

    assert statuses.count(302) == 3 and statuses.count(429) == 5


def test_the_email_to_an_unconfirmed_address_carries_nothing_a_member_wrote(app, outbox):
    make_member(app, email=OWNER, name="Visit evil example now")
    client = client_for(app, OWNER)
    assert request_change(client, "new@example.org") == 302
    [message] = outbox.to("new@example.org")
    assert "evil" not in body_of(message) and "evil" not in message["Subject"]


def test_guesses_in_the_settings_share_one_count(app):
    make_member(app, email=OWNER)
    client = client_for(app, OWNER)
    half = CAP // 2
    assert [request_change(client, "n@example.org", f"guess {n}") for n in range(half)] == [
        400
    ] * half
    token = csrf_token(client, "/account")
    wrong = {"csrf_token": token, "current_password": "guess", "password": "another new one x"}
    statuses = [client.post("/account/password", data=wrong).status_code for _ in range(half + 1)]
    assert statuses == [400] * half + [429]
