"""An idea goes from submission through discussion to a published vote result, in a browser;
a visitor follows it all without an account."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from coop.accounts.models import Role
from coop.extensions import db, utcnow
from coop.proposals.models import Proposal
from coop.uktime import to_uk
from tests.browser.conftest import fits_the_screen, screenshot
from tests.support import PASSWORD, TOTP_SECRET, make_member, make_topic


def signed_in_page(browser, page, live_server, email: str):
    context = browser.new_context(viewport=page.viewport_size, locale="en-GB")
    context.set_default_timeout(page.default_timeout)
    other = context.new_page()
    other.viewport_name = page.viewport_name
    other.goto(live_server.url + "/sign-in")
    other.get_by_label("Email address").fill(email)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    if other.url.endswith("/sign-in/code"):
        import pyotp

        other.get_by_label("Code").fill(pyotp.TOTP(TOTP_SECRET).now())
        other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_text("Welcome back")).to_be_visible()
    return other


def local_input(moment) -> str:
    return to_uk(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_idea_goes_from_submission_to_a_published_result(browser, page, live_server, app):
    make_member(app, email="author@example.org", name="Alex Author")
    make_member(app, email="fan@example.org", name="Fran Fan")
    make_member(app, email="org@example.org", name="Olu Organiser", role=Role.ORGANISER)
    make_topic(app, "Transport")
    url = live_server.url

    author = signed_in_page(browser, page, live_server, "author@example.org")
    author.get_by_role("link", name="Ideas").first.click()
    author.get_by_role("link", name="Share an idea").click()
    author.get_by_label("Title").fill("Free buses for under-22s")
    author.get_by_label("Topic").select_option(label="Transport")
    author.get_by_label("Your idea").fill("Young people need **cheap** travel to college.")
    author.get_by_role("button", name="Publish my idea").click()
    expect(author.get_by_role("heading", name="Free buses for under-22s")).to_be_visible()
    idea_url = author.url

    fan = signed_in_page(browser, page, live_server, "fan@example.org")
    fan.goto(idea_url)
    fan.get_by_role("button", name="Support").click()
    expect(fan.get_by_text("1 member supports")).to_be_visible()
    expect(fan.get_by_role("button", name=re.compile("You support this"))).to_have_attribute(
        "aria-pressed", "true"
    )
    fan.get_by_label("Your comment").fill("Yes! My son would use it every day.")
    fan.get_by_role("button", name="Post comment").click()
    expect(fan.get_by_text("My son would use it every day")).to_be_visible()

    author.goto(idea_url)
    author.locator("summary", has_text="Reply").first.click()
    author.get_by_label("Your reply").fill("Thank you, Fran.")
    author.get_by_role("button", name="Post reply").click()
    expect(author.locator(".replies").get_by_text("Thank you, Fran.")).to_be_visible()
    assert fits_the_screen(author)
    screenshot(author, "idea")

    organiser = signed_in_page(browser, page, live_server, "org@example.org")
    organiser.goto(idea_url)
    organiser.get_by_role("link", name="Put to a member vote").click()
    now = utcnow()
    organiser.get_by_label("Voting opens (UK time)").fill(local_input(now - timedelta(minutes=1)))
    organiser.get_by_label("Voting closes (UK time)").fill(local_input(now + timedelta(days=3)))
    organiser.get_by_role("button", name="Publish the proposal").click()
    expect(organiser.get_by_text("The proposal is published")).to_be_visible()
    proposal_url = organiser.url
    expect(organiser.get_by_role("heading", name="Your vote")).to_be_visible()

    for voter, first, final in ((fan, "For", "For"), (author, "Against", "For")):
        voter.goto(proposal_url)
        voter.get_by_label(first, exact=True).check()
        voter.get_by_role("button", name="Cast my vote").click()
        expect(voter.get_by_text(f"You voted {first}")).to_be_visible()
        if final != first:
            voter.get_by_label(final, exact=True).check()
            voter.get_by_role("button", name="Change my vote").click()
            expect(voter.get_by_text(f"You voted {final}")).to_be_visible()
    screenshot(fan, "proposal-open")

    page.goto(proposal_url)  # a visitor sees no running totals while the vote is open
    expect(page.get_by_text("Totals are published when voting closes")).to_be_visible()
    expect(page.locator(".result")).to_have_count(0)

    with app.app_context():
        db.session.execute(update(Proposal).values(closes_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    page.goto(proposal_url)
    expect(page.get_by_role("heading", name="Result: carried")).to_be_visible()
    expect(page.locator(".result")).to_contain_text("2 (100%)")
    assert fits_the_screen(page)
    screenshot(page, "proposal-result")

    page.goto(url + "/ideas")
    expect(page.get_by_role("link", name="Free buses for under-22s")).to_be_visible()
    expect(page.locator(".idea-card .badge").first).to_have_text("Carried")
    page.get_by_label("Search ideas").fill("college")
    page.get_by_role("button", name="Show ideas").click()
    expect(page.get_by_text("1 idea matching")).to_be_visible()
