"""axe-core (the npm package, injected into the page) on every main page, as a visitor, a
member and an admin: no serious or critical WCAG 2.2 A/AA violation."""

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from coop.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from coop.extensions import db
from coop.membership.models import Application
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    new_page_without_csp,
    screenshot,
    violations,
)

VISITOR_PAGES = [
    "/", "/ideas", "/ideas?sort=supported", "/ideas/1", "/proposals", "/proposals/1",
    "/proposals/2", "/proposals/1/ballots", "/proposals/2/ballots?tracker=nonsense", "/updates",
    "/updates/1", "/common-ground", "/privacy", "/join",
    "/sign-in", "/forgot-password", "/no-such-page", "/donate",
]  # fmt: skip
MEMBER_PAGES = [
    "/account", "/ideas/new", "/notifications", "/ideas/1", "/proposals/1", "/proposals/2",
    "/membership", "/membership/apply",
]  # fmt: skip
EMPTY_PAGES = ["/", "/ideas", "/ideas?q=submarine&topic=none", "/proposals", "/updates"]
ADMIN_PAGES = [
    "/moderation", "/organise/topics", "/proposals/new", "/organise/updates/new",
    "/admin/audit", "/admin/roles", "/admin/digests",
    # The demo admin is the society's secretary: the board's work and the registers.
    "/board", "/register", "/register/members/1", "/register/officers", "/register/officers/new",
    "/register/print",
    # ...and may do the treasurer's work: the donations ledger.
    "/treasury", "/treasury/gifts/1", "/treasury/gifts/new", "/treasury/recipients",
    "/treasury/thresholds", "/treasury/totals",
    # ...and calls general meetings: the demo's annual meeting is a draft with its agenda.
    "/meetings", "/meetings/1", "/meetings/1/manage", "/meetings/1/edit", "/meetings/new",
    "/meetings/1/items/1/edit", "/elections",
]  # fmt: skip


@pytest.fixture
def demo_server(app, live_server):
    assert app.test_cli_runner().invoke(args=["coop", "demo-data"]).exit_code == 0
    return live_server


def pending_applications(app) -> list[str]:
    """The board's page of an application still waiting, when the demo data has one."""
    with app.app_context():
        pending = db.session.scalar(
            select(Application.id).where(Application.state == "pending").limit(1)
        )
    return [] if pending is None else [f"/board/applications/{pending}"]


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if page.url.endswith("/sign-in/code"):
        page.get_by_label("Code").fill(pyotp.TOTP(DEMO_TOTP_SECRET).now())
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in" not in page.url, page.url


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_main_pages_have_no_serious_accessibility_violation(
    browser, app, demo_server, axe_source, viewport
):
    base = demo_server.url
    found = {}
    admin_pages = ADMIN_PAGES + pending_applications(app)
    for who, paths in (("visitor", VISITOR_PAGES), ("member", MEMBER_PAGES),
                       ("admin", admin_pages)):  # fmt: skip
        page = new_page_without_csp(browser, viewport)
        if who != "visitor":
            sign_in(page, base, f"{who}@example.org")
        for path in paths:
            page.goto(base + path)
            problems = violations(page, axe_source)
            if problems:
                found[f"{who} {path}"] = problems
        page.context.close()
    assert found == {}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_empty_states_have_no_serious_accessibility_violation(
    browser, live_server, axe_source, viewport
):
    """A new network, before anyone has taken part: every list says so, accessibly."""
    page = new_page_without_csp(browser, viewport)
    page.goto(live_server.url + "/")
    expect(page.get_by_text("Nothing yet: when members support ideas")).to_be_visible()
    found = {}
    for path in EMPTY_PAGES:
        page.goto(live_server.url + path)
        problems = violations(page, axe_source)
        if problems:
            found[path] = problems
    assert found == {}
    page.context.close()


def test_pages_have_meaningful_titles_and_one_main_heading(browser, demo_server):
    page = new_page_without_csp(browser, DESKTOP)
    page.viewport_name = "desktop"
    titles = set()
    for path in VISITOR_PAGES:
        page.goto(demo_server.url + path)
        title = page.title()
        suffix = "\N{EN DASH} The Independents"
        assert title.endswith(suffix) and len(title) > len(suffix)
        assert page.locator("h1").count() == 1, path
        assert page.locator("main#main").count() == 1
        titles.add(title)
    screenshot(page, "not-found")
    assert len(titles) >= len(VISITOR_PAGES) - 3  # pages tell themselves apart
    page.context.close()
