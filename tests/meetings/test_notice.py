"""The secretary schedules a meeting, sets its agenda and gives notice; every current member
of the co-operative is told, once; what the notice said is then fixed. And each refusal."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from coop.audit.models import AuditEntry
from coop.errors import Conflict
from coop.extensions import db
from coop.mail.models import OutboundEmail
from coop.meetings import services
from coop.meetings.models import AgendaItem, Meeting
from coop.membership import services as membership
from coop.notifications.models import Notification
from coop.uktime import UK, utcnow
from tests.factories import client_for
from tests.meetings.helpers import RESOLUTION, form_time, notice_given, scheduled, uk_local
from tests.membership.helpers import (
    ADMIN,
    SECRETARY,
    SUPPORTER,
    TREASURER,
    admitted,
    find,
    make_society,
)
from tests.parallel import copy_of, post_at_once
from tests.support import csrf_token, make_member, submit

MEMBER = "mo@example.org"
FORMER = "former@example.org"
ORGANISER = "organiser@example.org"


@pytest.fixture
def society(app):
    make_society(app)
    make_member(app, MEMBER, "Mo")
    admitted(app, MEMBER, "Mo Member")
    make_member(app, FORMER, "Fay")
    former = admitted(app, FORMER, "Fay Former")
    make_member(app, ORGANISER, "Org", role="organiser")
    with app.app_context():
        membership.record_cessation(find(SECRETARY), former, "died", membership.today(), "")
        db.session.commit()


NOTICE_EMAIL = OutboundEmail.subject.like("Notice of%")


def notices_in(outbox) -> list:
    return [m for m in outbox.messages() if m["Subject"].startswith("Notice of")]


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def meeting_form(**changes) -> dict:
    return {
        "kind": "annual", "title": "Annual general meeting 2027",
        "starts_at": form_time(uk_local(40)), "place": "The Hall\nLlandudno LL30 2AA",
        "online_url": "https://meet.example.org/agm", **changes,
    }  # fmt: skip


def test_the_secretary_schedules_a_meeting_sets_its_agenda_and_gives_notice_to_current_members(
    app, society, outbox
):
    secretary = client_for(app, SECRETARY)
    created = submit(secretary, "/meetings/new", meeting_form())
    assert created.status_code == 302
    manage = created.headers["Location"]
    meeting_id = int(manage.split("/")[2])
    for item in (
        {"kind": "minutes", "title": "Minutes of the last meeting", "text": ""},
        {"kind": "report", "title": "The board's report", "text": "The chair reports."},
        {"kind": "ordinary", "title": "Appoint the auditors", "text": RESOLUTION},
        {"kind": "special", "title": "Amend the rules", "text": "That rule 12 be *amended*."},
    ):
        assert submit(secretary, manage, item, f"/meetings/{meeting_id}/items").status_code == 302
    page = secretary.get(manage).get_data(as_text=True)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        deadline = services.notice_deadline(meeting)
        starts = meeting.starts_at
    assert f"{deadline:%A} {deadline.day} {deadline:%B %Y}" in page  # the deadline, shown
    assert "14 clear days" in page
    assert "at least two-thirds of the votes cast" in page  # the special resolution's majority

    member = client_for(app, MEMBER)
    assert member.get(f"/meetings/{meeting_id}").status_code == 404  # a draft: not yet
    assert "Annual general meeting 2027" not in member.get("/meetings").get_data(as_text=True)

    given = submit(secretary, manage, {}, f"/meetings/{meeting_id}/notice")
    assert given.status_code == 302
    assert "1 member(s) are being emailed" in secretary.get(manage).get_data(as_text=True)

    emails = notices_in(outbox)
    assert [m["To"] for m in emails] == [MEMBER]  # not the former member, not a supporter
    body = emails[0].get_body(("plain",)).get_content()
    local = starts.astimezone(UK)
    assert f"{local:%A} {local.day} {local:%B %Y}, 7pm" in body  # UK time, day of the week
    assert "The Hall, Llandudno LL30 2AA" in body and "https://meet.example.org/agm" in body
    assert RESOLUTION in body and "That rule 12 be *amended*." in body
    assert f"http://localhost/meetings/{meeting_id}" in body
    assert emails[0]["Subject"] == "Notice of annual general meeting: Annual general meeting 2027"
    with app.app_context():
        notices = db.session.scalars(
            select(Notification.message).where(Notification.member_id == find(MEMBER).id)
        ).all()
        assert any("Notice of the annual general meeting" in n for n in notices)
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.state == "noticed" and meeting.notice_issued_by_id == find(SECRETARY).id
        assert meeting.notice_given_on == membership.today()
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_type == "meeting")
        ).all()
        assert actions.count("meeting.item_add") == 4
        assert {"meeting.create", "meeting.notice"} <= set(actions)

    shown = member.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "<em>amended</em>" in shown and f"{local:%A}" in shown
    assert "Annual general meeting 2027" in member.get("/meetings").get_data(as_text=True)
    assert client_for(app, TREASURER).get(f"/meetings/{meeting_id}").status_code == 200  # officer
    for outsider in (SUPPORTER, ADMIN, ORGANISER, FORMER):
        client = client_for(app, outsider)
        assert client.get(f"/meetings/{meeting_id}").status_code == 404, outsider
        assert client.get("/meetings").status_code == 404, outsider
    assert client_for(app).get(f"/meetings/{meeting_id}").status_code == 302  # sign in first


def test_once_notice_is_given_nothing_it_said_can_change(app, society):
    meeting_id = scheduled(app)
    notice_given(app, meeting_id)
    secretary = client_for(app, SECRETARY)
    manage = f"/meetings/{meeting_id}/manage"
    with app.app_context():
        item_id = db.session.scalar(select(func.min(AgendaItem.id)))
    attempts = [
        (f"/meetings/{meeting_id}/items", {"kind": "report", "title": "Late", "text": ""}),
        (f"/meetings/{meeting_id}/items/{item_id}/edit", {"kind": "report", "title": "New"}),
        (f"/meetings/{meeting_id}/items/{item_id}/remove", {}),
        (f"/meetings/{meeting_id}/edit", meeting_form()),
        (f"/meetings/{meeting_id}/notice", {}),
    ]
    for path, data in attempts:
        response = submit(secretary, manage, data, path)
        assert response.status_code == 409, path
    assert "what it said is fixed" in submit(
        secretary, manage, {"kind": "report", "title": "x"}, f"/meetings/{meeting_id}/items"
    ).get_data(as_text=True)
    assert count(app, AgendaItem) == 2

    with app.app_context(), pytest.raises(DBAPIError, match="fixed"):
        db.session.execute(text("UPDATE agenda_items SET text = 'forged'"))  # any other door
    with app.app_context(), pytest.raises(DBAPIError, match="fixed"):
        db.session.execute(text("DELETE FROM agenda_items"))
    with app.app_context(), pytest.raises(DBAPIError, match="fixed"):
        db.session.execute(text("UPDATE general_meetings SET title = 'forged'"))
    with app.app_context(), pytest.raises(DBAPIError, match="fixed"):
        db.session.execute(text("UPDATE general_meetings SET state = 'draft'"))
    with app.app_context(), pytest.raises(DBAPIError, match="fixed"):
        db.session.execute(
            text("INSERT INTO agenda_items (meeting_id, position, kind, title, text, two_stage, "
                 "majority_more_than) VALUES (:m, 9, 'report', 'x', '', false, true)"),
            {"m": meeting_id},
        )  # fmt: skip


def test_notice_given_too_late_is_refused_with_the_deadline(app, society):
    meeting_id = scheduled(app, days=10)
    secretary = client_for(app, SECRETARY)
    manage = f"/meetings/{meeting_id}/manage"
    assert "That day has passed" in secretary.get(manage).get_data(as_text=True)
    response = submit(secretary, manage, {}, f"/meetings/{meeting_id}/notice")
    assert response.status_code == 409
    with app.app_context():
        deadline = services.notice_deadline(db.session.get(Meeting, meeting_id))
    assert f"had to be given by {deadline:%A} {deadline.day} {deadline:%B %Y}" in (
        response.get_data(as_text=True)
    )
    assert (
        count(app, OutboundEmail, NOTICE_EMAIL) == 0
        and count(app, Meeting, Meeting.state == "noticed") == 0
    )


def test_notice_on_the_last_day_is_in_time_and_a_day_later_is_late(app, society):
    meeting_id = scheduled(app, days=40)
    with app.app_context():
        deadline = services.notice_deadline(db.session.get(Meeting, meeting_id))
    day_after = f"{(deadline + timedelta(days=1)).isoformat()}T12:00:00+00:00"
    with time_machine.travel(day_after), app.app_context(), pytest.raises(Conflict, match="late"):
        services.issue_notice(find(SECRETARY), meeting_id)
    with time_machine.travel(f"{deadline.isoformat()}T12:00:00+00:00"):
        assert notice_given(app, meeting_id) == 1


def test_a_meeting_without_an_agenda_or_in_the_past_gets_no_notice(app, society):
    secretary = client_for(app, SECRETARY)
    empty = scheduled(app, items=0)
    response = submit(secretary, f"/meetings/{empty}/manage", {}, f"/meetings/{empty}/notice")
    assert response.status_code == 409 and "agenda" in response.get_data(as_text=True)
    soon = scheduled(app, days=2)
    later = utcnow() + timedelta(days=3)
    with time_machine.travel(later), app.app_context(), pytest.raises(Conflict, match="passed"):
        services.issue_notice(find(SECRETARY), soon)
    past = submit(secretary, "/meetings/new", meeting_form(starts_at=form_time(uk_local(-1))))
    assert past.status_code == 400 and "must start in the future" in past.get_data(as_text=True)
    assert count(app, OutboundEmail, NOTICE_EMAIL) == 0


def test_only_the_secretary_manages_meetings(app, society):
    meeting_id = scheduled(app)
    with app.app_context():
        item_id = db.session.scalar(select(func.min(AgendaItem.id)))
    routes = [
        ("GET", "/meetings/new"), ("POST", "/meetings/new"),
        ("GET", f"/meetings/{meeting_id}/manage"), ("GET", f"/meetings/{meeting_id}/edit"),
        ("POST", f"/meetings/{meeting_id}/edit"), ("POST", f"/meetings/{meeting_id}/items"),
        ("GET", f"/meetings/{meeting_id}/items/{item_id}/edit"),
        ("POST", f"/meetings/{meeting_id}/items/{item_id}/edit"),
        ("POST", f"/meetings/{meeting_id}/items/{item_id}/remove"),
        ("POST", f"/meetings/{meeting_id}/notice"), ("POST", f"/meetings/{meeting_id}/documents"),
    ]  # fmt: skip
    for who in (SUPPORTER, MEMBER, ADMIN, ORGANISER, TREASURER):
        client = client_for(app, who)
        token = csrf_token(client, "/")
        for method, path in routes:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={"csrf_token": token, **meeting_form()})
            assert response.status_code == 403, (who, method, path)
    with app.app_context():
        find(SECRETARY).totp_secret = None  # the secretary without two-step sign-in
        db.session.commit()
    assert client_for(app, SECRETARY).get("/meetings/new").status_code == 403
    assert count(app, Meeting) == 1 and count(app, AgendaItem) == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "A" * 500}, "title", "200 characters or fewer"),
        ({"title": "Bad\x00title"}, "title", "control character"),
        ({"place": "The\x07Hall"}, "place", "control character"),
        ({"online_url": "http://meet.example.org/x"}, "online_url", "https://"),
        ({"online_url": "javascript:alert(1)"}, "online_url", "https://"),
        ({"place": "", "online_url": ""}, "place", "place of the meeting"),
        ({"starts_at": "not a date"}, "starts_at", "valid"),
        ({"starts_at": "0001-01-01T10:00"}, "starts_at", "2000 to 2999"),
        ({"kind": "secret"}, "kind", "valid choice"),
    ],
)
def test_bad_meeting_details_are_a_400_beside_the_field(app, society, changes, field, message):
    secretary = client_for(app, SECRETARY)
    response = submit(secretary, "/meetings/new", meeting_form(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page and message in page
    assert count(app, Meeting) == 0


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"kind": "ordinary", "title": "No text", "text": ""}, "text", "exact text"),
        ({"kind": "ordinary", "title": "Huge", "text": "x" * 100_000}, "text", "20,000"),
        ({"kind": "ordinary", "title": "Ctl", "text": "a\x1bb"}, "text", "control character"),
        ({"kind": "report", "title": "T" * 500, "text": ""}, "title", "200 characters"),
        ({"kind": "vote", "title": "Bad kind", "text": ""}, "kind", "valid choice"),
        ({"kind": "special", "title": "C", "text": "x", "confirms_id": "99"}, "confirms_id",
         "valid choice"),
    ],
)  # fmt: skip
def test_bad_agenda_items_are_a_400_beside_the_field(app, society, item, field, message):
    meeting_id = scheduled(app, items=0)
    secretary = client_for(app, SECRETARY)
    response = submit(
        secretary, f"/meetings/{meeting_id}/manage", item, f"/meetings/{meeting_id}/items"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page and message in page
    assert count(app, AgendaItem) == 0


def test_resolution_text_is_sanitised_markdown(app, society):
    meeting_id = scheduled(app, items=0)
    with app.app_context():
        attack = "<script>alert(1)</script> [x](javascript:alert(1)) **fine**"
        services.add_item(find(SECRETARY), meeting_id, "ordinary", "Attack", attack)
        db.session.commit()
    notice_given(app, meeting_id)
    page = client_for(app, MEMBER).get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "<strong>fine</strong>" in page
    assert "<script>alert" not in page and 'href="javascript' not in page


def test_a_two_stage_special_resolution_is_confirmed_14_days_to_a_month_later(app, society):
    first_day = uk_local(30)
    first = scheduled(app, items=0, kind="special", starts=first_day, title="First")
    with app.app_context():
        stage_one = services.add_item(
            find(SECRETARY), first, "special", "Amalgamate",
            "That the society amalgamates with X.", two_stage=True,
        )  # fmt: skip
        db.session.commit()
        stage_one_id = stage_one.id
    too_soon = scheduled(app, items=0, kind="special", starts=first_day + timedelta(days=13))
    too_late = scheduled(app, items=0, kind="special", starts=first_day + timedelta(days=32))
    in_time = scheduled(app, items=0, kind="special", starts=first_day + timedelta(days=14))
    secretary = client_for(app, SECRETARY)
    confirm = {"kind": "special", "title": "Confirm", "text": "", "confirms_id": str(stage_one_id)}
    for meeting_id in (too_soon, too_late):
        response = submit(secretary, f"/meetings/{meeting_id}/manage", confirm,
                          f"/meetings/{meeting_id}/items")  # fmt: skip
        assert response.status_code == 400
        assert "s.111(2)" in response.get_data(as_text=True)
    added = submit(secretary, f"/meetings/{in_time}/manage", confirm, f"/meetings/{in_time}/items")
    assert added.status_code == 302
    with app.app_context():
        confirmation = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == in_time))
        assert confirmation.confirms_id == stage_one_id
        assert confirmation.text == "That the society amalgamates with X."  # the same resolution
        assert (confirmation.majority_numerator, confirmation.majority_denominator) == (1, 2)
        assert confirmation.majority_more_than
        first_stage = db.session.get(AgendaItem, stage_one_id)
        assert first_stage.majority_numerator * 3 >= first_stage.majority_denominator * 2
    refused = submit(secretary, f"/meetings/{in_time}/manage", {}, f"/meetings/{in_time}/notice")
    assert refused.status_code == 409 and "before" in refused.get_data(as_text=True)
    notice_given(app, first)
    assert notice_given(app, in_time) == 1


def test_notice_sent_twice_at_once_is_given_once(app, society, outbox):
    meeting_id = scheduled(app)
    secretary = client_for(app, SECRETARY)
    manage = f"/meetings/{meeting_id}/manage"
    clients = [secretary] + [copy_of(app, secretary) for _ in range(3)]
    forms = [{"csrf_token": csrf_token(c, manage)} for c in clients]
    statuses = post_at_once(clients, f"/meetings/{meeting_id}/notice", forms)
    assert sorted(statuses) == [302, 409, 409, 409]
    assert count(app, OutboundEmail, NOTICE_EMAIL) == 1
    assert len(notices_in(outbox)) == 1
    assert count(app, Notification, Notification.message.like("Notice of the%")) == 1
    assert count(app, AuditEntry, AuditEntry.action == "meeting.notice") == 1
