"""The secretary sets up an election for an election item, with its lot seed published at
once; changes it only before nominations open; closes nominations. Who sees what."""

import pytest
from sqlalchemy import func, select

from coop.audit.models import AuditEntry
from coop.elections.models import Election
from coop.extensions import db
from coop.meetings import services as meetings
from coop.meetings.models import AgendaItem
from tests.elections.helpers import MO, election_item, seed_of, set_up, society_with_members
from tests.factories import client_for
from tests.meetings.helpers import form_time, scheduled, uk_local
from tests.membership.helpers import SECRETARY, SUPPORTER, TREASURER, find
from tests.support import submit


@pytest.fixture
def society(app):
    society_with_members(app)


def election_form(**changes) -> dict:
    return {
        "seats": "3", "method": "stv", "nominations_open_at": form_time(uk_local(2, 9)),
        "nominations_close_at": form_time(uk_local(20, 12)), "seconders_required": "1",
        "statement_word_limit": "250", **changes,
    }  # fmt: skip


def test_the_secretary_sets_up_an_election_whose_seed_is_published_before_any_ballot(app, society):
    item_id = election_item(app)
    secretary = client_for(app, SECRETARY)
    listed = secretary.get("/elections").get_data(as_text=True)
    assert f"/elections/new/{item_id}" in listed
    created = submit(secretary, f"/elections/new/{item_id}", election_form())
    assert created.status_code == 302
    election_id = int(created.headers["Location"].split("/")[2])
    seed = seed_of(app, election_id)
    assert len(seed) == 64 and int(seed, 16) >= 0

    page = client_for(app, MO).get(f"/elections/{election_id}").get_data(as_text=True)
    assert seed in page  # published while nominations are not even open
    opens = uk_local(2, 9)
    assert f"{opens:%A} {opens.day} {opens:%B %Y}, 9am" in page  # UK time, with its weekday
    assert "Nominations are not open yet" in page
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "election.create"))
        assert entry.details["lot_seed"] == seed  # the log holds the seed as first published
    again = submit(secretary, f"/elections/new/{item_id}", election_form())
    assert again.status_code == 409
    assert seed_of(app, election_id) == seed


def test_each_election_has_its_own_seed(app, society):
    assert seed_of(app, set_up(app)) != seed_of(app, set_up(app))


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"seats": "0"}, "from 1 to 20"),
        ({"seats": "99999999999999999999"}, "from 1 to 20"),
        ({"method": "fptp"}, "Not a valid choice"),  # the rules (the setting) say STV only
        ({"seconders_required": "11"}, "from 0 to 10"),
        ({"statement_word_limit": "x"}, "integer"),
        ({"nominations_close_at": form_time(uk_local(1, 9))}, "close after they open"),
        ({"nominations_close_at": form_time(uk_local(60, 9))}, "before the meeting"),
        ({"nominations_open_at": "2027-02-30T09:00"}, "Not a valid datetime"),
    ],
)
def test_bad_details_are_refused_beside_their_field(app, society, changes, field_message):
    item_id = election_item(app)
    secretary = client_for(app, SECRETARY)
    refused = submit(secretary, f"/elections/new/{item_id}", election_form(**changes))
    assert refused.status_code == 400
    assert field_message in refused.get_data(as_text=True)


def test_first_past_the_post_only_where_the_rules_say_so(app_factory):
    app = app_factory(COOP_ELECTION_METHODS="stv,fptp")
    society_with_members(app)
    item_id = election_item(app)
    secretary = client_for(app, SECRETARY)
    created = submit(secretary, f"/elections/new/{item_id}", election_form(method="fptp"))
    assert created.status_code == 302


def test_an_election_needs_an_election_item_of_a_meeting_whose_notice_was_given(app, society):
    secretary = client_for(app, SECRETARY)
    meeting_id = scheduled(app, items=2)  # a report and a resolution, still a draft
    with app.app_context():
        report = db.session.scalar(
            select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.position == 1
            )
        )
    assert secretary.get(f"/elections/new/{report}").status_code == 404
    assert secretary.get(f"/elections/new/{2**31}").status_code == 404
    with app.app_context():
        item = meetings.add_item(find(SECRETARY), meeting_id, "election", "Board", "")
        db.session.commit()
        draft_item = item.id
    assert secretary.get(f"/elections/new/{draft_item}").status_code == 409


def test_the_election_changes_only_before_nominations_open(app, society):
    secretary = client_for(app, SECRETARY)
    later = set_up(app, opens=2)
    changed = submit(secretary, f"/elections/{later}/edit", election_form(seats="5"))
    assert changed.status_code == 302
    opened = set_up(app, opens=-1)
    refused = submit(secretary, f"/elections/{later}/manage", election_form(seats="5"),
                     f"/elections/{opened}/edit")  # fmt: skip
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(Election, later).seats == 5
        assert db.session.get(Election, opened).seats == 3


def test_the_secretary_closes_nominations_once(app, society):
    election_id = set_up(app)
    secretary = client_for(app, SECRETARY)
    manage = f"/elections/{election_id}/manage"
    assert submit(secretary, manage, {}, f"/elections/{election_id}/close").status_code == 302
    assert submit(secretary, manage, {}, f"/elections/{election_id}/close").status_code == 409
    assert "Nominations have closed" in secretary.get(manage).get_data(as_text=True)
    with app.app_context():
        closes = db.session.scalar(
            select(func.count()).where(AuditEntry.action == "election.close")
        )
        assert closes == 1


def test_members_and_officers_see_elections_and_anyone_else_finds_nothing(app, society):
    election_id = set_up(app)
    page = f"/elections/{election_id}"
    assert client_for(app, MO).get(page).status_code == 200
    assert client_for(app, TREASURER).get(page).status_code == 200  # an officer
    assert client_for(app, SUPPORTER).get(page).status_code == 404  # not a member
    assert client_for(app, SUPPORTER).get("/elections").status_code == 404
    assert client_for(app, "former@example.org").get(page).status_code == 404
    assert app.test_client().get(page).status_code == 302  # to sign in
    assert client_for(app, MO).get(f"{page}/manage").status_code == 403
    assert client_for(app, MO).get(f"/elections/{election_id}/edit").status_code == 403
    assert client_for(app, SECRETARY).get(f"{page}/manage").status_code == 200
    assert client_for(app, MO).get(f"/elections/{election_id + 1}").status_code == 404
    assert client_for(app, MO).get(f"/elections/{2**31}").status_code == 404


def test_the_meetings_page_links_its_election_item_to_the_election(app):
    society_with_members(app)
    election_id = set_up(app)
    with app.app_context():
        item = db.session.get(AgendaItem, db.session.get(Election, election_id).agenda_item_id)
        meeting_id = item.meeting_id
    html = client_for(app, MO).get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert f'href="/elections/{election_id}"' in html
