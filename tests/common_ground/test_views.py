"""Common ground in the product: the list sort, the home page, idea pages, the explainer
and the organiser's "recompute now"."""

import re

import pytest
from sqlalchemy import select

from coop.accounts.models import Role
from coop.audit.models import AuditEntry
from coop.extensions import db
from tests.common_ground import population as pop
from tests.common_ground.helpers import run_recompute, seed_population, stored_scores, title_of
from tests.factories import client_for, signed_in
from tests.ideas.helpers import titles_listed
from tests.support import count_queries, make_member, submit

ORGANISER = "organiser@example.org"
RECOMPUTE = "/organise/common-ground/recompute"
PARTY_NAMES = re.compile(
    r"labour|conservative|tory|tories|lib ?dem|liberal|reform uk|green party|snp|plaid|"
    r"left[- ]wing|right[- ]wing|the left|the right",
    re.IGNORECASE,
)


@pytest.fixture
def seeded(app):
    return seed_population(app)


@pytest.fixture
def scored(app, seeded):
    run_recompute(app)
    return seeded


def organiser_client(app):
    return signed_in(app, ORGANISER, "Olu Organiser", Role.ORGANISER)


def page(client, path: str) -> str:
    """The page, its whitespace collapsed so that phrases wrapped in templates match."""
    response = client.get(path)
    assert response.status_code == 200, path
    return " ".join(response.get_data(as_text=True).split())


def idea_path(seeded, synthetic_id: int) -> str:
    return f"/ideas/{seeded.idea(synthetic_id)}/idea-{synthetic_id}"


# The list and the home page


def test_the_common_ground_sort_puts_bridging_ideas_first_and_the_popular_one_below(client, scored):
    html = page(client, "/ideas?sort=common")
    assert '<option value="common" selected>Common ground</option>' in html
    titles = titles_listed(html)
    bridging = {title_of(i) for i in pop.BRIDGING}
    assert set(titles[: len(bridging)]) == bridging
    assert title_of(pop.POPULAR) not in titles[: len(bridging)]
    everything = titles + titles_listed(page(client, "/ideas?sort=common&page=2"))
    everything += titles_listed(page(client, "/ideas?sort=common&page=3"))
    assert everything.index(title_of(pop.POPULAR)) > len(bridging)


def test_the_common_ground_sort_ranks_within_a_topic(client, scored):
    transport = titles_listed(page(client, "/ideas?sort=common&topic=transport"))
    assert transport and not {title_of(i) for i in pop.BRIDGING} & set(transport)
    housing = titles_listed(page(client, "/ideas?sort=common&topic=housing"))
    assert set(housing) == {title_of(i) for i in pop.BRIDGING}


def test_ideas_not_scored_yet_follow_scored_ones_newest_first(app, client, seeded):
    titles = titles_listed(page(client, "/ideas?sort=common"))
    assert titles == titles_listed(page(client, "/ideas?sort=newest"))


def test_the_home_page_ranks_ideas_by_common_ground(client, scored):
    html = page(client, "/")
    assert "Common ground" in html
    assert set(titles_listed(html)) == {title_of(i) for i in pop.BRIDGING}
    assert 'href="/ideas?sort=common"' in html
    assert 'href="/common-ground"' in html


def test_the_common_ground_list_runs_as_few_queries_as_the_other_sorts(app, client, scored):
    client.get("/ideas")
    common = count_queries(app, lambda: client.get("/ideas?sort=common"))
    newest = count_queries(app, lambda: client.get("/ideas?sort=newest"))
    assert common == newest <= 8


# Idea pages


def test_an_idea_with_common_ground_says_so_in_plain_words(client, scored):
    html = page(client, idea_path(scored, pop.BRIDGING[0]))
    assert "Supported by most members on both sides of the main divide" in html
    assert re.search(r"\d+% on one side and \d+% on the other", html)
    assert 'href="/common-ground"' in html
    assert not PARTY_NAMES.search(html)


def test_a_one_camp_idea_is_explained_without_naming_sides(client, scored):
    html = page(client, idea_path(scored, pop.POPULAR))
    assert "Not supported across the divide" in html
    assert "Most members on one side of the main divide support it" in html
    assert not PARTY_NAMES.search(html)


def test_new_and_unscored_ideas_are_explained_too(app, client, seeded):
    assert "Not scored yet" in page(client, idea_path(seeded, pop.NEW))
    run_recompute(app)
    assert "Needs more votes" in page(client, idea_path(seeded, pop.NEW))


def test_the_explanation_adds_one_query_to_an_idea_page_whatever_the_idea(app, client, scored):
    counts = {
        synthetic: count_queries(app, lambda s=synthetic: client.get(idea_path(scored, s)))
        for synthetic in (pop.BRIDGING[0], pop.POPULAR, pop.NEW)
    }
    assert len(set(counts.values())) == 1


# The explainer and recomputing on demand


def test_the_explainer_is_public_and_never_names_parties(app, client, scored):
    html = page(client, "/common-ground")
    assert "main divide" in html
    assert "never stored, logged, shown or exported" in html
    assert f"{len(pop.BRIDGING)} ideas have common ground" in html
    assert not PARTY_NAMES.search(html)
    assert RECOMPUTE not in html


def test_an_organiser_recomputes_now_and_it_is_recorded(app, seeded):
    client = organiser_client(app)
    assert RECOMPUTE in page(client, "/common-ground")

    response = submit(client, "/common-ground", action=RECOMPUTE)

    assert response.status_code == 302
    assert response.headers["Location"] == "/common-ground"
    assert set(stored_scores(app)) == set(seeded.ideas.values())  # the task ran (eagerly)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "common_ground.recompute" in actions
    assert "being worked out again" in page(client, "/common-ground")


def test_only_organisers_may_recompute(app, seeded):
    make_member(app)
    member = client_for(app, "member@example.org")
    assert submit(member, "/common-ground", action=RECOMPUTE).status_code == 403
    visitor = app.test_client()
    response = submit(visitor, "/sign-in", action=RECOMPUTE)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert stored_scores(app) == {}


def test_recompute_needs_the_csrf_token(app, seeded):
    client = organiser_client(app)
    assert client.post(RECOMPUTE).status_code == 400
    assert client.get(RECOMPUTE).status_code == 405
    assert stored_scores(app) == {}
