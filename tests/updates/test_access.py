"""Only organisers publish, edit and delete updates; everyone may read them. The forms need
their CSRF token."""

import pytest

from tests.factories import client_for, signed_in
from tests.support import make_member, submit
from tests.updates.helpers import (
    audit_entries,
    count_updates,
    load_update,
    make_update,
    organiser_client,
    text_of,
)


@pytest.fixture
def organiser(app):
    return organiser_client(app)


@pytest.fixture
def update_id(app, organiser):
    return make_update(app, title="Dates for the assembly", body="Original.")


def organiser_routes(update_id: int) -> list[tuple[str, str, dict]]:
    edit = f"/organise/updates/{update_id}/edit"
    change = {"title": "Changed", "body": "Changed."}
    return [
        ("GET", "/organise/updates/new", {}),
        ("POST", "/organise/updates/new", change),
        ("GET", edit, {}),
        ("POST", edit, change),
        ("POST", f"/organise/updates/{update_id}/delete", {"reason": "Because"}),
    ]


def assert_unchanged(app, update_id: int) -> None:
    assert count_updates(app) == 1
    update = load_update(app, update_id)
    assert (update.title, update.body) == ("Dates for the assembly", "Original.")
    assert [e["action"] for e in audit_entries(app)] == ["update.publish"]


def test_a_member_is_refused_every_organiser_route_and_nothing_changes(app, update_id):
    client = signed_in(app, name="Sam Member")
    for method, path, data in organiser_routes(update_id):
        if method == "GET":
            response = client.get(path)
        else:
            response = submit(client, "/updates", data, action=path)
        assert response.status_code == 403, (method, path)
        assert "Only organisers can do that." in response.get_data(as_text=True)
    assert_unchanged(app, update_id)


def test_a_visitor_is_sent_to_sign_in_and_nothing_changes(app, client, update_id):
    for method, path, data in organiser_routes(update_id):
        if method == "GET":
            response = client.get(path)
        else:
            response = submit(client, "/sign-in", data, action=path)
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/sign-in?next="), (method, path)
    assert_unchanged(app, update_id)


def test_an_organiser_without_two_step_sign_in_has_no_powers(app):
    from coop.accounts.models import Role
    from coop.accounts.services import find_by_email
    from coop.extensions import db

    make_member(app, "new-organiser@example.org", "New Organiser", role=Role.ORGANISER)
    with app.app_context():
        find_by_email("new-organiser@example.org").totp_secret = None
        db.session.commit()
    client = client_for(app, "new-organiser@example.org")
    assert client.get("/organise/updates/new").status_code == 403


def test_only_organisers_see_the_controls_on_the_public_pages(app, client, organiser, update_id):
    page = f"/updates/{update_id}-dates-for-the-assembly"
    for reader in (client, signed_in(app, name="Sam Member")):
        for path in (page, "/updates"):
            html = reader.get(path).get_data(as_text=True)
            assert "/organise/updates" not in html, path
            assert "Delete this update" not in html
    html = text_of(organiser.get(page))
    assert f'href="/organise/updates/{update_id}/edit"' in html
    assert f'action="/organise/updates/{update_id}/delete"' in html
    assert '<label for="reason">Reason for deleting (kept in the audit log)</label>' in html
    listing = organiser.get("/updates").get_data(as_text=True)
    assert 'href="/organise/updates/new"' in listing
    assert f'href="/organise/updates/{update_id}/edit"' in listing


def test_the_organiser_forms_need_their_csrf_token(app, organiser, update_id):
    for method, path, data in organiser_routes(update_id):
        if method == "POST":
            response = organiser.post(path, data=data)
            assert response.status_code == 400, path
            assert "security token" in response.get_data(as_text=True), path
            response = organiser.post(path, data={**data, "csrf_token": "forged"})
            assert response.status_code == 400, path
    assert_unchanged(app, update_id)
