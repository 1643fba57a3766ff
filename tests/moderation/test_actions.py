from coop.accounts.models import Role
from coop.ideas.models import Idea
from coop.moderation.models import ModerationAction
from tests.factories import client_for
from tests.moderation.helpers import (
    ADMIN,
    AUTHOR,
    ORGANISER,
    OTHER_ORGANISER,
    act,
    actions,
    audited,
    notifications_of,
    people,
    rows,
)
from tests.support import load_member, make_idea, make_member, sign_in, submit


def test_hiding_needs_a_reason_and_a_category(app):
    people(app)
    idea_id = make_idea(app)
    organiser = client_for(app, ORGANISER)
    no_reason = act(organiser, "idea", idea_id, "hide", reason="", category="spam")
    assert no_reason.status_code == 400
    assert "Give a reason" in no_reason.get_data(as_text=True)
    no_category = act(organiser, "idea", idea_id, "hide", reason="Advert")
    assert no_category.status_code == 400
    assert rows(app, Idea)[0].moderation_state == "published"
    assert actions(app) == [] and audited(app) == []


def test_a_hidden_idea_shows_a_tombstone_and_its_author_the_full_reason(app, outbox):
    people(app)
    idea_id = make_idea(app, title="Cheap pills here")
    organiser = client_for(app, ORGANISER)
    response = act(organiser, "idea", idea_id, "hide", reason="Selling pills", category="spam")
    assert response.status_code == 302
    public = app.test_client().get(f"/ideas/{idea_id}", follow_redirects=True)
    html = public.get_data(as_text=True)
    assert "Cheap pills here" not in html and "Moderators hid this idea. Reason: Spam" in html
    assert "Selling pills" not in html
    author_page = client_for(app, AUTHOR).get(f"/ideas/{idea_id}", follow_redirects=True)
    assert "Selling pills" in author_page.get_data(as_text=True)
    author = load_member(app, AUTHOR)
    assert any("Selling pills" in m for m in notifications_of(app, author.id))
    assert outbox.to(AUTHOR)[-1]["Subject"] == "News about your contribution"
    assert actions(app) == ["hide"] and audited(app) == ["moderation.hide"]


def test_restore_brings_hidden_content_back(app):
    people(app)
    idea_id = make_idea(app, title="Fair idea")
    organiser = client_for(app, ORGANISER)
    act(organiser, "idea", idea_id, "hide", reason="Mistake?", category="other")
    act(organiser, "idea", idea_id, "restore", reason="It was fine")
    assert "Fair idea" in app.test_client().get("/ideas").get_data(as_text=True)


def test_a_declined_idea_shows_the_reason(app):
    people(app)
    idea_id = make_idea(app)
    act(client_for(app, ORGANISER), "idea", idea_id, "decline", reason="Outside our remit")
    html = app.test_client().get(f"/ideas/{idea_id}", follow_redirects=True).get_data(as_text=True)
    assert "Declined" in html and "Outside our remit" in html


def test_locked_comments_refuse_new_comments(app):
    people(app)
    idea_id = make_idea(app)
    act(client_for(app, ORGANISER), "idea", idea_id, "lock", reason="Heated")
    author = client_for(app, AUTHOR)
    page = f"/ideas/{idea_id}/build-more-homes"
    assert "closed this discussion" in author.get(page).get_data(as_text=True)
    response = submit(author, page, {"body": "Still?"}, action=f"/ideas/{idea_id}/comments")
    assert response.status_code == 409


def test_a_suspended_member_can_read_but_not_contribute_and_is_signed_out(app):
    people(app)
    idea_id = make_idea(app)
    author = client_for(app, AUTHOR)
    member = load_member(app, AUTHOR)
    act(client_for(app, ORGANISER), "member", member.id, "suspend", reason="Insults", days="7")
    assert author.get("/account").status_code == 302  # every session ended
    sign_in(author, AUTHOR)
    assert author.get(f"/ideas/{idea_id}", follow_redirects=True).status_code == 200
    response = author.get("/ideas/new")
    assert response.status_code == 403
    assert "suspended until" in response.get_data(as_text=True)


def test_a_banned_member_cannot_sign_in_until_the_ban_is_lifted(app):
    people(app)
    member = load_member(app, AUTHOR)
    organiser = client_for(app, ORGANISER)
    act(organiser, "member", member.id, "ban", reason="Threats")
    assert sign_in(app.test_client(), AUTHOR).status_code == 400
    act(organiser, "member", member.id, "lift", reason="Apologised")
    assert sign_in(app.test_client(), AUTHOR).status_code == 302


def test_only_an_admin_can_sanction_an_organiser(app):
    people(app)
    make_member(app, email=OTHER_ORGANISER, name="Other", role=Role.ORGANISER)
    make_member(app, email=ADMIN, name="Ada", role=Role.ADMIN)
    other = load_member(app, OTHER_ORGANISER)
    refused = act(client_for(app, ORGANISER), "member", other.id, "ban", reason="Rival")
    assert refused.status_code == 403
    assert act(client_for(app, ADMIN), "member", other.id, "suspend", reason="Cool off",
               days="1").status_code == 302  # fmt: skip


def test_members_and_visitors_cannot_moderate(app):
    people(app)
    idea_id = make_idea(app)
    member = client_for(app, AUTHOR)
    assert member.get("/moderation").status_code == 403
    assert member.get(f"/moderation/idea/{idea_id}").status_code == 403
    assert member.post(f"/moderation/idea/{idea_id}", data={}).status_code in (400, 403)
    assert app.test_client().get("/moderation").status_code == 302
    assert rows(app, ModerationAction) == []


def test_acting_on_something_missing_is_a_404(app):
    people(app)
    organiser = client_for(app, ORGANISER)
    assert organiser.get("/moderation/idea/999").status_code == 404
    assert organiser.get("/moderation/nothing/1").status_code == 404


def test_the_queue_puts_the_most_reported_first_with_reasons(app):
    from coop.extensions import db
    from coop.moderation.services import report
    from tests.support import quick_members

    people(app)
    quiet = make_idea(app, title="Quiet idea")
    loud = make_idea(app, title="Loud idea")
    reporters = quick_members(app, 2, prefix="rep")
    with app.app_context():
        from coop.accounts.models import Member

        report(db.session.get(Member, reporters[0]), "idea", quiet, "off_topic", "")
        for member_id in reporters:
            report(db.session.get(Member, member_id), "idea", loud, "abuse", "")
        db.session.commit()
    html = client_for(app, ORGANISER).get("/moderation").get_data(as_text=True)
    assert html.index("Loud idea") < html.index("Quiet idea")
    assert "Abuse or harassment (2)" in html and "Off topic (1)" in html


def test_a_hidden_comment_leaves_a_tombstone_with_the_category(app):
    from coop.comments.models import Comment

    people(app)
    idea_id = make_idea(app)
    author = client_for(app, AUTHOR)
    page = f"/ideas/{idea_id}/build-more-homes"
    submit(author, page, {"body": "You are all idiots"}, action=f"/ideas/{idea_id}/comments")
    [comment] = rows(app, Comment)
    act(client_for(app, ORGANISER), "comment", comment.id, "hide", reason="Insult",
        category="abuse")  # fmt: skip
    public = app.test_client().get(page).get_data(as_text=True)
    assert "You are all idiots" not in public
    assert "Comment hidden by moderators: Abuse or harassment." in public
    assert "You are all idiots" in author.get(page).get_data(as_text=True)


def test_unlocking_reopens_the_discussion(app):
    people(app)
    idea_id = make_idea(app)
    organiser = client_for(app, ORGANISER)
    act(organiser, "idea", idea_id, "lock", reason="Heated")
    act(organiser, "idea", idea_id, "unlock", reason="Calmer now")
    author = client_for(app, AUTHOR)
    page = f"/ideas/{idea_id}/build-more-homes"
    response = submit(author, page, {"body": "Back again"}, action=f"/ideas/{idea_id}/comments")
    assert response.status_code == 302
    assert actions(app) == ["lock", "unlock"]
