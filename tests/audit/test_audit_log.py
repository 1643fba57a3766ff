import csv
import io

import pytest
import sqlalchemy as sa

from coop.accounts.models import Role
from coop.audit.models import AuditEntry
from coop.extensions import db
from tests.audit.helpers import entries
from tests.factories import client_for, signed_in
from tests.support import make_member, make_proposal, submit


@pytest.fixture
def admin_client(app):
    return signed_in(app, "admin@example.org", "Ada Admin", Role.ADMIN)


def test_organiser_actions_are_recorded_with_who_what_and_when(app):
    make_member(app, email="org@example.org", name="Olu", role=Role.ORGANISER)
    client = client_for(app, "org@example.org")
    submit(client, "/organise/topics", {"name": "Transport", "description": ""})
    proposal_id = make_proposal(app, "org@example.org", question="Go?")
    [grant, topic, proposal] = entries(app)
    assert (grant.action, grant.actor_name, grant.details["new"]) == (
        "role.change", "command line", "organiser")  # fmt: skip
    assert (topic.action, topic.actor_name, topic.target_type) == ("topic.create", "Olu", "topic")
    assert (proposal.action, proposal.target_id) == ("proposal.open", proposal_id)
    assert proposal.created_at is not None


def test_role_changes_from_the_command_line_are_recorded(app):
    make_member(app)
    app.test_cli_runner().invoke(
        args=["coop", "grant-organiser", "member@example.org", "--reason", "Elected"]
    )
    app.test_cli_runner().invoke(
        args=["coop", "revoke-organiser", "member@example.org", "--reason", "Stood down"]
    )
    changes = [(e.details["previous"], e.details["new"]) for e in entries(app)]
    assert changes == [("member", "organiser"), ("organiser", "member")]


def test_the_database_refuses_to_change_or_delete_an_entry(app):
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    with app.app_context():
        for statement in (
            sa.update(AuditEntry).values(reason="rewritten history"),
            sa.delete(AuditEntry),
        ):
            with pytest.raises(sa.exc.DatabaseError):
                db.session.execute(statement)
                db.session.flush()
            db.session.rollback()
    assert len(entries(app)) == 1
    assert entries(app)[0].reason == "Created with this role"


def test_only_admins_read_the_log(app, admin_client):
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    make_member(app)
    for email in ("org@example.org", "member@example.org"):
        client = client_for(app, email)
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit/export.csv").status_code == 403
    assert app.test_client().get("/admin/audit").status_code == 302
    page = admin_client.get("/admin/audit")
    assert page.status_code == 200
    assert "role.change" in page.get_data(as_text=True)


def test_admins_filter_the_log_and_export_it_as_csv(app, admin_client):
    make_member(app, email="org@example.org", name="=HYPERLINK(evil)", role=Role.ORGANISER)
    make_proposal(app, "org@example.org", question="Go?")
    filtered = admin_client.get("/admin/audit?action=proposal.open").get_data(as_text=True)
    assert "proposal.open" in filtered
    assert "role.change</td>" not in filtered
    response = admin_client.get("/admin/audit/export.csv?action=proposal.open")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["action"] for row in rows] == ["proposal.open"]
    assert rows[0]["actor"] == "'=HYPERLINK(evil)"  # no formula runs in a spreadsheet


def test_a_malformed_filter_is_a_400_naming_it_not_a_500(admin_client):
    for query, named in [
        ("since=yesterday", "since"),
        ("until=9999-12-31", "until"),
        ("since=0001-01-01", "since"),
        ("since=2026-01-01%00", "since"),
        ("actor=x", "actor"),
        ("actor=%C2%B2", "actor"),
        ("actor=99999999999999999999", "actor"),
        ("action=a%00b", "action"),
        ("since=2026-02-01&until=2026-01-01", "since"),
    ]:
        for path in ("/admin/audit", "/admin/audit/export.csv"):
            response = admin_client.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert f"&#39;{named}&#39;" in response.get_data(as_text=True), (path, query)
    assert admin_client.get("/admin/audit?since=2026-01-01&until=2026-01-31").status_code == 200
    assert admin_client.get("/admin/audit?page=0").status_code == 400
