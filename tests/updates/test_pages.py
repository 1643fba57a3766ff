"""The public updates: the list, each update's page at its canonical address, the home
page's latest updates, and what the digest reads."""

import re
from datetime import timedelta

import pytest

from coop.uktime import iso, uk_date, uk_datetime, utcnow
from coop.updates.services import PER_PAGE
from tests.support import submit
from tests.updates.helpers import load_update, make_update, make_updates, organiser_client, text_of


@pytest.fixture
def organiser(app):
    return organiser_client(app)


def titles_on(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return re.findall(r'<h[23]><a href="/updates/\d+-[^"]+">([^<]+)</a>', response.get_data(True))


def test_the_list_says_there_are_no_updates_yet(client):
    response = client.get("/updates")
    page = text_of(response)
    assert response.status_code == 200
    assert "<title>Updates from the organisers \N{EN DASH} The Independents</title>" in page
    assert "No updates yet. When the organisers have news, it will appear here." in page
    assert 'href="/join"' in page


def test_the_list_shows_updates_newest_first_with_author_date_and_excerpt(app, client, organiser):
    yesterday = utcnow() - timedelta(days=1)
    make_update(app, "Older news", "The *older* text.", published_at=yesterday - timedelta(days=3))
    newer = make_update(app, "Newer news", "The **newer** text.", published_at=yesterday)

    assert titles_on(client, "/updates") == ["Newer news", "Older news"]
    page = text_of(client.get("/updates"))
    assert f'<a href="/updates/{newer}-newer-news">Newer news</a>' in page
    assert f'<time datetime="{iso(yesterday)}">{uk_date(yesterday)}</time>' in page
    assert "By Olu Organiser" in page
    assert "<p>The newer text.</p>" in page  # a plain-text excerpt


def test_the_list_is_paginated(app, client, organiser):
    make_updates(app, PER_PAGE * 2 + 3)

    first = titles_on(client, "/updates")
    assert len(first) == PER_PAGE and first[0] == f"Update number {PER_PAGE * 2 + 2}"
    page = text_of(client.get("/updates"))
    assert "Page 1 of 3" in page and 'rel="next" href="/updates?page=2"' in page
    assert titles_on(client, "/updates?page=3") == [f"Update number {n}" for n in (2, 1, 0)]
    assert "<title>Updates from the organisers (page 3)" in text_of(client.get("/updates?page=3"))
    assert "no updates on this page" in text_of(client.get("/updates?page=4"))
    for bad in ["0", "x", "-1"]:
        assert client.get(f"/updates?page={bad}").status_code == 400


def test_an_update_has_its_own_page_at_its_id_and_slug(app, client, organiser):
    update_id = make_update(app, "Dates for the assembly", "We meet **online**.")
    published = load_update(app, update_id).published_at

    response = client.get(f"/updates/{update_id}-dates-for-the-assembly")
    page = text_of(response)
    assert response.status_code == 200
    assert "<title>Dates for the assembly \N{EN DASH} The Independents</title>" in page
    assert "<h1>Dates for the assembly</h1>" in page
    assert "<p>We meet <strong>online</strong>.</p>" in page
    assert f'<time datetime="{iso(published)}">{uk_datetime(published)}</time>' in page
    assert 'href="/updates">All updates</a>' in page


def test_a_missing_or_wrong_slug_redirects_permanently_to_the_canonical_address(
    app, client, organiser
):
    update_id = make_update(app, "Dates for the assembly")
    for suffix in ["", "-dates", "-Dates-For-The-Assembly", "-something-else"]:
        response = client.get(f"/updates/{update_id}{suffix}")
        assert response.status_code == 301, suffix
        assert response.headers["Location"] == f"/updates/{update_id}-dates-for-the-assembly"


def test_an_unknown_update_gives_404(app, client, organiser):
    make_update(app, "Dates for the assembly")
    for path in ["/updates/999", "/updates/999-dates-for-the-assembly", "/updates/abc"]:
        assert client.get(path).status_code == 404, path
    assert organiser.get("/organise/updates/999/edit").status_code == 404
    delete = "/organise/updates/999/delete"
    assert submit(organiser, "/updates", {"reason": "Gone"}, action=delete).status_code == 404


def test_the_home_page_shows_the_latest_three_updates_and_the_nav_links_to_all(
    app, client, organiser
):
    assert "No news from the organisers yet." in text_of(client.get("/"))
    make_updates(app, 5)

    page = text_of(client.get("/"))
    assert titles_on(client, "/")[-3:] == ["Update number 4", "Update number 3", "Update number 2"]
    assert "Update number 1" not in page
    assert '<a href="/updates">All updates from the organisers</a>' in page
    assert '<li><a href="/updates">Updates</a></li>' in page
