from coop.accounts.models import Role
from tests.factories import client_for
from tests.support import make_idea, make_member, make_proposal, submit


def test_main_pages_render_for_visitors_members_and_organisers(app):
    make_member(app)
    make_member(app, email="org@example.org", name="Org", role=Role.ORGANISER)
    idea_id = make_idea(app)
    proposal_id = make_proposal(app, "org@example.org", idea_id=idea_id)
    for email in (None, "member@example.org", "org@example.org"):
        client = client_for(app, email)
        for path in (
            "/",
            "/ideas",
            "/ideas?sort=trending",
            "/ideas?q=homes",
            f"/ideas/{idea_id}",
            "/proposals",
            f"/proposals/{proposal_id}",
        ):
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, (email, path)
    client = client_for(app, "org@example.org")
    assert client.get("/organise/topics").status_code == 200
    assert client.get(f"/proposals/new?idea={idea_id}").status_code in (200, 409)
    assert client.get("/ideas/new").status_code == 200
    page = client.get(f"/proposals/{proposal_id}").headers["Location"]
    r = submit(client, page, {"choice": "for"}, action=f"/proposals/{proposal_id}/vote")
    assert r.status_code == 302
