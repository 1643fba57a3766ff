"""Rules found by review: no moderator acts on their own case, sanctions bind organisers
too, and nothing about hidden or pending content leaks through redirects or links."""

from coop.accounts.models import Role
from coop.ideas.models import Idea
from coop.moderation.models import Appeal, ModerationAction
from tests.factories import client_for
from tests.moderation.helpers import ADMIN, ORGANISER, OTHER_ORGANISER, act, people, rows
from tests.support import load_member, make_idea, make_member, make_proposal, submit


def test_a_suspended_organiser_has_no_powers_and_cannot_lift_their_suspension(app):
    people(app)
    make_member(app, email=ADMIN, name="Ada", role=Role.ADMIN)
    organiser = load_member(app, ORGANISER)
    act(client_for(app, ADMIN), "member", organiser.id, "suspend", reason="Cool off", days="3")
    client = client_for(app, ORGANISER)
    assert client.get("/moderation").status_code == 403
    assert act(client, "member", organiser.id, "lift", reason="Mine").status_code == 403
    assert load_member(app, ORGANISER).is_suspended


def test_an_organiser_cannot_lift_an_admins_ban_on_another_organiser(app):
    people(app)
    make_member(app, email=ADMIN, name="Ada", role=Role.ADMIN)
    make_member(app, email=OTHER_ORGANISER, name="Other", role=Role.ORGANISER)
    other = load_member(app, OTHER_ORGANISER)
    act(client_for(app, ADMIN), "member", other.id, "ban", reason="Abuse")
    assert (
        act(client_for(app, ORGANISER), "member", other.id, "lift", reason="Friend").status_code
        == 403
    )


def test_nobody_moderates_or_decides_an_appeal_on_their_own_content(app):
    people(app)
    make_member(app, email=OTHER_ORGANISER, name="Other", role=Role.ORGANISER)
    idea_id = make_idea(app, author_email=OTHER_ORGANISER, title="Mine")
    act(
        client_for(app, ORGANISER),
        "idea",
        idea_id,
        "hide",
        reason="Off topic",
        category="off_topic",
    )
    other = client_for(app, OTHER_ORGANISER)
    assert act(other, "idea", idea_id, "restore", reason="No").status_code == 403
    [action] = rows(app, ModerationAction)
    submit(other, f"/appeals/{action.id}", {"statement": "Please"})
    [appeal] = rows(app, Appeal)
    decision = submit(other, "/moderation", {"outcome": "overturned", "reason": "Me"},
                      action=f"/moderation/appeals/{appeal.id}")  # fmt: skip
    assert decision.status_code == 403
    assert rows(app, Idea)[0].moderation_state == "hidden"


def test_a_hidden_idea_does_not_redirect_to_its_title(app):
    people(app)
    idea_id = make_idea(app, title="John Smith lives at 12 High Street")
    act(client_for(app, ORGANISER), "idea", idea_id, "hide", reason="Address",
        category="personal_data")  # fmt: skip
    response = app.test_client().get(f"/ideas/{idea_id}")
    assert response.status_code == 200
    assert "john-smith" not in response.headers.get("Location", "")
    assert "John Smith" not in response.get_data(as_text=True)


def test_a_proposal_page_does_not_name_its_hidden_idea(app):
    people(app)
    idea_id = make_idea(app, title="Secret title")
    proposal_id = make_proposal(app, ORGANISER, idea_id=idea_id)
    make_member(app, email=OTHER_ORGANISER, name="Other", role=Role.ORGANISER)
    act(client_for(app, OTHER_ORGANISER), "idea", idea_id, "hide", reason="x", category="other")
    page = app.test_client().get(f"/proposals/{proposal_id}", follow_redirects=True)
    assert "Secret title" not in page.get_data(as_text=True).split("<h1>")[1]


def test_declining_a_held_idea_keeps_it_out_of_public_view(app):
    people(app)
    idea_id = make_idea(app, title="Held idea")
    from coop.extensions import db

    with app.app_context():
        db.session.get(Idea, idea_id).moderation_state = "held"
        db.session.commit()
    act(client_for(app, ORGANISER), "idea", idea_id, "decline", reason="No")
    assert rows(app, Idea)[0].moderation_state == "held"
    assert "Held idea" not in app.test_client().get("/ideas").get_data(as_text=True)


def test_pending_content_cannot_be_reported_or_reacted_to_by_others(app_factory):
    app = app_factory(PREMODERATION_COUNT=2)
    people(app)
    idea_id = make_idea(app)
    make_member(app, email="r@example.org", name="Rita")
    client = client_for(app, "r@example.org")
    assert client.get(f"/report/idea/{idea_id}").status_code == 404
    page = "/ideas"
    token_response = submit(client, page, {"reaction": "support"}, action=f"/ideas/{idea_id}/react")
    assert token_response.status_code == 404


def test_a_very_long_reason_is_kept_whole_in_the_action_and_shortened_in_the_notification(app):
    people(app)
    idea_id = make_idea(app)
    reason = "Too long. " * 190
    response = act(client_for(app, ORGANISER), "idea", idea_id, "lock", reason=reason)
    assert response.status_code == 302
    assert rows(app, ModerationAction)[0].reason == reason.strip()
