"""Bad input gets a clear answer, never a 500 (issue 18, item 13): odd text, numbers and
unicode thrown by hypothesis at every URL converter of every route and at every form a
signed-in admin (who sees every form a member or organiser does) finds on the site's pages.
Deterministic (derandomised), on SQLite and on PostgreSQL, which refuses a NUL byte in text
and an integer beyond its column outright."""

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop.accounts.models import Role
from tests.factories import client_for
from tests.support import (
    csrf_token,
    make_idea,
    make_member,
    make_proposal,
    submit,
)

ADMIN, MEMBER = "admin@example.org", "member@example.org"
ODD = [
    "\x00", "a\x00b", "\x07", "\x1b[31m", "\x7f", "\x85", "\u202e", "\ufeff", "²", "١٢٣",
    "2147483648", "-1", "0", "9" * 40, "1e309", "NaN", "%00", "../..", "' OR 1=1 --",
    "<script>", "ß", "🏳️‍🌈", "\r\n", " ", "", "x" * 6000,
]  # fmt: skip
odd_text = st.one_of(
    st.sampled_from(ODD),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
RUNS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Forms whose success would end the admin's session, so that later examples reach nothing.
LEAVES_SESSION = re.compile(r"sign-out|/account/delete|/account/sessions")


@pytest.fixture
def site(app_factory):
    """A site with one of everything (an appeal too), and an admin signed in."""
    app = app_factory(RATELIMIT_ENABLED=False)
    make_member(app, email=ADMIN, name="Ada Admin", role=Role.ADMIN)
    make_member(app, email=MEMBER, name="Mo Member")
    idea = make_idea(app, MEMBER, "Night buses")
    hidden = make_idea(app, MEMBER, "Day buses")
    make_proposal(app, ADMIN, "Adopt the charter?")
    admin = client_for(app, ADMIN)
    page = f"/ideas/{idea}/night-buses"
    submit(admin, page, {"body": "A first comment."}, action=f"/ideas/{idea}/comments")
    action = {"action": "hide", "reason": "Rude", "category": "abuse"}
    submit(admin, f"/moderation/idea/{hidden}", action)
    return app, admin


def converter_arguments(app) -> list[tuple[str, list[str]]]:
    """Every route with arguments in its URL: (rule, argument names)."""
    return [
        (rule.rule, list(rule.arguments))
        for rule in app.url_map.iter_rules()
        if rule.arguments and rule.endpoint != "static"
    ]


def test_odd_values_in_any_url_argument_are_never_a_server_error(site):
    app, admin = site
    rules = converter_arguments(app)
    visitor = app.test_client()

    @RUNS
    @given(data=st.data())
    def check(data):
        rule, names = data.draw(st.sampled_from(rules))
        path = rule
        for name in names:
            value = data.draw(odd_text)
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(value, safe=""), path)
        for client in (visitor, admin):
            response = client.get(path)
            assert response.status_code < 500, path

    check()


def test_ids_beyond_the_database_range_are_a_404_at_the_routing_layer(site):
    app, admin = site
    for path in ("/ideas/2147483648", "/ideas/99999999999999999999/x", "/updates/2147483648",
                 "/proposals/2147483648", "/comments/2147483648/edit"):  # fmt: skip
        assert admin.get(path).status_code == 404, path
        assert app.test_client().get(path).status_code == 404, path


def test_a_nul_byte_in_a_topic_feed_is_a_404(site):
    app, _admin = site
    assert app.test_client().get("/topics/%00/ideas.atom").status_code == 404


class _Forms(HTMLParser):
    """The POST forms of a page: action and the names of their fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        found = dict(attrs)
        if tag == "form" and (found.get("method") or "").lower() == "post":
            self.forms.append((found.get("action") or "", set()))
        elif tag in ("input", "textarea", "select") and self.forms and found.get("name"):
            self.forms[-1][1].add(found["name"])


START = [
    "/", "/account", "/account/moderation", "/account/two-step", "/moderation",
    "/organise/topics", "/admin/roles", "/admin/digests", "/ideas/new", "/join", "/sign-in",
    "/forgot-password", "/resend-verification",
]  # fmt: skip


def every_form(client) -> dict[str, set[str]]:
    """Crawl the site as `client`: each POST form found, by its action."""
    forms: dict[str, set[str]] = {}
    seen: set[str] = set()
    queue = list(START)
    while queue and len(seen) < 80:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        parser = _Forms()
        parser.feed(html)
        for action, fields in parser.forms:
            action = action or path
            if not LEAVES_SESSION.search(action):
                forms.setdefault(action, set()).update(fields - {"csrf_token"})
        for link in re.findall(r'href="(/[^"#]*)"', html):
            if not link.startswith("/static") and urlsplit(link).path not in seen:
                queue.append(link.replace("&amp;", "&"))
    return forms


@pytest.mark.parametrize("who", ["admin", "member", "visitor"])
def test_odd_values_in_any_form_field_are_never_a_server_error(site, who):
    app, admin = site
    client = {"admin": admin, "member": None, "visitor": app.test_client()}[who]
    client = client or client_for(app, MEMBER)
    forms = every_form(client)
    assert len(forms) >= {"admin": 20, "member": 8, "visitor": 4}[who], sorted(forms)
    token = csrf_token(client, "/sign-in" if who == "visitor" else "/account")
    actions = sorted(forms)

    @RUNS
    @given(data=st.data())
    def check(data):
        action = data.draw(st.sampled_from(actions))
        values = {name: data.draw(odd_text) for name in sorted(forms[action])}
        response = client.post(action, data={"csrf_token": token, **values})
        assert response.status_code < 500, (action, values)

    check()


@pytest.mark.parametrize("field", ["title", "body"])
def test_a_nul_byte_in_an_idea_is_a_form_error_beside_the_field(site, field):
    _app, admin = site
    data = {"title": "Night trains", "body": "Run them.", "topic_id": "1"}
    data[field] = data[field] + "\x00"
    response = submit(admin, "/ideas/new", data)
    assert response.status_code == 400
    assert "contains a control character" in response.get_data(as_text=True)


@pytest.mark.parametrize("topic", ["2147483648", "99999999999999999999", "-5"])
def test_a_topic_beyond_any_id_is_a_form_error(site, topic):
    _app, admin = site
    data = {"title": "Night trains", "body": "Run them.", "topic_id": topic}
    response = submit(admin, "/ideas/new", data)
    assert response.status_code == 400
    assert "Choose a topic from the list." in response.get_data(as_text=True)


def test_an_odd_reply_target_is_a_form_error_not_a_server_error(site):
    app, admin = site
    idea = make_idea(app, MEMBER, "Night trains")
    for parent in ("²", "99999999999999999999", "2147483648", "-1"):
        response = submit(
            admin, f"/ideas/{idea}/night-trains", {"body": "Reply", "parent_id": parent},
            action=f"/ideas/{idea}/comments",
        )  # fmt: skip
        assert response.status_code in (400, 404), parent
