"""Minutes: recorded by the secretary once the meeting is held, read by members (or anyone,
when published publicly), linked to the "minutes" item of a later meeting, approved when
that resolution is carried, and then fixed by the services and by the database."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coop.errors import Conflict, Invalid, NotAllowed
from coop.extensions import db
from coop.meetings import minutes
from coop.meetings import services as meetings
from coop.meetings.models import Meeting, MeetingMinutes
from tests.factories import client_for
from tests.meetings.helpers import notice_given, scheduled
from tests.meetings.voting_helpers import (
    MO,
    SUPPORTER_EMAIL,
    close,
    meeting,
    resolutions,
    society,
    starts,
    vote,
)
from tests.membership.helpers import SECRETARY, find

__all__ = ["meeting", "society"]


def record(app, meeting_id, body="We met. **Resolved**: all.", public=False, after=1):
    at = starts(app, meeting_id) + timedelta(days=after)
    with app.app_context():
        minutes.record_minutes(find(SECRETARY), meeting_id, body, public, at)
        db.session.commit()


def later_meeting_approving(app, first: int) -> int:
    """A noticed meeting 60 days ahead whose agenda approves the minutes of `first`:
    (meeting, item id)."""
    later = scheduled(app, days=60, items=1)
    with app.app_context():
        item = meetings.add_item(find(SECRETARY), later, "minutes", "Minutes of the AGM", "")
        db.session.commit()
        item_id = item.id
    with app.app_context():  # linked before the notice, which then says which minutes
        minutes.link_approval(find(SECRETARY), item_id, first)
        db.session.commit()
    notice_given(app, later)
    return later, item_id


def test_minutes_are_recorded_once_the_meeting_is_held_and_read_by_members(app, meeting):
    with app.app_context(), pytest.raises(Conflict, match="held"):
        minutes.record_minutes(find(SECRETARY), meeting, "Too soon", False)
    held = starts(app, meeting) + timedelta(days=1)
    with app.app_context(), pytest.raises(NotAllowed):
        minutes.record_minutes(find(MO), meeting, "Not mine", False, held)
    with app.app_context(), pytest.raises(Invalid):
        minutes.record_minutes(find(SECRETARY), meeting, "x" * 50_001, False, held)
    with app.app_context(), pytest.raises(Invalid):
        minutes.record_minutes(find(SECRETARY), meeting, " \x00 ", False, held)
    record(app, meeting, "We met.\n\n<script>alert(1)</script> **Resolved**")
    html = client_for(app, MO).get(f"/meetings/{meeting}/minutes").get_data(as_text=True)
    assert "<strong>Resolved</strong>" in html and "<script>alert" not in html
    assert client_for(app).get(f"/meetings/{meeting}/minutes").status_code == 404
    assert client_for(app, SUPPORTER_EMAIL).get(f"/meetings/{meeting}/minutes").status_code == 404
    record(app, meeting, "Corrected.", public=True)
    public = client_for(app).get(f"/meetings/{meeting}/minutes")
    assert public.status_code == 200 and "Corrected." in public.get_data(as_text=True)


def test_carrying_the_later_minutes_item_approves_and_fixes_the_minutes(app, meeting):
    app.config["COOP_GM_QUORUM_MEMBERS"] = 1
    record(app, meeting)
    later, item_id = later_meeting_approving(app, meeting)
    assert resolutions(app, later) == [item_id]
    html = client_for(app, MO).get(f"/meetings/{later}").get_data(as_text=True)
    assert f"/meetings/{meeting}/minutes" in html
    with app.app_context(), pytest.raises(Conflict, match="before the notice"):
        minutes.link_approval(find(SECRETARY), item_id, meeting)
    vote(app, MO, later, item_id, "for")
    close(app, later)
    with app.app_context():
        assert db.session.get(MeetingMinutes, meeting).approved_at is not None
    with pytest.raises(Conflict, match="fixed"):
        record(app, meeting, "A rewrite of history")
    with app.app_context():
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE meeting_minutes SET text = 'forged'"))
            db.session.flush()
        db.session.rollback()
        assert db.session.get(MeetingMinutes, meeting).text.startswith("We met.")


def test_minutes_not_approved_stay_open_to_correction(app, meeting):
    app.config["COOP_GM_QUORUM_MEMBERS"] = 1
    record(app, meeting)
    later, item_id = later_meeting_approving(app, meeting)
    vote(app, MO, later, item_id, "against")
    close(app, later)
    with app.app_context():
        assert db.session.get(MeetingMinutes, meeting).approved_at is None
    record(app, meeting, "Corrected after the vote.")
    again = scheduled(app, days=70, items=0, title="Again")  # and put to another meeting
    with app.app_context():
        item = meetings.add_item(find(SECRETARY), again, "minutes", "Minutes, again", "").id
        db.session.commit()
        assert [m.meeting_id for m, _ in minutes.unlinked(db.session.get(Meeting, again))] == [
            meeting
        ]
        minutes.link_approval(find(SECRETARY), item, meeting)
        db.session.commit()
        assert db.session.get(MeetingMinutes, meeting).approval_item_id == item


def test_the_secretary_records_minutes_and_links_them_from_the_pages(app, meeting):
    import time_machine

    from tests.support import csrf_token

    with time_machine.travel(starts(app, meeting) + timedelta(days=1), tick=False):
        secretary = client_for(app, SECRETARY)
        page = f"/meetings/{meeting}/minutes/edit"
        empty = secretary.post(page, data={"csrf_token": csrf_token(secretary, page), "text": ""})
        assert empty.status_code == 400 and "Enter the minutes." in empty.get_data(as_text=True)
        saved = secretary.post(
            page, data={"csrf_token": csrf_token(secretary, page), "text": "We met.", "public": "y"}
        )
        assert saved.status_code == 302
        assert client_for(app, MO).post(page, data={"text": "x"}).status_code in (400, 403)
    later = scheduled(app, days=60, items=1)
    with app.app_context():
        item = meetings.add_item(find(SECRETARY), later, "minutes", "Minutes", "")
        db.session.commit()
        item_id = item.id
    manage = f"/meetings/{later}/manage"
    secretary = client_for(app, SECRETARY)
    assert "Link the minutes" in secretary.get(manage).get_data(as_text=True)
    link = f"/meetings/{later}/items/{item_id}/approves"
    refused = secretary.post(link, data={"csrf_token": csrf_token(secretary, manage),
                                         "minutes_of": "424242"})  # fmt: skip
    assert refused.status_code == 400
    linked = secretary.post(link, data={"csrf_token": csrf_token(secretary, manage),
                                        "minutes_of": str(meeting)})  # fmt: skip
    assert linked.status_code == 302
    assert f"/meetings/{meeting}/minutes" in secretary.get(manage).get_data(as_text=True)
