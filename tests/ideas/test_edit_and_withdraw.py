import pytest

from coop.accounts.models import Role
from tests.factories import signed_in
from tests.ideas.helpers import load_idea, revisions_of
from tests.support import make_idea, make_member, make_proposal, make_topic, sign_in, submit

ORIGINAL = ("Build more homes", "We need **affordable** homes.")


@pytest.fixture
def idea_id(app):
    make_member(app, name="Rosa Author")
    return make_idea(app, title=ORIGINAL[0], body=ORIGINAL[1])


@pytest.fixture
def author(client, idea_id):
    sign_in(client)
    return client


@pytest.fixture
def other(app, idea_id):
    return signed_in(app, "other@example.org", "Other Member")


def edit(client, idea_id: int, **changes):
    """Post the edit form with the original text and the idea's topic, and these changes."""
    topic_id = load_idea(client.application, idea_id).topic_id
    data = {"title": ORIGINAL[0], "body": ORIGINAL[1], "topic_id": topic_id, **changes}
    return submit(client, f"/ideas/{idea_id}/edit", data)


def test_the_edit_form_is_filled_with_the_current_text(author, idea_id):
    html = author.get(f"/ideas/{idea_id}/edit").get_data(as_text=True)
    assert 'value="Build more homes"' in html
    assert "We need **affordable** homes.</textarea>" in html


def test_each_edit_keeps_the_previous_version_and_the_page_says_edited(app, author, idea_id):
    new_topic = make_topic(app, "Transport")

    first = edit(author, idea_id, title="Build homes near stations", topic_id=new_topic)
    second = edit(
        author,
        idea_id,
        title="Build homes near stations",
        body="Near *trams* too.",
        topic_id=new_topic,
    )

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == f"/ideas/{idea_id}/build-homes-near-stations"
    assert revisions_of(app, idea_id) == [ORIGINAL, ("Build homes near stations", ORIGINAL[1])]
    idea = load_idea(app, idea_id)
    assert (idea.title, idea.body, idea.topic_id) == (
        "Build homes near stations",
        "Near *trams* too.",
        new_topic,
    )
    assert idea.body_html == "<p>Near <em>trams</em> too.</p>\n"
    assert idea.edited_at is not None
    html = author.get(second.headers["Location"]).get_data(as_text=True)
    assert "Your changes are saved." in html
    assert '<span class="edited">edited' in html
    assert "Near <em>trams</em> too." in html


def test_a_new_idea_is_not_marked_edited(client, idea_id):
    html = client.get(f"/ideas/{idea_id}", follow_redirects=True).get_data(as_text=True)
    assert 'class="edited"' not in html


def test_saving_an_unchanged_idea_keeps_no_revision(app, author, idea_id):
    assert edit(author, idea_id).status_code == 302
    assert revisions_of(app, idea_id) == []
    assert load_idea(app, idea_id).edited_at is None


def test_an_invalid_edit_is_refused_beside_the_field_and_changes_nothing(app, author, idea_id):
    for field, value in [("title", ""), ("body", "x" * 10_001), ("topic_id", 99)]:
        response = edit(author, idea_id, **{field: value})
        assert response.status_code == 400, field
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    idea = load_idea(app, idea_id)
    assert (idea.title, idea.body, idea.edited_at) == (*ORIGINAL, None)
    assert revisions_of(app, idea_id) == []


def test_another_member_cannot_edit_an_idea(app, other, idea_id):
    assert other.get(f"/ideas/{idea_id}/edit").status_code == 403
    response = edit(other, idea_id, title="Hijacked")
    assert response.status_code == 403
    assert "Only the author can change this idea." in response.get_data(as_text=True)
    assert load_idea(app, idea_id).title == ORIGINAL[0]
    assert revisions_of(app, idea_id) == []
    page = other.get(f"/ideas/{idea_id}", follow_redirects=True).get_data(as_text=True)
    assert f"/ideas/{idea_id}/edit" not in page
    assert f"/ideas/{idea_id}/withdraw" not in page


def test_a_visitor_is_sent_to_sign_in_to_edit(client, idea_id):
    response = client.get(f"/ideas/{idea_id}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_an_idea_put_to_a_vote_can_no_longer_be_edited(app, author, idea_id):
    make_member(app, email="org@example.org", name="Organiser", role=Role.ORGANISER)
    make_proposal(app, "org@example.org", idea_id=idea_id)

    assert author.get(f"/ideas/{idea_id}/edit").status_code == 409
    response = edit(author, idea_id, title="Too late")
    assert response.status_code == 409
    assert "can no longer be edited" in response.get_data(as_text=True)
    assert load_idea(app, idea_id).title == ORIGINAL[0]
    assert revisions_of(app, idea_id) == []
    page = author.get(f"/ideas/{idea_id}", follow_redirects=True).get_data(as_text=True)
    assert f"/ideas/{idea_id}/edit" not in page


def test_the_author_withdraws_an_idea_which_stays_readable_and_marked_withdrawn(
    app, author, idea_id
):
    page = f"/ideas/{idea_id}/build-more-homes"
    response = submit(author, page, action=f"/ideas/{idea_id}/withdraw", follow_redirects=True)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your idea is withdrawn." in html
    idea = load_idea(app, idea_id)
    assert idea.stage == "withdrawn"
    assert idea.withdrawn_at is not None
    for viewer in (author, app.test_client()):
        html = viewer.get(page).get_data(as_text=True)
        assert '<span class="badge stage-withdrawn">Withdrawn</span>' in html
        assert "<h1>Build more homes</h1>" in html
        assert "We need <strong>affordable</strong> homes." in html
    assert f"/ideas/{idea_id}/edit" not in html
    listed = app.test_client().get("/ideas?stage=withdrawn").get_data(as_text=True)
    assert "Build more homes" in listed


def test_a_withdrawn_idea_can_no_longer_be_edited_or_withdrawn_again(app, author, idea_id):
    page = f"/ideas/{idea_id}/build-more-homes"
    submit(author, page, action=f"/ideas/{idea_id}/withdraw")

    assert edit(author, idea_id, title="Back again").status_code == 409
    assert submit(author, page, action=f"/ideas/{idea_id}/withdraw").status_code == 409
    assert load_idea(app, idea_id).title == ORIGINAL[0]


def test_another_member_cannot_withdraw_an_idea(app, other, idea_id):
    page = f"/ideas/{idea_id}/build-more-homes"
    response = submit(other, page, action=f"/ideas/{idea_id}/withdraw")
    assert response.status_code == 403
    assert load_idea(app, idea_id).stage == "discussion"


def test_an_idea_put_to_a_vote_cannot_be_withdrawn(app, author, idea_id):
    make_member(app, email="org@example.org", name="Organiser", role=Role.ORGANISER)
    make_proposal(app, "org@example.org", idea_id=idea_id)
    page = f"/ideas/{idea_id}/build-more-homes"
    assert submit(author, page, action=f"/ideas/{idea_id}/withdraw").status_code == 409
    assert load_idea(app, idea_id).stage == "voting"
