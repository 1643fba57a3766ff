"""A supporter becomes a member of the co-operative in a browser: she applies (the form
first refuses an application without the statement of eligibility, and keeps nothing), pays
as the page says; the treasurer records the payment, the secretary admits her; she votes
where only members vote, and a supporter who is not a member is told why he cannot."""

from playwright.sync_api import expect
from sqlalchemy import select

from coop.extensions import db
from coop.membership import services
from coop.membership.models import Membership
from tests.browser.conftest import fits_the_screen, screenshot, signed_in_page
from tests.membership.helpers import (
    ADMIN,
    SECRETARY,
    SUPPORTER,
    TREASURER,
    application_of,
    find,
    make_society,
)
from tests.support import PASSWORD, make_member, make_proposal

NOT_ELIGIBLE = "Membership is open only to those who meet the rules' conditions."
REFUSED = "Only members of the co-operative vote on this proposal"


def looks_right(page, name: str) -> None:
    assert fits_the_screen(page), page.url
    screenshot(page, name)


def test_a_supporter_applies_pays_is_admitted_and_votes_where_only_members_vote(
    browser, page, live_server, app
):
    make_society(app)
    make_member(app, "tom@example.org", "Tom Supporter")
    url = live_server.url

    # Rosa, a supporter, applies: without the statement of eligibility nothing is kept.
    page.goto(url + "/sign-in")
    page.get_by_label("Email address").fill(SUPPORTER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(url + "/membership")
    page.get_by_role("link", name="Apply to become a member").click()
    page.get_by_label("Your full legal name").fill("Rosa Lee Parks")
    page.get_by_label("Your postal address").fill("1 High Street\nLlandudno\nLL30 2AA")
    page.get_by_label("Send me notices").check()
    page.get_by_label("I have read the rules and agree to be bound by them").check()
    page.get_by_role("button", name="Send my application").click()
    eligible = page.get_by_label("I meet the conditions for membership")
    expect(page.get_by_role("alert")).to_contain_text(NOT_ELIGIBLE)
    expect(eligible).to_have_attribute("aria-invalid", "true")
    expect(eligible).to_have_accessible_description(f"Error: {NOT_ELIGIBLE}")
    expect(page.get_by_label("Your full legal name")).to_have_value("Rosa Lee Parks")
    assert application_of(app, SUPPORTER) is None
    looks_right(page, "membership-apply-error")
    eligible.check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("Your application is with the board.")).to_be_visible()
    application = application_of(app, SUPPORTER).id
    expect(page.get_by_role("main")).to_contain_text(f"SHARE-{application}")
    looks_right(page, "membership-pending")

    # The treasurer records her payment; the secretary admits her.
    treasurer = signed_in_page(browser, page, live_server, TREASURER)
    treasurer.goto(url + "/board")
    treasurer.get_by_role("link", name=f"Application {application}").click()
    treasurer.get_by_label("Bank transfer").check()
    expect(treasurer.get_by_label("Amount received (£)")).to_have_value("1.00")
    treasurer.get_by_label("Date received").fill(services.today().isoformat())
    treasurer.get_by_label("Reference (optional)").fill(f"SHARE-{application}")
    looks_right(treasurer, "membership-application")
    treasurer.get_by_role("button", name="Record the payment").click()
    expect(treasurer.get_by_text("The payment is recorded.")).to_be_visible()
    expect(treasurer.get_by_text("£1.00 by bank transfer")).to_be_visible()

    secretary = signed_in_page(browser, page, live_server, SECRETARY)
    secretary.goto(url + f"/board/applications/{application}")
    secretary.get_by_label("Admit").check()
    secretary.get_by_role("button", name="Record the decision").click()
    expect(secretary.get_by_text("Admitted: the new member is in the register.")).to_be_visible()
    expect(secretary.get_by_text("No application is waiting.")).to_be_visible()
    looks_right(secretary, "membership-board")
    with app.app_context():
        number = db.session.scalar(
            select(Membership.id).where(Membership.account_id == find(SUPPORTER).id)
        )

    page.goto(url + "/membership")
    expect(page.get_by_role("main")).to_contain_text(f"membership number {number}")
    looks_right(page, "membership-member")

    # A binding proposal: Rosa votes; Tom, a supporter but not a member, is told why not.
    binding = make_proposal(app, ADMIN, question="Adopt the new rules?", electorate="members")
    page.goto(url + f"/proposals/{binding}")
    expect(page.get_by_text("Binding: only members of the co-operative vote")).to_be_visible()
    page.get_by_label("For", exact=True).check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_text("You have voted. Your ballot's tracker is")).to_be_visible()
    looks_right(page, "membership-binding-vote")

    tom = signed_in_page(browser, page, live_server, "tom@example.org")
    tom.goto(url + f"/proposals/{binding}")
    expect(tom.get_by_text(REFUSED)).to_be_visible()  # no ballot to fill in, and why
    expect(tom.get_by_role("button", name="Cast my vote")).to_have_count(0)
    expect(tom.get_by_role("link", name="Become a member")).to_be_visible()
    looks_right(tom, "membership-binding-vote-refused")
