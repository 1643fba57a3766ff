"""Readers find the feeds: alternate links in every page's head, visible links where the
ideas, updates and results are listed."""

import re

from tests.support import make_topic

ALTERNATE_RE = re.compile(
    r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">'
)


def test_every_page_announces_the_ideas_and_updates_feeds(client):
    for page in ("/", "/ideas", "/privacy"):
        head = client.get(page).get_data(as_text=True).split("</head>", 1)[0]

        assert ALTERNATE_RE.findall(head) == [
            ("New ideas", "/ideas.atom"),
            ("Updates from the organisers", "/updates.atom"),
        ]


def test_the_ideas_list_links_to_its_feed_and_to_the_chosen_topics_feed(app):
    make_topic(app, "Housing")
    client = app.test_client()

    everything = client.get("/ideas").get_data(as_text=True)
    housing = client.get("/ideas?topic=housing").get_data(as_text=True)

    assert ">Subscribe to new ideas (Atom)</a>" in everything
    assert "/topics/housing/ideas.atom" not in everything
    assert 'href="/topics/housing/ideas.atom"' in housing
    assert "Subscribe to new ideas on Housing (Atom)" in housing
    assert "/topics/nowhere/ideas.atom" not in client.get("/ideas?topic=nowhere").get_data(
        as_text=True
    )


def test_the_updates_list_links_to_its_feed(client):
    assert 'href="/updates.atom"' in client.get("/updates").get_data(as_text=True)


def test_the_votes_list_offers_every_result_as_csv_json_and_a_feed(client):
    html = client.get("/proposals").get_data(as_text=True)
    results = html.split("<h2>Results</h2>", 1)[1]

    for path in ("/proposals/results.csv", "/proposals/results.json", "/proposals/results.atom"):
        assert f'href="{path}"' in results
