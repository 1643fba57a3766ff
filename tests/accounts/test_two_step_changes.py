"""Turning two-step sign-in on or off needs the password typed again; an admin may reset a
member's (a lost phone): with a reason, audited, the member emailed and signed out."""

import re

import pyotp
from sqlalchemy import select

from coop.accounts.models import RecoveryCode, Role
from coop.audit.models import AuditEntry
from coop.extensions import db
from tests.factories import client_for, organiser_without_two_step
from tests.support import PASSWORD, load_member, make_member, submit

SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')


def setup_page(client) -> str:
    return SECRET_RE.search(client.get("/account/two-step").get_data(as_text=True)).group(1)


def test_turning_two_step_on_needs_the_password(app):
    client = organiser_without_two_step(app)
    secret = setup_page(client)
    code = pyotp.TOTP(secret).now()
    for password in (None, "", "not the password at all"):
        data = {"code": code} if password is None else {"code": code, "password": password}
        response = submit(client, "/account/two-step", data)
        assert response.status_code == 400
        assert load_member(app, "org@example.org").totp_secret is None
    right = submit(client, "/account/two-step", {"code": code, "password": PASSWORD})
    assert right.status_code == 200
    assert load_member(app, "org@example.org").totp_secret == secret


def test_turning_two_step_off_needs_the_password_and_signs_out_the_other_devices(app, outbox):
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    client, other = client_for(app, "org@example.org"), client_for(app, "org@example.org")
    wrong = submit(client, "/account/two-step", {"action": "off", "password": "wrong guess!"})
    assert wrong.status_code == 400
    assert load_member(app, "org@example.org").totp_secret is not None

    response = submit(client, "/account/two-step", {"action": "off", "password": PASSWORD})
    assert response.headers["Location"] == "/account"
    member = load_member(app, "org@example.org")
    assert member.totp_secret is None and not member.is_organiser
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert outbox.to("org@example.org")[-1]["Subject"] == "Two-step sign-in was turned off"


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(app):
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    client = client_for(app, "org@example.org")
    assert submit(client, "/account/two-step", {"action": "codes"}).status_code == 400
    page = submit(client, "/account/two-step", {"action": "codes", "password": PASSWORD})
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", page.get_data(as_text=True))
    assert len(codes) == 10
    with app.app_context():
        assert len(db.session.scalars(select(RecoveryCode)).all()) == 10


def admin_and_member_with_two_step(app):
    make_member(app, email="admin@example.org", name="Ada Admin", role=Role.ADMIN)
    make_member(app, email="org@example.org", name="Olu", role=Role.ORGANISER)
    admin, member = client_for(app, "admin@example.org"), client_for(app, "org@example.org")
    return admin, member


def reset(client, email: str, reason: str = "Lost her phone; checked by video call"):
    data = {"form": "two_step_reset", "reset-email": email, "reset-reason": reason}
    return submit(client, "/admin/roles", data)


def test_an_admin_resets_a_members_two_step_sign_in_audited_and_emailed(app, outbox):
    admin, member = admin_and_member_with_two_step(app)
    response = reset(admin, "org@example.org")
    assert response.headers["Location"] == "/admin/roles"
    reset_member = load_member(app, "org@example.org")
    assert reset_member.totp_secret is None
    assert member.get("/account").status_code == 302  # signed out everywhere
    with app.app_context():
        [entry] = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "two_step.reset")
        ).all()
        assert entry.actor_name == "Ada Admin"
        assert entry.target_id == reset_member.id
        assert entry.reason == "Lost her phone; checked by video call"
    [email] = outbox.to("org@example.org")
    assert email["Subject"] == "An admin reset your two-step sign-in"


def test_a_reset_needs_a_reason_and_cannot_be_an_admins_own(app):
    admin, _member = admin_and_member_with_two_step(app)
    assert reset(admin, "org@example.org", reason="").status_code == 400
    own = reset(admin, "admin@example.org")
    assert own.status_code == 403
    assert load_member(app, "admin@example.org").totp_secret is not None
    assert load_member(app, "org@example.org").totp_secret is not None


def test_an_organiser_cannot_reset_anyones_two_step_sign_in(app):
    make_member(app, email="other@example.org", name="Other", role=Role.ORGANISER)
    _admin, organiser = admin_and_member_with_two_step(app)
    assert reset(organiser, "other@example.org").status_code == 403
    assert load_member(app, "other@example.org").totp_secret is not None


def test_the_command_line_resets_two_step_sign_in_when_no_admin_can(app, outbox):
    make_member(app, email="admin@example.org", name="Ada Admin", role=Role.ADMIN)
    result = app.test_cli_runner().invoke(
        args=["coop", "reset-two-step", "admin@example.org", "--reason", "Only admin lost phone"]
    )
    assert result.exit_code == 0, result.output
    assert load_member(app, "admin@example.org").totp_secret is None
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "two_step.reset"))
        assert entry.actor_id is None and entry.reason == "Only admin lost phone"
    assert outbox.to("admin@example.org")
