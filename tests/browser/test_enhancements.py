"""Support, vote and comment without a page reload when JavaScript runs (announced to screen
readers), and the same journeys with JavaScript off."""

from playwright.sync_api import expect

from coop.accounts.models import Role
from tests.browser.conftest import TIMEOUT_MS, screenshot
from tests.support import PASSWORD, make_idea, make_member, make_proposal


def member_page(browser, viewport, live_server, javascript: bool = True):
    context = browser.new_context(viewport=viewport, locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(live_server.url + "/sign-in")
    page.get_by_label("Email address").fill("rosa@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()
    return page


def people(app) -> tuple[int, int]:
    make_member(app, email="rosa@example.org", name="Rosa")
    make_member(app, email="sam@example.org", name="Sam")
    make_member(app, email="bo@example.org", name="Bo", role=Role.ORGANISER)
    idea = make_idea(app, "sam@example.org", "Open the library on Sundays")
    proposal = make_proposal(app, "bo@example.org", "Fund Sunday opening?", closes_in=48)
    return idea, proposal


def test_with_javascript_support_vote_and_comment_happen_in_place(browser, page, live_server, app):
    idea, proposal = people(app)
    rosa = member_page(browser, page.viewport_size, live_server)
    rosa.viewport_name = page.viewport_name
    rosa.goto(f"{live_server.url}/ideas/{idea}")
    rosa.evaluate("window.stillThisPage = true")  # gone if the page reloads

    rosa.get_by_role("button", name="Support").click()
    expect(rosa.locator("#reactions")).to_contain_text("1 member supports")
    expect(rosa.locator("#announcer")).to_have_text("You support this idea.")
    expect(rosa.get_by_role("button", name="You support this (undo)")).to_be_focused()

    rosa.get_by_label("Your comment").fill("Yes, and on bank holidays too.")
    rosa.get_by_role("button", name="Post comment").click()
    expect(rosa.locator("#comments")).to_contain_text("Yes, and on bank holidays too.")
    rosa.get_by_role("button", name="Post comment").click()  # empty: the error is announced
    expect(rosa.locator("#announcer")).to_contain_text("There is a problem")
    assert rosa.evaluate("window.stillThisPage") is True
    screenshot(rosa, "idea-enhanced")

    rosa.goto(f"{live_server.url}/proposals/{proposal}")
    rosa.evaluate("window.stillThisPage = true")
    rosa.get_by_label("For", exact=True).check()
    rosa.get_by_role("button", name="Cast my vote").click()
    expect(rosa.locator("#vote")).to_contain_text("You have voted. Your ballot's tracker is")
    expect(rosa.locator("#announcer")).to_contain_text("Your vote is recorded")
    assert rosa.evaluate("window.stillThisPage") is True
    rosa.context.close()


def test_without_javascript_the_same_actions_work_with_full_pages(browser, page, live_server, app):
    idea, proposal = people(app)
    rosa = member_page(browser, page.viewport_size, live_server, javascript=False)
    rosa.goto(f"{live_server.url}/ideas/{idea}")
    rosa.get_by_role("button", name="Support").click()
    expect(rosa.locator(".flashes")).to_contain_text("You support this idea.")
    expect(rosa.locator("#reactions")).to_contain_text("1 member supports")
    rosa.get_by_label("Your comment").fill("Without any script.")
    rosa.get_by_role("button", name="Post comment").click()
    expect(rosa.locator("#comments")).to_contain_text("Without any script.")
    rosa.goto(f"{live_server.url}/proposals/{proposal}")
    rosa.get_by_label("Against", exact=True).check()
    rosa.get_by_role("button", name="Cast my vote").click()
    expect(rosa.locator("#vote")).to_contain_text("You have voted. Your ballot's tracker is")
    expect(rosa.locator(".flashes")).to_contain_text("Your vote is recorded, encrypted.")
    rosa.context.close()
