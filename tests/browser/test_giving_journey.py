"""Giving in a browser, end to end through the Stripe stand-in: a visitor who is not a
permissible donor is refused before paying; a donor declares, pays on the (stand-in)
hosted page and comes back to a thank-you, with a receipt by email; the treasurer checks and
accepts the gift over £500, returns another with a refund to the card, and downloads the
year's reportable donations. The donate page's own security policy is in force (the
journey's browser does not bypass it): its form must be allowed to lead to Stripe's page."""

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from coop.donations.online.models import Checkout
from coop.extensions import db
from tests.browser.conftest import (
    LiveServer,
    fits_the_screen,
    new_page_without_csp,
    screenshot,
    signed_in_page,
    violations,
)
from tests.donations.helpers import make_treasury
from tests.donations.stripe_standin import SECRET_KEY, WEBHOOK_SECRET
from tests.membership.helpers import TREASURER
from tests.support import Outbox

REFUSED = "The law lets us accept gifts only from the donors listed"


@pytest.fixture
def giving(app_factory, redis_url, stripe_api):
    app = app_factory(
        PAGE_CACHE_SECONDS=120, REDIS_URL=redis_url,
        PAGE_CACHE_BACKEND={"CACHE_KEY_PREFIX": f"coop-pages-browser-{uuid.uuid4().hex}:"},
        STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_api.url, STRIPE_CHECKOUT_ORIGIN=stripe_api.url,
    )  # fmt: skip
    make_treasury(app)
    with LiveServer(app) as server:
        stripe_api.webhook_url = server.url + "/donate/stripe/webhook"
        yield app, server


def checkouts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Checkout))


def fill_in(
    page, name: str, amount: str, kind: str = "An individual on a UK electoral register",
    suggested: bool = False,
):  # fmt: skip
    if suggested:
        page.get_by_label(f"£{amount}", exact=True).check()
    else:
        page.get_by_label("Another amount", exact=True).check()
        page.get_by_label("Another amount (£)").fill(amount)
    page.get_by_label(kind).check()
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Address (an individual").fill("14 Tavistock Place\nLondon\nWC1H 9RE")
    page.get_by_label("Email address for your receipt").fill("mary@example.org")


def give(page, url: str, name: str, amount: str, suggested: bool = False) -> None:
    page.goto(url + "/donate")
    fill_in(page, name, amount, suggested=suggested)
    page.get_by_role("checkbox", name="On a UK electoral register").check()
    page.get_by_role("checkbox", name="The money is the donor's own").check()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("heading", name=f"Pay £{amount}")).to_be_visible()  # Stripe's page
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()


def test_a_donor_gives_and_the_treasurer_accepts_returns_and_reports(
    browser, page, giving, stripe_api, axe_source
):
    app, server = giving
    url = server.url

    # Someone the law does not let us take money from is told so before paying.
    page.goto(url + "/donate")
    fill_in(page, "Overseas Holdings", "25.00", "Another source, or a donor we cannot identify")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("alert")).to_contain_text(REFUSED)
    expect(page.get_by_label("Full name")).to_have_value("Overseas Holdings")
    assert checkouts(app) == 0 and stripe_api.sessions == {}
    assert fits_the_screen(page)
    screenshot(page, "giving-refused")

    # Mary gives £2,500 on Stripe's page and comes back to a thank-you and a receipt.
    give(page, url, "Mary Seacole", "2500.00")
    expect(page.get_by_role("main")).to_contain_text("has arrived")
    screenshot(page, "giving-thanks")
    [receipt] = Outbox(Path(app.config["MAIL_OUTBOX_DIR"])).to("mary@example.org")
    assert "Received by:  The Independents Co-operative" in receipt.get_content()
    give(page, url, "Not Registered", "50.00", suggested=True)

    # The treasurer checks and accepts the first, and returns the second to the card.
    treasurer = signed_in_page(browser, page, server, TREASURER)
    treasurer.goto(url + "/treasury")
    treasurer.get_by_role("link", name="1", exact=True).click()
    treasurer.get_by_role("button", name="Begin the check").click()
    treasurer.get_by_label("How the donor's permissibility was checked").fill(
        "Found on the electoral register of Camden"
    )
    treasurer.get_by_label("Evidence kept").fill("Register extract, filed")
    treasurer.get_by_role("button", name="Accept the gift").click()
    expect(treasurer.get_by_text("The gift is accepted.")).to_be_visible()
    treasurer.goto(url + "/treasury/gifts/2")
    treasurer.get_by_label("The donor", exact=True).check()
    treasurer.get_by_label("How and when it was returned").fill("Not on any register")
    treasurer.get_by_role("button", name="Record the return").click()
    expect(treasurer.get_by_text("refunded to the card through Stripe")).to_be_visible()
    [refund] = stripe_api.refunds.values()
    assert refund["amount"] == 5000
    assert fits_the_screen(treasurer)
    screenshot(treasurer, "giving-returned")

    # The year's reportable donations: Mary's is over the £2,230 reporting threshold.
    treasurer.goto(url + "/treasury")
    with treasurer.expect_download() as download:
        treasurer.get_by_role("button", name="Download CSV").click()
    report = Path(download.value.path()).read_text()
    assert "Mary Seacole" in report and "Not Registered" not in report

    # Every page of the journey, checked by axe (in a browser that may inject it).
    checker = new_page_without_csp(browser, page.viewport_size)
    found = {}
    for path in ("/donate", "/donate/thanks/" + first_reference(app), "errors"):
        if path == "errors":  # the form sent empty: every error shown
            checker.goto(url + "/donate")
            checker.get_by_role("button", name="Continue to payment").click()
        else:
            checker.goto(url + path)
        problems = violations(checker, axe_source)
        if problems:
            found[path] = problems
    checker.context.close()
    assert found == {}


def first_reference(app) -> str:
    with app.app_context():
        return db.session.scalars(select(Checkout.reference).order_by(Checkout.id)).first()
