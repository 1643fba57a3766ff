"""One story in a browser, with pre-moderation on as in production: a newcomer joins and
confirms the address from the outbox, shares an idea that waits for review, supports and
comments on another; an organiser approves both from the queue and puts the idea to a vote;
members vote and the result is published. A visitor follows it all without an account."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from coop.accounts.models import Member, Role
from coop.extensions import db
from coop.proposals.models import Proposal
from coop.uktime import to_uk, utcnow
from tests.browser.conftest import fits_the_screen, new_page, screenshot, signed_in_page
from tests.support import PASSWORD, make_idea, make_member, make_topic

NEWCOMER = "jo@example.org"
IDEA = "Free buses for under-22s"
CYCLING = "Safe cycle routes to every school"
JOS_COMMENT = "My daughter would cycle if the junctions were safer."


@pytest.fixture
def app(app_factory):
    """The production rule: a newcomer's first two contributions wait for a moderator."""
    return app_factory(PREMODERATION_COUNT=2)


def local_input(moment) -> str:
    return to_uk(moment).strftime("%Y-%m-%dT%H:%M")


def established_member(app, email: str, name: str) -> None:
    """A member whose earlier contributions were approved: trusted, not pre-moderated."""
    member_id = make_member(app, email=email, name=name).id
    with app.app_context():
        trusted = app.config["PREMODERATION_COUNT"]
        db.session.execute(
            update(Member).where(Member.id == member_id).values(approved_contributions=trusted)
        )
        db.session.commit()


def join_and_confirm(browser, page, live_server, outbox):
    """The newcomer joins through the form, follows the emailed link and signs in."""
    jo = new_page(browser, page)
    jo.goto(live_server.url + "/")
    jo.get_by_role("link", name="Join the network").click()
    jo.get_by_label("Name to show on your contributions").fill("Jo Newcomer")
    jo.get_by_label("Email address").fill(NEWCOMER)
    jo.get_by_label("Password").fill(PASSWORD)
    jo.get_by_label("I have read the privacy notice").check()
    jo.get_by_label(re.compile("keeps the views I express")).check()
    jo.get_by_role("button", name="Join").click()
    expect(jo.get_by_role("heading", name="Check your email")).to_be_visible()

    jo.goto(live_server.url + outbox.last_link(NEWCOMER))
    jo.get_by_label("Your password").fill(PASSWORD)
    jo.get_by_role("button", name="Confirm").click()
    expect(jo.get_by_text("your email address is confirmed")).to_be_visible()
    jo.get_by_label("Email address").fill(NEWCOMER)
    jo.get_by_label("Password").fill(PASSWORD)
    jo.get_by_role("button", name="Sign in").click()
    expect(jo.get_by_text("Welcome back, Jo Newcomer")).to_be_visible()
    return jo


def approve_from_the_queue(organiser, link_name, reason: str) -> None:
    organiser.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    organiser.get_by_role("main").get_by_role("link", name=link_name).click()
    organiser.get_by_label("Action").select_option("approve")
    organiser.get_by_label("Reason", exact=True).fill(reason)
    organiser.get_by_role("button", name="Apply").click()
    expect(organiser.get_by_text("Done: approve.")).to_be_visible()


def test_a_newcomers_idea_is_reviewed_discussed_put_to_a_vote_and_carried(
    browser, page, live_server, app, outbox
):
    established_member(app, "fan@example.org", "Fran Fan")
    make_member(app, email="org@example.org", name="Olu Organiser", role=Role.ORGANISER)
    transport = make_topic(app, "Transport")
    make_idea(app, "fan@example.org", CYCLING, "Painted lines are not enough.", transport)
    url = live_server.url

    # The newcomer joins, shares an idea (held for review), supports and comments.
    jo = join_and_confirm(browser, page, live_server, outbox)
    jo.get_by_role("navigation", name="Main").get_by_role("link", name="Ideas").click()
    jo.get_by_role("link", name="Share an idea").click()
    jo.get_by_label("Title").fill(IDEA)
    jo.get_by_label("Topic").select_option(label="Transport")
    jo.get_by_label("Your idea").fill("Young people need **cheap** travel to college.")
    jo.get_by_role("button", name="Publish my idea").click()
    expect(jo.get_by_role("heading", name=IDEA)).to_be_visible()
    expect(jo.get_by_text("checked by a moderator before they appear")).to_be_visible()
    expect(jo.get_by_text("Awaiting review.")).to_be_visible()
    idea_url = jo.url
    screenshot(jo, "idea-awaiting-review")

    jo.get_by_role("navigation", name="Main").get_by_role("link", name="Ideas").click()
    jo.get_by_role("link", name=CYCLING).click()
    cycling_url = jo.url
    jo.get_by_role("button", name="Support").click()
    expect(jo.get_by_text("1 member supports")).to_be_visible()
    jo.get_by_label("Your comment").fill(JOS_COMMENT)
    jo.get_by_role("button", name="Post comment").click()
    jos_comment = jo.locator(".comment", has_text=JOS_COMMENT)
    expect(jos_comment.get_by_text("Awaiting review")).to_be_visible()

    page.goto(idea_url)  # a visitor: neither exists for anyone else yet
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.goto(cycling_url)
    expect(page.get_by_text("No comments yet.")).to_be_visible()
    expect(page.get_by_text(JOS_COMMENT)).to_have_count(0)

    # An organiser approves both from the queue; the newcomer is told.
    organiser = signed_in_page(browser, page, live_server, "org@example.org")
    organiser.get_by_role("link", name="Moderation").click()
    queue = organiser.get_by_role("main").locator(".card-list")
    expect(queue.get_by_role("listitem")).to_have_count(2)
    expect(queue.get_by_role("link", name=IDEA)).to_be_visible()
    expect(queue.get_by_role("listitem").filter(has_text=JOS_COMMENT)).to_contain_text("Pending")
    assert fits_the_screen(organiser)
    screenshot(organiser, "moderation-queue-pending")
    approve_from_the_queue(organiser, IDEA, "Clear and on topic. Welcome!")
    approve_from_the_queue(organiser, re.compile("My daughter would cycle"), "Constructive.")
    expect(organiser.get_by_text("Nothing is waiting")).to_be_visible()

    jo.get_by_role("link", name=re.compile("Notifications")).click()
    expect(jo.get_by_text(f"Your idea “{IDEA}” was approved by a moderator")).to_be_visible()
    page.goto(url + "/ideas")
    expect(page.get_by_role("link", name=IDEA)).to_be_visible()
    page.goto(cycling_url)
    expect(page.get_by_text(JOS_COMMENT)).to_be_visible()

    # Discussion: an established member supports and comments; the newcomer, now trusted
    # after two approvals, replies and the reply appears at once.
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

    jo.goto(idea_url)
    expect(jo.get_by_text("Awaiting review.")).to_have_count(0)
    jo.locator("summary", has_text="Reply").first.click()
    jo.get_by_label("Your reply").fill("Thank you, Fran.")
    jo.get_by_role("button", name="Post reply").click()
    reply = jo.locator(".replies .comment", has_text="Thank you, Fran.")
    expect(reply).to_be_visible()
    expect(reply.get_by_text("Awaiting review")).to_have_count(0)
    expect(reply.get_by_role("link", name="Edit your comment")).to_be_visible()
    assert fits_the_screen(jo)
    screenshot(jo, "idea")
    page.goto(idea_url)
    expect(page.locator(".replies").get_by_text("Thank you, Fran.")).to_be_visible()

    # The organiser puts the idea to a vote; members vote; a visitor sees no running totals.
    organiser.goto(idea_url)
    organiser.get_by_role("link", name="Put to a member vote").click()
    now = utcnow()
    organiser.get_by_label("Voting opens (UK time)").fill(local_input(now - timedelta(minutes=1)))
    organiser.get_by_label("Voting closes (UK time)").fill(local_input(now + timedelta(days=3)))
    organiser.get_by_role("button", name="Publish the proposal").click()
    expect(organiser.get_by_text("The proposal is published")).to_be_visible()
    proposal_url = organiser.url
    question = organiser.get_by_role("heading", level=1).inner_text()
    expect(organiser.get_by_role("heading", name="Your vote")).to_be_visible()

    trackers = {}
    for voter, first, final in ((fan, "For", "For"), (jo, "Against", "For")):
        voter.goto(proposal_url)
        voter.get_by_label(first, exact=True).check()
        voter.get_by_role("button", name="Cast my vote").click()
        expect(voter.get_by_text("You have voted. Your ballot's tracker is")).to_be_visible()
        trackers[voter] = voter.locator("#vote code.tracker").inner_text()
        if final != first:
            voter.get_by_label(final, exact=True).check()
            voter.get_by_role("button", name="Change my vote").click()
            expect(voter.locator("#vote code.tracker")).not_to_have_text(trackers[voter])
            trackers[voter] = voter.locator("#vote code.tracker").inner_text()
        expect(voter.locator("#vote")).not_to_contain_text(f"You voted {final}")
    screenshot(fan, "proposal-open")

    page.goto(url + "/")
    votes_open = page.get_by_role("region", name="Votes open now")
    expect(votes_open.get_by_role("link", name=question)).to_be_visible()
    page.goto(proposal_url)
    expect(page.get_by_text("Totals are published when voting closes")).to_be_visible()
    expect(page.locator(".result")).to_have_count(0)

    # Voting closes: the result is published, and the idea is marked carried.
    with app.app_context():
        db.session.execute(
            update(Proposal).values(
                opens_at=utcnow() - timedelta(hours=1),  # published maybe less than 1 s ago
                closes_at=utcnow() - timedelta(seconds=1),
            )
        )
        db.session.commit()
    page.goto(proposal_url)
    expect(page.get_by_role("heading", name="Result: carried")).to_be_visible()

    # A voter checks their ballot was counted, by its tracker, on the public list.
    jo.goto(proposal_url)
    jo.get_by_role("link", name="Check the count yourself").click()
    jo.get_by_label("Find your tracker").fill(trackers[jo])
    jo.get_by_role("button", name="Find").click()
    expect(jo.locator("p.notice")).to_contain_text("counted")
    screenshot(jo, "ballots-list")
    expect(page.locator(".result")).to_contain_text("2 (100%)")
    expect(page.get_by_text("Turnout: 2 of 3 members")).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "proposal-result")

    page.goto(url + "/ideas")
    expect(page.get_by_role("link", name=IDEA)).to_be_visible()
    expect(page.locator(".idea-card", has_text=IDEA).locator(".badge")).to_have_text("Carried")
    page.get_by_label("Search ideas").fill("college")
    page.get_by_role("button", name="Show ideas").click()
    expect(page.get_by_text("1 idea matching")).to_be_visible()
