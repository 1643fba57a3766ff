from tests.factories import client_for
from tests.moderation.helpers import AUTHOR, ORGANISER, act, people
from tests.support import make_idea, submit


def test_members_see_unread_notifications_and_mark_them_read(app):
    people(app)
    idea_id = make_idea(app)
    act(client_for(app, ORGANISER), "idea", idea_id, "lock", reason="Cooling down")
    author = client_for(app, AUTHOR)
    home = author.get("/").get_data(as_text=True)
    assert '1<span class="visually-hidden"> unread</span>' in home
    page = author.get("/notifications").get_data(as_text=True)
    assert "closed to new comments" in page and "Cooling down" in page
    submit(author, "/notifications", action="/notifications/read")
    assert "unread</span>" not in author.get("/").get_data(as_text=True)


def test_notifications_are_private_to_their_member(app):
    people(app)
    idea_id = make_idea(app)
    act(client_for(app, ORGANISER), "idea", idea_id, "lock", reason="Private reason")
    assert "Private reason" not in client_for(app, ORGANISER).get("/notifications").get_data(
        as_text=True
    )
    assert app.test_client().get("/notifications").status_code == 302
