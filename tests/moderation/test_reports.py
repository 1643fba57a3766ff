import pytest

from coop.accounts.services import find_by_email
from coop.errors import Conflict
from coop.extensions import db
from coop.ideas.models import Idea
from coop.moderation import services
from coop.moderation.models import Report
from tests.factories import client_for
from tests.moderation.helpers import AUTHOR, notifications_of, people, rows
from tests.support import load_member, make_idea, make_member, quick_members, submit


def report(client, idea_id: int, reason: str = "spam", note: str = ""):
    return submit(client, f"/report/idea/{idea_id}", {"reason": reason, "note": note})


def test_a_member_reports_an_idea_once(app):
    people(app)
    idea_id = make_idea(app)
    make_member(app, email="r@example.org", name="Rita")
    client = client_for(app, "r@example.org")
    assert report(client, idea_id, note="Advertising").status_code == 302
    again = report(client, idea_id)
    assert again.status_code == 409
    assert "already reported" in again.get_data(as_text=True)
    [entry] = rows(app, Report)
    assert (entry.reason, entry.note) == ("spam", "Advertising")


def test_a_report_sent_twice_at_the_same_moment_is_a_conflict(app, monkeypatch):
    """The second of two reports sent at once passes the check before the first is written:
    the unique key refuses it, and the member is told as for any report sent again."""
    people(app)
    idea_id = make_idea(app)
    make_member(app, email="r@example.org", name="Rita")
    assert report(client_for(app, "r@example.org"), idea_id).status_code == 302
    with app.app_context():
        rita = find_by_email("r@example.org")
        monkeypatch.setattr(db.session(), "scalar", lambda *args, **kwargs: None)  # no report yet
        with pytest.raises(Conflict, match="already reported"):
            services.report(rita, "idea", idea_id, "spam", "")
        db.session.rollback()
    assert len(rows(app, Report)) == 1


def test_one_cannot_report_ones_own_idea(app):
    people(app)
    idea_id = make_idea(app)
    response = report(client_for(app, AUTHOR), idea_id)
    assert response.status_code == 400
    assert "You cannot report your own contribution." in response.get_data(as_text=True)
    assert rows(app, Report) == []


def test_a_report_needs_a_reason(app):
    people(app)
    idea_id = make_idea(app)
    make_member(app, email="r@example.org", name="Rita")
    response = report(client_for(app, "r@example.org"), idea_id, reason="")
    assert response.status_code == 400
    assert "Choose a reason" in response.get_data(as_text=True)


def test_three_reports_hide_an_idea_until_review_and_tell_the_author(app):
    people(app)
    idea_id = make_idea(app, title="Buy cheap watches")
    reporters = quick_members(app, 3, prefix="reporter")
    with app.app_context():
        from coop.accounts.models import Member
        from coop.extensions import db
        from coop.moderation.services import report as report_service

        for member_id in reporters:
            report_service(db.session.get(Member, member_id), "idea", idea_id, "spam", "")
        db.session.commit()
    [idea] = rows(app, Idea)
    assert idea.moderation_state == "held"
    public = app.test_client().get(f"/ideas/{idea_id}", follow_redirects=True)
    html = public.get_data(as_text=True)
    assert "Buy cheap watches" not in html
    assert "hidden while moderators review reports" in html
    assert "Buy cheap watches" not in app.test_client().get("/ideas").get_data(as_text=True)
    author = load_member(app, AUTHOR)
    assert any("hidden while moderators review" in m for m in notifications_of(app, author.id))


def test_two_reports_do_not_hide(app):
    people(app)
    idea_id = make_idea(app)
    for email in ("a@example.org", "b@example.org"):
        make_member(app, email=email, name=email)
        report(client_for(app, email), idea_id)
    assert rows(app, Idea)[0].moderation_state == "published"


def test_visitors_and_unverified_members_cannot_report(app):
    people(app)
    idea_id = make_idea(app)
    assert app.test_client().get(f"/report/idea/{idea_id}").status_code == 302
    make_member(app, email="new@example.org", name="New", verified=False)
    client = client_for(app, "new@example.org")
    assert client.get(f"/report/idea/{idea_id}").status_code == 403


def test_reporting_something_missing_is_a_404(app):
    people(app)
    make_member(app, email="r@example.org", name="Rita")
    assert client_for(app, "r@example.org").get("/report/idea/999").status_code == 404
