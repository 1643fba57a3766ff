"""An organiser works through a queue in the browser; the author sees what happened and
why, and appeals; another organiser decides; the audit log holds every action."""

import re

from playwright.sync_api import expect

from coop.accounts.models import Role
from tests.browser.conftest import fits_the_screen, screenshot, signed_in_page
from tests.support import TOTP_SECRET, make_idea, make_member, quick_members


def test_an_organiser_works_through_the_queue_and_the_author_appeals(
    browser, page, live_server, app
):
    import pyotp

    make_member(app, email="author@example.org", name="Alex Author")
    make_member(app, email="org@example.org", name="Olu Organiser", role=Role.ORGANISER)
    make_member(app, email="admin@example.org", name="Ada Admin", role=Role.ADMIN)
    spam = make_idea(app, author_email="author@example.org", title="Buy followers cheap")
    make_idea(app, author_email="author@example.org", title="More park benches")
    reporters = quick_members(app, 3, prefix="reporter")
    with app.app_context():
        from coop.accounts.models import Member
        from coop.extensions import db
        from coop.moderation.services import report

        for member_id in reporters:
            with app.test_request_context():
                report(db.session.get(Member, member_id), "idea", spam, "spam", "Advert")
        db.session.commit()

    organiser = signed_in_page(browser, page, live_server, "org@example.org")
    organiser.get_by_role("link", name="Moderation").click()
    expect(organiser.get_by_text("Spam (3)")).to_be_visible()
    assert fits_the_screen(organiser)
    screenshot(organiser, "moderation-queue")
    organiser.get_by_role("link", name="Buy followers cheap").click()
    organiser.get_by_label("Action").select_option("hide")
    organiser.get_by_label("Reason category (for hiding)").select_option("spam")
    organiser.get_by_label("Reason", exact=True).fill("Selling followers is advertising.")
    organiser.get_by_role("button", name="Apply").click()
    expect(organiser.get_by_text("Done: hide.")).to_be_visible()
    expect(organiser.get_by_text("Nothing is waiting")).to_be_visible()

    author = signed_in_page(browser, page, live_server, "author@example.org")
    author.get_by_role("link", name=re.compile("Notifications")).click()
    expect(author.get_by_text("Selling followers is advertising.")).to_be_visible()
    author.goto(live_server.url + "/account/moderation")
    author.get_by_role("link", name="Appeal this").click()
    author.get_by_label("Why should this be reconsidered?").fill("It was a joke about bots.")
    author.get_by_role("button", name="Send my appeal").click()
    expect(author.get_by_text("Your appeal is sent")).to_be_visible()

    admin = signed_in_page(browser, page, live_server, "admin@example.org")
    admin.get_by_role("link", name="Moderation").click()
    expect(admin.get_by_text("It was a joke about bots.")).to_be_visible()
    admin.get_by_label("Uphold the action").check()
    admin.get_by_label("Reason", exact=True).fill("Still an advert.")
    admin.get_by_role("button", name="Decide").click()
    expect(admin.get_by_text("The appeal is decided")).to_be_visible()

    admin.get_by_role("link", name="Audit log").click()
    expect(admin.locator("td", has_text="moderation.hide")).to_be_visible()
    expect(admin.locator("td", has_text="appeal.upheld")).to_be_visible()
    screenshot(admin, "audit-log")

    page.goto(live_server.url + "/ideas")
    expect(page.get_by_role("link", name="More park benches")).to_be_visible()
    expect(page.get_by_text("Buy followers cheap")).to_have_count(0)
    assert pyotp.TOTP(TOTP_SECRET).now()  # organisers signed in with their second factor
