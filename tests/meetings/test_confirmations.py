"""The confirmation of a two-stage special resolution: edited and saved again; never two
confirmations of one resolution, whether added in one meeting, at once, or in a race the
check cannot see."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.errors import Conflict, Invalid
from coop.extensions import db
from coop.meetings import services
from coop.meetings.models import AgendaItem
from tests.factories import client_for
from tests.meetings.helpers import scheduled, uk_local
from tests.membership.helpers import SECRETARY, find, make_society
from tests.parallel import copy_of, post_at_once
from tests.support import csrf_token, submit

AMALGAMATE = "That the society amalgamates with X."


@pytest.fixture
def stage_one(app):
    """A special meeting with the first stage of a two-stage resolution, and two later
    meetings in its confirmation window: (first stage's id, second meeting, third meeting)."""
    make_society(app)
    first_day = uk_local(30)
    first = scheduled(app, items=0, kind="special", starts=first_day, title="First")
    with app.app_context():
        item = services.add_item(
            find(SECRETARY), first, "special", "Amalgamate", AMALGAMATE, two_stage=True
        )
        db.session.commit()
        item_id = item.id
    second = scheduled(app, items=0, kind="special", starts=first_day + timedelta(days=14))
    third = scheduled(app, items=0, kind="special", starts=first_day + timedelta(days=20))
    return item_id, second, third


def confirm(stage_one_id: int, title: str = "Confirm") -> dict:
    return {"kind": "special", "title": title, "text": "", "confirms_id": str(stage_one_id)}


def confirmations(app, stage_one_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AgendaItem.confirms_id == stage_one_id))


def test_an_item_that_confirms_a_resolution_is_edited_and_saved_again(app, stage_one):
    stage_one_id, second, _ = stage_one
    with app.app_context():
        item = services.add_item(find(SECRETARY), second, "special", "Confirm", "",
                                 confirms_id=stage_one_id)  # fmt: skip
        db.session.commit()
        item_id = item.id
    secretary = client_for(app, SECRETARY)
    path = f"/meetings/{second}/items/{item_id}/edit"
    page = secretary.get(path).get_data(as_text=True)
    assert f'selected value="{stage_one_id}"' in page  # the resolution it confirms, chosen
    saved = submit(secretary, path, confirm(stage_one_id, "Confirm the amalgamation"))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        assert (item.title, item.confirms_id, item.text) == (
            "Confirm the amalgamation", stage_one_id, AMALGAMATE,
        )  # fmt: skip
    # another meeting is still not offered a resolution already confirmed
    _, _, third = stage_one
    other = secretary.get(f"/meetings/{third}/manage").get_data(as_text=True)
    assert f'value="{stage_one_id}"' not in other


def test_a_second_confirmation_in_the_same_meeting_is_refused_beside_the_field(app, stage_one):
    stage_one_id, second, _ = stage_one
    with app.app_context():
        secretary = find(SECRETARY)
        services.add_item(secretary, second, "special", "Confirm", "", confirms_id=stage_one_id)
        db.session.commit()
        with pytest.raises(Invalid, match="already confirms") as refused:
            services.add_item(secretary, second, "special", "Again", "", confirms_id=stage_one_id)
        assert refused.value.field == "confirms_id"
        db.session.rollback()
        other = services.add_item(secretary, second, "special", "Other", "A new resolution.")
        db.session.commit()
        with pytest.raises(Invalid, match="already confirms"):
            services.update_item(secretary, second, other.id, "special", "Other", "",
                                 confirms_id=stage_one_id)  # fmt: skip
        db.session.rollback()
    assert confirmations(app, stage_one_id) == 1


@pytest.mark.parametrize("same_meeting", [True, False])
def test_two_tabs_adding_the_same_confirmation_at_once_add_one(app, stage_one, same_meeting):
    stage_one_id, second, third = stage_one
    meetings = [second, second if same_meeting else third]
    secretary = client_for(app, SECRETARY)
    clients = [secretary, copy_of(app, secretary)]
    forms = [
        {"csrf_token": csrf_token(client, f"/meetings/{meeting}/manage"), **confirm(stage_one_id)}
        for client, meeting in zip(clients, meetings, strict=True)
    ]
    statuses = post_at_once(clients, [f"/meetings/{meeting}/items" for meeting in meetings], forms)
    assert statuses[0] is not None and statuses[1] is not None
    assert sorted(statuses)[0] == 302 and sorted(statuses)[1] in (400, 409), statuses
    assert confirmations(app, stage_one_id) == 1


def test_a_confirmation_the_check_cannot_see_is_a_conflict_not_a_database_error(
    app, stage_one, monkeypatch
):
    """Another meeting's confirmation committed after the check read (PostgreSQL, read
    committed): the unique index refuses the insert, and the secretary is told why."""
    stage_one_id, second, third = stage_one
    with app.app_context():
        secretary = find(SECRETARY)
        services.add_item(secretary, third, "special", "Confirm", "", confirms_id=stage_one_id)
        db.session.commit()
        monkeypatch.setattr(services, "_confirmed_by", lambda *args, **kwargs: None)
        with pytest.raises(Conflict, match="already confirms") as refused:
            services.add_item(secretary, second, "special", "Too", "", confirms_id=stage_one_id)
        assert refused.value.field == "confirms_id"
        db.session.rollback()
        other = services.add_item(secretary, second, "special", "Other", "A new resolution.")
        db.session.commit()
        with pytest.raises(Conflict, match="already confirms"):
            services.update_item(secretary, second, other.id, "special", "Other", "",
                                 confirms_id=stage_one_id)  # fmt: skip
        db.session.rollback()
    assert confirmations(app, stage_one_id) == 1
