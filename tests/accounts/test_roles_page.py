from coop.accounts.models import Role
from tests.audit.helpers import entries
from tests.factories import client_for, signed_in
from tests.support import load_member, make_member, submit


def admin_client(app):
    return signed_in(app, "admin@example.org", "Ada", Role.ADMIN)


def change(client, email: str, role: str, reason: str = "Elected at the AGM"):
    return submit(client, "/admin/roles", {"email": email, "role": role, "reason": reason})


def test_an_admin_makes_a_member_an_organiser_with_a_recorded_reason(app):
    client = admin_client(app)
    make_member(app)
    assert change(client, "member@example.org", "organiser").status_code == 302
    assert load_member(app, "member@example.org").role == Role.ORGANISER
    entry = entries(app)[-1]
    assert (entry.action, entry.actor_name, entry.reason) == (
        "role.change",
        "Ada",
        "Elected at the AGM",
    )
    assert "Not set up: no powers yet" in client.get("/admin/roles").get_data(as_text=True)


def test_a_role_change_needs_a_reason_and_a_known_address(app):
    client = admin_client(app)
    make_member(app)
    assert change(client, "member@example.org", "admin", reason="").status_code == 400
    unknown = change(client, "ghost@example.org", "organiser")
    assert unknown.status_code == 404  # the form sent back, the error beside the address
    assert "No member has the email address" in unknown.get_data(as_text=True)
    assert load_member(app, "member@example.org").role == Role.MEMBER


def test_an_admin_cannot_change_their_own_role(app):
    client = admin_client(app)
    assert change(client, "admin@example.org", "member").status_code == 403
    assert load_member(app, "admin@example.org").role == Role.ADMIN


def test_organisers_cannot_manage_roles(app):
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    client = client_for(app, "org@example.org")
    assert client.get("/admin/roles").status_code == 403
