"""A visitor, without an account, finds their way around the ideas: from the home page to the
list, its sorts, topics, search and pages, then one idea and its discussion."""

import re

from playwright.sync_api import expect

from coop.accounts.models import Member, Role
from coop.accounts.services import find_by_email
from coop.comments.services import add_comment
from coop.extensions import db
from coop.ideas.services import get_idea
from tests.browser.conftest import fits_the_screen, screenshot
from tests.ideas.helpers import react_as
from tests.support import make_idea, make_member, make_topic, quick_members
from tests.updates.helpers import make_update

POPULAR = "Insulate every council home"  # the oldest idea, and the most supported
BUSES = "Free night buses at weekends"
COMMENT = "I work late shifts: this would change my week."
REPLY = "That is exactly who it is for."
IDEAS = 25  # more than one page of 20
UPDATE = "Dates for the members' assembly"


def seed_ideas(app) -> None:
    """25 ideas over three topics by two authors; the oldest has four supports, the buses
    two, and the buses have a comment with a reply. And an organiser's update."""
    make_member(app, email="organiser@example.org", name="Olu Organiser", role=Role.ORGANISER)
    make_update(app, UPDATE, "The assembly meets **online** on the first Monday of March.")
    make_member(app, email="ana@example.org", name="Ana Author")
    make_member(app, email="ben@example.org", name="Ben Builder")
    housing, transport, energy = (
        make_topic(app, name) for name in ("Housing", "Transport", "Energy")
    )
    popular = make_idea(app, "ana@example.org", POPULAR, "Warm homes cost less to run.", housing)
    titles = [(f"Housing idea {n}", housing) for n in range(1, 10)]
    titles += [(f"Transport idea {n}", transport) for n in range(1, 8)]
    titles += [(f"Energy idea {n}", energy) for n in range(1, 8)]
    for n, (title, topic_id) in enumerate(titles):
        author = "ana@example.org" if n % 2 else "ben@example.org"
        make_idea(app, author, title, f"Some words about {title.lower()}.", topic_id)
    buses = make_idea(app, "ben@example.org", BUSES, "So people get home safely.", transport)
    supporters = quick_members(app, 4, prefix="supporter")
    for member_id in supporters:
        react_as(app, member_id, popular, "support")
    for member_id in supporters[:2]:
        react_as(app, member_id, buses, "support")
    with app.app_context():
        idea = get_idea(buses)
        comment = add_comment(db.session.get(Member, supporters[0]), idea, COMMENT)
        db.session.flush()
        add_comment(find_by_email("ben@example.org"), idea, REPLY, parent_id=comment.id)
        db.session.commit()


def card_titles(page):
    return page.locator(".idea-card").get_by_role("heading")


def show_ideas(page) -> None:
    page.get_by_role("button", name="Show ideas").click()


def test_a_visitor_browses_sorts_filters_searches_and_reads_a_discussion(page, live_server, app):
    seed_ideas(app)
    page.goto(live_server.url + "/")
    active = page.get_by_role("region", name="Most active this week")
    expect(active.get_by_role("listitem")).to_have_count(2)  # the others have no support
    expect(active.get_by_role("listitem").first).to_contain_text(POPULAR)
    expect(active.get_by_role("listitem").nth(1)).to_contain_text(BUSES)
    expect(page.get_by_role("region", name="Common ground").locator(".idea-card")).to_have_count(5)
    latest = page.get_by_role("region", name="Latest updates")
    expect(latest.get_by_role("link", name=UPDATE)).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "home-content")

    active.get_by_role("link", name="All ideas trending this week").click()
    expect(page.get_by_label("Sort by")).to_have_value("trending")
    expect(card_titles(page).first).to_have_text(POPULAR)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ideas").click()
    expect(page.get_by_text(f"{IDEAS} ideas.")).to_be_visible()
    expect(card_titles(page)).to_have_count(20)
    expect(card_titles(page).first).to_have_text(BUSES)  # newest first
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "ideas")
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(card_titles(page)).to_have_count(IDEAS - 20)
    expect(card_titles(page).last).to_have_text(POPULAR)  # the oldest, on the last page
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    page.get_by_role("link", name="Previous page").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()

    page.get_by_label("Sort by").select_option(label="Most supported")
    show_ideas(page)
    expect(card_titles(page).first).to_have_text(POPULAR)
    expect(card_titles(page).nth(1)).to_have_text(BUSES)

    page.get_by_label("Topic").select_option(label="Transport")
    show_ideas(page)
    expect(page.get_by_text("8 ideas.")).to_be_visible()
    expect(card_titles(page)).to_have_count(8)
    expect(card_titles(page).first).to_have_text(BUSES)  # still the most supported first
    expect(page.get_by_label("Sort by")).to_have_value("supported")
    topic_links = page.locator(".idea-card").get_by_role("link", name="Transport", exact=True)
    expect(topic_links).to_have_count(8)

    page.get_by_label("Search ideas").fill("submarine")
    show_ideas(page)
    expect(page.get_by_text("0 ideas matching “submarine”.")).to_be_visible()
    empty = page.locator(".empty")
    expect(empty).to_contain_text("No ideas match “submarine” with the topic and stage you chose")
    expect(empty.get_by_role("link", name="Join the network")).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "ideas-nothing-found")
    empty.get_by_role("link", name="show all ideas", exact=True).click()
    expect(page.get_by_text(f"{IDEAS} ideas.")).to_be_visible()
    expect(page.get_by_label("Search ideas")).to_have_value("")

    page.get_by_label("Search ideas").fill("buses")
    show_ideas(page)
    expect(page.get_by_text("1 idea matching “buses”.")).to_be_visible()
    page.get_by_role("link", name=BUSES).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(BUSES)
    expect(page.locator("#reactions")).to_contain_text("2 members support")
    discussion = page.get_by_role("region", name="Discussion")
    expect(discussion.get_by_text(COMMENT)).to_be_visible()
    expect(discussion.get_by_role("list", name="Replies")).to_contain_text(REPLY)
    expect(discussion.get_by_text("Ben Builder")).to_be_visible()
    expect(page.get_by_role("button", name="Support")).to_have_count(0)  # no account
    expect(page.get_by_role("button", name="Post comment")).to_have_count(0)
    join = discussion.get_by_role("link", name="join", exact=True)
    expect(join).to_have_attribute("href", "/join")
    assert fits_the_screen(page)
    screenshot(page, "idea-visitor")
    page.locator("article").get_by_role("link", name="Transport", exact=True).click()
    expect(page.get_by_label("Topic")).to_have_value("transport")
    expect(page).to_have_url(re.compile(r"/ideas\?topic=transport$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Updates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Updates from the organisers")
    expect(page.get_by_role("link", name=UPDATE)).to_be_visible()
    expect(page.get_by_text("The assembly meets online")).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "updates")
