"""Updates are Markdown, rendered and sanitised like every other text members read."""

import re

import pytest

from tests.ideas.helpers import unsafe_markup
from tests.support import ATTACKS, submit
from tests.updates.helpers import load_update, make_update, organiser_client, text_of


@pytest.fixture
def hostile_update(app):
    organiser_client(app)
    return make_update(app, title="<script>alert('title')</script>", body="\n\n".join(ATTACKS))


def test_no_script_style_handler_or_script_link_survives_in_the_stored_html(app, hostile_update):
    body_html = load_update(app, hostile_update).body_html
    assert unsafe_markup(body_html) == []
    assert "<script" not in body_html.lower()
    links = re.findall(r'<a [^>]*href="([^"]*)"', body_html)
    assert links and all(href.startswith("https://") for href in links)  # the one safe link


def test_the_pages_escape_the_title_and_carry_no_unsafe_markup(app, client, hostile_update):
    for path in [f"/updates/{hostile_update}", "/updates", "/"]:
        response = client.get(path, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert unsafe_markup(html) == [], path
        assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html, path


def test_an_edit_is_sanitised_too(app):
    organiser = organiser_client(app)
    update_id = make_update(app)
    data = {"title": "Edited", "body": "[click](javascript:alert(1)) <script>alert(2)</script>"}
    submit(organiser, f"/organise/updates/{update_id}/edit", data)
    body_html = load_update(app, update_id).body_html
    assert unsafe_markup(body_html) == []
    assert "<script>" not in body_html


def test_markdown_formatting_and_safe_links_are_kept(app, client):
    organiser_client(app)
    body = (
        "## Agenda\n\n- **Housing**\n- *Transport*\n\nSee [the votes](https://example.org/votes)."
    )
    update_id = make_update(app, title="Agenda", body=body)
    page = text_of(client.get(f"/updates/{update_id}-agenda"))
    assert "<h4>Agenda</h4>" in page  # headings sit below the page's own h1 and h2
    assert "<li><strong>Housing</strong></li>" in page
    assert '<a href="https://example.org/votes" rel="nofollow ugc noopener noreferrer">' in page
