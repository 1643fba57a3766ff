"""A newcomer joins, confirms the address from the outbox, signs out and in, resets a password."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import fits_the_screen, screenshot
from tests.support import PASSWORD, path_of

NEW_PASSWORD = "quiet river under stone"


def latest_link(outbox, address: str) -> str:
    return path_of(outbox.last_link(address))


def test_a_newcomer_joins_verifies_signs_in_and_resets_the_password(page, live_server, outbox):
    url = live_server.url
    page.goto(url + "/")
    expect(page).to_have_title(re.compile("Home"))
    assert fits_the_screen(page)
    screenshot(page, "home")

    page.get_by_role("link", name="Join").first.click()
    page.get_by_label("Name to show on your contributions").fill("Jo Newcomer")
    page.get_by_label("Email address").fill("jo@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_label(re.compile("keeps the views I express")).check()
    assert fits_the_screen(page)
    screenshot(page, "join")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(url + latest_link(outbox, "jo@example.org"))
    page.get_by_label("Your password").fill(PASSWORD)  # only whoever joined can confirm
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()

    page.get_by_label("Email address").fill("jo@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Welcome back, Jo Newcomer")).to_be_visible()
    expect(page.get_by_text("Please confirm your email address")).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out")).to_be_visible()

    page.goto(url + "/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email address").fill("jo@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(url + latest_link(outbox, "jo@example.org"))
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()

    page.get_by_label("Email address").fill("jo@example.org")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Welcome back, Jo Newcomer")).to_be_visible()


def test_form_errors_are_summarised_and_linked_to_their_fields(page, live_server):
    page.goto(live_server.url + "/join")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Join").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(page).to_have_title(re.compile("^Error: Join"))
    email = page.get_by_label("Email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", re.compile("email-error"))
    summary.get_by_role("link", name=re.compile("valid email address")).click()
    expect(email).to_be_focused()
    assert fits_the_screen(page)
    screenshot(page, "join-errors")
