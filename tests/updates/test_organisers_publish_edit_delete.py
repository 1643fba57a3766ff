"""Organisers publish, edit and delete updates; every act is in the audit log."""

import re

import pytest

from coop.accounts.models import Role
from coop.accounts.services import find_by_email
from coop.errors import Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.updates import services
from coop.updates.models import UPDATE_BODY_MAX, UPDATE_TITLE_MAX
from tests.support import make_member, submit
from tests.updates.helpers import (
    ORGANISER,
    audit_entries,
    count_updates,
    field_error,
    load_update,
    make_update,
    organiser_client,
    text_of,
)

NEW = "/organise/updates/new"


@pytest.fixture
def organiser(app):
    return organiser_client(app)


def test_an_organiser_publishes_an_update_and_the_audit_log_records_it(app, organiser):
    assert organiser.get(NEW).status_code == 200
    response = submit(
        organiser, NEW, {"title": "  Dates for the assembly  ", "body": "We meet **online**."}
    )

    assert response.status_code == 302
    match = re.fullmatch(r"/updates/(\d+)-dates-for-the-assembly", response.headers["Location"])
    assert match
    update_id = int(match.group(1))
    update = load_update(app, update_id)
    assert update.title == "Dates for the assembly"
    assert update.body_html == "<p>We meet <strong>online</strong>.</p>\n"
    assert update.edited_at is None
    page = text_of(organiser.get(response.headers["Location"]))
    assert "The update is published." in page
    assert "<h1>Dates for the assembly</h1>" in page
    assert "By Olu Organiser" in page
    assert audit_entries(app) == [
        {"action": "update.publish", "actor": "Olu Organiser", "target_id": update_id,
         "reason": "", "details": {"title": "Dates for the assembly"}},
    ]  # fmt: skip


def test_an_organiser_edits_an_update_and_the_old_address_still_leads_to_it(app, organiser):
    update_id = make_update(app, title="Dates for the assembly", body="First text.")

    page = organiser.get(f"/organise/updates/{update_id}/edit").get_data(as_text=True)
    assert 'value="Dates for the assembly"' in page
    assert "First text." in page
    response = submit(
        organiser,
        f"/organise/updates/{update_id}/edit",
        {"title": "New dates for the assembly", "body": "Second *text*."},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/updates/{update_id}-new-dates-for-the-assembly"
    update = load_update(app, update_id)
    assert (update.title, update.body) == ("New dates for the assembly", "Second *text*.")
    assert update.body_html == "<p>Second <em>text</em>.</p>\n"
    assert update.edited_at is not None
    page = text_of(organiser.get(response.headers["Location"]))
    assert "Your changes are saved." in page and "edited" in page
    old = organiser.get(f"/updates/{update_id}-dates-for-the-assembly")
    assert old.status_code == 301
    assert old.headers["Location"] == response.headers["Location"]
    assert audit_entries(app)[-1] == {
        "action": "update.edit", "actor": "Olu Organiser", "target_id": update_id, "reason": "",
        "details": {"title": "New dates for the assembly", "body_changed": True,
                    "previous_title": "Dates for the assembly"},
    }  # fmt: skip


def test_saving_an_update_unchanged_records_no_edit(app, organiser):
    update_id = make_update(app, title="Dates", body="Text.")
    response = submit(
        organiser, f"/organise/updates/{update_id}/edit", {"title": "Dates", "body": "Text."}
    )
    assert response.status_code == 302
    assert load_update(app, update_id).edited_at is None
    assert [e["action"] for e in audit_entries(app)] == ["update.publish"]


def test_an_organiser_deletes_an_update_giving_a_reason(app, organiser):
    update_id = make_update(app, title="Wrong date given")
    page = f"/updates/{update_id}-wrong-date-given"

    response = submit(
        organiser,
        page,
        {"reason": "Published by mistake"},
        action=f"/organise/updates/{update_id}/delete",
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/updates"
    assert "The update “Wrong date given” is deleted." in text_of(organiser.get("/updates"))
    assert count_updates(app) == 0
    assert organiser.get(page).status_code == 404
    assert audit_entries(app)[-1] == {
        "action": "update.delete", "actor": "Olu Organiser", "target_id": update_id,
        "reason": "Published by mistake", "details": {"title": "Wrong date given"},
    }  # fmt: skip


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_deleting_without_a_fitting_reason_is_refused_beside_the_field(app, organiser, reason):
    update_id = make_update(app, title="Still here")
    response = submit(
        organiser,
        f"/updates/{update_id}-still-here",
        {"reason": reason},
        action=f"/organise/updates/{update_id}/delete",
    )

    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    expected = "500 characters or fewer" if reason.strip() else "Enter the reason for deleting"
    assert expected in field_error(response, "reason")
    assert "<title>Error: Still here" in response.get_data(as_text=True)
    assert count_updates(app) == 1
    assert [e["action"] for e in audit_entries(app)] == ["update.publish"]


INVALID = [
    ({"title": "", "body": "Text."}, "title", "Enter a title."),
    ({"title": "   ", "body": "Text."}, "title", "Enter a title."),
    ({"title": "t" * (UPDATE_TITLE_MAX + 1), "body": "Text."}, "title", "140 characters"),
    ({"title": "A title", "body": ""}, "body", "Enter the text of the update."),
    ({"title": "A title", "body": " \n "}, "body", "Enter the text of the update."),
    ({"title": "A title", "body": "b" * (UPDATE_BODY_MAX + 1)}, "body", "20,000 characters"),
]


@pytest.mark.parametrize(("data", "field", "message"), INVALID)
def test_an_invalid_update_is_refused_beside_its_field_and_nothing_is_written(
    app, organiser, data, field, message
):
    response = submit(organiser, NEW, data)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in field_error(response, field)
    assert f'<a href="#{field}">' in html  # the error summary links to the field
    assert "<title>Error: Publish an update" in html
    assert count_updates(app) == 0
    assert audit_entries(app) == []


@pytest.mark.parametrize(("data", "field", "message"), INVALID)
def test_an_invalid_edit_is_refused_beside_its_field_and_nothing_changes(
    app, organiser, data, field, message
):
    update_id = make_update(app, title="Original", body="Original text.")
    response = submit(organiser, f"/organise/updates/{update_id}/edit", data)

    assert response.status_code == 400
    assert message in field_error(response, field)
    update = load_update(app, update_id)
    assert (update.title, update.body, update.edited_at) == ("Original", "Original text.", None)
    assert [e["action"] for e in audit_entries(app)] == ["update.publish"]


def test_the_services_check_who_acts_and_what_they_send(app):
    make_member(app, ORGANISER, "Olu Organiser", role=Role.ORGANISER)
    make_member(app)
    update_id = make_update(app)
    with app.app_context():
        organiser, member = find_by_email(ORGANISER), find_by_email("member@example.org")
        for attempt in [
            lambda: services.publish_update(member, "Title", "Body"),
            lambda: services.publish_update(None, "Title", "Body"),
            lambda: services.edit_update(member, update_id, "Title", "Body"),
            lambda: services.delete_update(member, update_id, "Because"),
        ]:
            with pytest.raises(NotAllowed):
                attempt()
        with pytest.raises(Invalid) as error:
            services.publish_update(organiser, "Title", "   ")
        assert (error.value.field, error.value.message) == ("body", "Enter the text of the update.")
        with pytest.raises(Invalid) as error:
            services.delete_update(organiser, update_id, "")
        assert error.value.field == "reason"
        with pytest.raises(NotFound):
            services.edit_update(organiser, 999, "Title", "Body")
        db.session.rollback()
    assert count_updates(app) == 1
