import pytest

from tests.ideas.helpers import load_idea
from tests.support import make_idea, make_member, sign_in, submit


@pytest.fixture
def idea_id(app):
    make_member(app)
    return make_idea(app, title="Build more homes")


def test_an_idea_is_shared_at_its_id_and_slug(client, idea_id):
    response = client.get(f"/ideas/{idea_id}/build-more-homes")
    assert response.status_code == 200
    assert "<h1>Build more homes</h1>" in response.get_data(as_text=True)
    listing = client.get("/ideas").get_data(as_text=True)
    assert f'href="/ideas/{idea_id}/build-more-homes"' in listing


def test_a_missing_or_wrong_slug_redirects_permanently_to_the_canonical_address(client, idea_id):
    for slug in ["", "/build-more", "/Build-More-Homes", "/something-else"]:
        response = client.get(f"/ideas/{idea_id}{slug}")
        assert response.status_code == 301, slug
        assert response.headers["Location"] == f"/ideas/{idea_id}/build-more-homes"


def test_the_old_address_leads_to_the_idea_after_its_title_changes(app, client, idea_id):
    sign_in(client)
    topic_id = load_idea(app, idea_id).topic_id
    data = {"title": "Build homes for key workers", "body": "Teachers.", "topic_id": topic_id}
    submit(client, f"/ideas/{idea_id}/edit", data)

    response = client.get(f"/ideas/{idea_id}/build-more-homes")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/ideas/{idea_id}/build-homes-for-key-workers"


def test_an_unknown_idea_gives_404(client, idea_id):
    for path in ["/ideas/999", "/ideas/999/build-more-homes", "/ideas/abc", "/ideas/0"]:
        assert client.get(path).status_code == 404, path


def test_slugs_are_readable_and_short(app):
    make_member(app)
    expected = {
        "Café & crèche: 100% öffentlich!": "cafe-creche-100-offentlich",
        "¿¡?!": "idea",
        ("word " * 28).strip(): ("word-" * 16)[:-1],
    }
    for title, slug in expected.items():
        assert load_idea(app, make_idea(app, title=title)).slug == slug
