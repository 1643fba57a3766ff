"""Each sign-in is a row on the server that the cookies name: signing out ends it for every
copy of them (coop/accounts/signins.py)."""

import re
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from coop.accounts.models import MemberSession
from coop.extensions import db
from tests.support import csrf_token, make_member, sign_in, submit

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def browser(app, user_agent: str = FIREFOX_LINUX):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def sessions_of(app) -> list[MemberSession]:
    with app.app_context():
        rows = db.session.scalars(select(MemberSession).order_by(MemberSession.id)).all()
        db.session.expunge_all()
        return rows


def test_a_copied_session_cookie_stops_working_after_sign_out(app):
    make_member(app)
    owner, thief = browser(app), browser(app)
    sign_in(owner)
    thief.set_cookie("session", owner.get_cookie("session").value)
    assert is_signed_in(thief)
    submit(owner, "/account", action="/sign-out")
    assert not is_signed_in(owner)
    assert not is_signed_in(thief)


def test_the_remember_me_cookie_alone_stops_working_after_sign_out(app):
    make_member(app)
    owner = browser(app)
    sign_in(owner, remember="y")
    copied = owner.get_cookie("remember_token").value
    submit(owner, "/account", action="/sign-out")
    thief = browser(app)
    thief.set_cookie("remember_token", copied)
    assert not is_signed_in(thief)


def test_the_remember_me_cookie_works_until_then(app):
    make_member(app)
    owner = browser(app)
    sign_in(owner, remember="y")
    other = browser(app)
    other.set_cookie("remember_token", owner.get_cookie("remember_token").value)
    assert is_signed_in(other)


def test_a_remembered_sign_in_ends_on_the_server_after_remember_days(app):
    """The cookie's expiry is the browser's to keep; a copy without it ends all the same."""
    make_member(app)
    owner = browser(app)
    sign_in(owner, remember="y")
    copied = owner.get_cookie("remember_token").value
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31)):
        thief = browser(app)
        thief.set_cookie("remember_token", copied)
        assert not is_signed_in(thief)


def test_signing_out_everywhere_revokes_every_sign_in(app):
    make_member(app)
    laptop, phone = browser(app), browser(app, SAFARI_IPHONE)
    sign_in(laptop)
    sign_in(phone, remember="y")
    submit(laptop, "/account", action="/account/sign-out-everywhere")
    assert not is_signed_in(phone)
    assert all(row.revoked_at is not None for row in sessions_of(app))


def test_the_account_page_lists_sign_ins_by_device_and_signs_one_out(app):
    make_member(app)
    laptop, phone = browser(app), browser(app, SAFARI_IPHONE)
    sign_in(laptop)
    sign_in(phone, remember="y")
    html = laptop.get("/account").get_data(as_text=True)
    assert "Firefox on Linux</strong> (this browser)" in html
    assert "Safari on iOS</strong>:" in html
    [phone_id] = re.findall(r'name="session" value="(\d+)"', html)  # not this browser's

    no_token = laptop.post("/sign-out", data={"session": phone_id})
    assert no_token.status_code == 400  # CSRF
    assert is_signed_in(phone)

    response = submit(laptop, "/account", {"session": phone_id}, action="/sign-out")
    assert response.headers["Location"].startswith("/account")
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    assert "Safari on iOS" not in laptop.get("/account").get_data(as_text=True)


def test_a_member_cannot_sign_out_someone_elses_sign_in(app):
    make_member(app)
    make_member(app, email="other@example.org", name="Other")
    victim, other = browser(app), browser(app)
    sign_in(victim)
    sign_in(other, "other@example.org")
    [victim_session] = [row.id for row in sessions_of(app) if row.member_id == 1]
    submit(other, "/account", {"session": str(victim_session)}, action="/sign-out")
    assert is_signed_in(victim)


def test_last_seen_is_written_at_most_once_a_minute_and_no_address_is_kept(app):
    make_member(app)
    client = browser(app)
    sign_in(client)
    [signed_in] = sessions_of(app)
    for _ in range(3):
        client.get("/ideas")  # a page that only reads may still carry it
    assert sessions_of(app)[0].last_seen_at == signed_in.last_seen_at
    later = datetime.now(UTC) + timedelta(minutes=5)
    with time_machine.travel(later):
        assert client.get("/ideas").status_code == 200
    [seen] = sessions_of(app)
    assert seen.last_seen_at > signed_in.last_seen_at + timedelta(minutes=4)
    assert seen.device == "Firefox on Linux"
    assert "127.0.0.1" not in repr(vars(seen))


def test_copies_of_a_cookie_that_keep_no_answer_write_last_seen_once_a_minute(app):
    """Tabs or a script replaying one cookie: the row's own time decides, not the cookie's."""
    make_member(app)
    client = browser(app)
    sign_in(client)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    copies = [browser(app) for _ in range(2)]
    for copy in copies:
        copy.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    start = datetime.now(UTC) + timedelta(minutes=5)
    with time_machine.travel(start, tick=False):
        assert is_signed_in(copies[0])
    first = sessions_of(app)[0].last_seen_at
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert is_signed_in(copies[1])  # its cookie still says "not seen for 5 minutes"
    assert sessions_of(app)[0].last_seen_at == first
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert is_signed_in(copies[0])
    assert sessions_of(app)[0].last_seen_at > first + timedelta(seconds=60)


def test_signing_in_again_ends_the_sign_in_it_replaces(app):
    make_member(app)
    client = browser(app)
    sign_in(client)
    old_cookie = client.get_cookie("session").value
    submit(client, "/sign-in", {"email": "member@example.org", "password": "x" * 12})
    sign_in(client)
    copy = browser(app)
    copy.set_cookie("session", old_cookie)
    assert not is_signed_in(copy)
    assert is_signed_in(client)


def test_a_password_change_keeps_this_browser_and_ends_the_others(app):
    from tests.support import PASSWORD

    make_member(app)
    laptop, phone = browser(app), browser(app)
    sign_in(laptop)
    sign_in(phone)
    new = "a different horse battery staple"
    data = {
        "current_password": PASSWORD,
        "password": new,
        "csrf_token": csrf_token(laptop, "/account"),
    }
    laptop.post("/account/password", data=data)
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
