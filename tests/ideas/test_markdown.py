import pytest

from tests.ideas.helpers import load_idea, unsafe_markup
from tests.support import ATTACKS, make_idea, make_member


@pytest.fixture
def hostile_idea(app):
    make_member(app)
    return make_idea(app, title="<script>alert('title')</script>", body="\n\n".join(ATTACKS))


def test_scripts_styles_handlers_and_script_links_do_not_survive_in_stored_html(app, hostile_idea):
    body_html = load_idea(app, hostile_idea).body_html
    assert unsafe_markup(body_html) == []
    assert "<script" not in body_html.lower()
    assert "<style" not in body_html.lower()


def test_the_idea_page_carries_no_script_style_handler_or_script_link(client, hostile_idea):
    response = client.get(f"/ideas/{hostile_idea}", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert unsafe_markup(html) == []
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html


def test_the_idea_list_escapes_titles(client, hostile_idea):
    html = client.get("/ideas").get_data(as_text=True)
    assert unsafe_markup(html) == []
    assert "&lt;script&gt;" in html


def test_markdown_formatting_and_safe_links_are_kept(app):
    make_member(app)
    body = "## Why\n\n*really* **needed**\n\n- one\n- two\n\n[our plan](https://example.org/plan)"
    html = load_idea(app, make_idea(app, body=body)).body_html
    assert "<h4>Why</h4>" in html
    assert "<em>really</em> <strong>needed</strong>" in html
    assert "<li>one</li>" in html
    assert 'href="https://example.org/plan"' in html
    assert 'rel="nofollow ugc noopener noreferrer"' in html


def test_the_checker_itself_spots_unsafe_markup():
    assert unsafe_markup('<a href=" JavaScript:x()">') != []
    assert unsafe_markup('<b onclick="x()">') != []
    assert unsafe_markup("<script>x()</script>") != []
    assert unsafe_markup('<p style="color:red">') != []
    assert unsafe_markup("&lt;script&gt;") == []
