"""A member takes their data away and leaves: asks for a copy (password again), follows the
emailed link, downloads the ZIP, then deletes the account and can no longer sign in."""

import io
import json
import re
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import fits_the_screen, screenshot
from tests.support import PASSWORD, make_idea, make_member

EMAIL = "mo@example.org"
IDEA = "Repair cafés in every library"


def sign_in(page, url: str, password: str = PASSWORD) -> None:
    page.goto(url + "/sign-in")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_member_downloads_their_data_then_deletes_the_account(page, live_server, app, outbox):
    make_member(app, email=EMAIL, name="Mo Member")
    idea_id = make_idea(app, EMAIL, IDEA, "Fix things instead of throwing them away.")
    url = live_server.url
    sign_in(page, url)
    expect(page.get_by_text("Welcome back, Mo Member")).to_be_visible()

    page.get_by_role("link", name="Your account").click()
    your_data = page.get_by_role("region", name="Your data")
    your_data.get_by_label("Your password").fill("not my password at all")
    your_data.get_by_role("button", name="Request a copy of my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for a copy of your data")
    expect(page.get_by_role("alert")).to_contain_text("Your password is not right.")
    assert outbox.to(EMAIL) == []
    assert fits_the_screen(page)
    screenshot(page, "export-request-error")

    your_data.get_by_label("Your password").fill(PASSWORD)
    your_data.get_by_role("button", name="Request a copy of my data").click()
    expect(page.get_by_text("We are preparing a copy of your data")).to_be_visible()
    [email] = outbox.to(EMAIL)  # Celery runs at once in tests: the copy is ready
    assert "copy of your data" in email["Subject"].lower()
    link = outbox.last_link(EMAIL)
    assert link == "/account/export/download"  # the token is in no URL, the email's or a log's
    download_button = your_data.get_by_role("button", name="Download your data")
    expect(download_button).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "account")
    with page.expect_download() as on_the_account_page:
        download_button.click()

    page.goto(url + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your copy of your data is ready")
    with page.expect_download() as from_the_email:
        page.get_by_role("button", name="Download your data").click()
    download = from_the_email.value
    assert re.fullmatch(r"coop-data-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    archive_bytes = Path(download.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        profile = json.loads(archive.read("profile.json"))
        ideas = json.loads(archive.read("ideas.json"))
        assert "README.txt" in archive.namelist()
    assert (profile["email"], profile["display_name"]) == (EMAIL, "Mo Member")
    assert [idea["title"] for idea in ideas] == [IDEA]
    assert Path(on_the_account_page.value.path()).read_bytes() == archive_bytes
    page.get_by_role("link", name="Go to your account").click()

    page.get_by_role("link", name="Delete your account…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    assert fits_the_screen(page)
    screenshot(page, "delete-account")
    page.get_by_label("Keep them, shown as written by “Former member”").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    expect(page.get_by_text("Your ideas and comments stay")).to_be_visible()
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Sign in")).to_be_visible()  # signed out
    expect(main_nav.get_by_role("link", name="Your account")).to_have_count(0)
    assert fits_the_screen(page)
    screenshot(page, "account-deleted")

    sign_in(page, url)
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    page.goto(f"{url}/ideas/{idea_id}")
    expect(page.get_by_role("heading", name=IDEA)).to_be_visible()
    expect(page.get_by_text("By Former member")).to_be_visible()
    page.goto(url + link)  # the copy went with the account
    expect(page).to_have_url(re.compile("/sign-in"))
