"""The AGM journey's cast and the few things its browsers cannot do: the society and its
members (admitted through the services), last year's meeting with its minutes, signing in
on a person's own page again after the clock has moved, and axe on the page as it stands."""

from datetime import timedelta

import pyotp
import time_machine
from playwright.sync_api import expect

from coop.extensions import db
from coop.meetings import minutes
from coop.meetings import services as meetings
from coop.uktime import from_uk_local
from tests.browser.conftest import TAGS, fits_the_screen, screenshot
from tests.meetings.helpers import uk_local
from tests.membership.helpers import SECRETARY, admitted, find, make_society
from tests.support import PASSWORD, TOTP_SECRET, make_member

# Members of the co-operative, each with an account; display name = the name on the paper.
ANN, BEA, CY, DEE = "ann@example.org", "bea@example.org", "cy@example.org", "dee@example.org"
EVE, FIN, GUS, HAL = "eve@example.org", "fin@example.org", "gus@example.org", "hal@example.org"
IVY = "ivy@example.org"
MEMBERS = {ANN: "Ann", BEA: "Bea", CY: "Cy", DEE: "Dee", EVE: "Eve", FIN: "Fin", GUS: "Gus",
           HAL: "Hal", IVY: "Ivy"}  # fmt: skip
LAST_YEAR = "Annual general meeting 2025"
LAST_YEARS_MINUTES = "The meeting received the accounts. Nine members attended."


def society(app) -> dict[str, int]:
    """make_society's secretary (two-step sign-in), treasurer and supporter, and nine
    members of the co-operative; their membership numbers by email."""
    make_society(app)
    numbers = {}
    for email, name in MEMBERS.items():
        make_member(app, email, name)
        numbers[email] = admitted(app, email, f"{name} Member")
    return numbers


def last_years_meeting(app) -> int:
    """Last year's AGM, noticed and held, with minutes waiting for approval; its id."""
    a_year_ago = uk_local(-400, 12)
    with time_machine.travel(from_uk_local(a_year_ago), tick=False), app.app_context():
        secretary = find(SECRETARY)
        meeting = meetings.create_meeting(
            secretary, "annual", LAST_YEAR, uk_local(30, 19), "The Hall\nLL30 2AA", ""
        )
        meetings.add_item(secretary, meeting.id, "report", "The board's report", "")
        meetings.issue_notice(secretary, meeting.id)
        db.session.commit()
        meeting_id = meeting.id
    held = from_uk_local(a_year_ago) + timedelta(days=31)
    with time_machine.travel(held, tick=False), app.app_context():
        minutes.record_minutes(find(SECRETARY), meeting_id, LAST_YEARS_MINUTES, False)
        db.session.commit()
    return meeting_id


def sign_in(page, url: str, email: str) -> None:
    """Sign in on this person's own page, kept signed in on the device: the journey spans
    three weeks, far beyond the idle timeout of a session that is not."""
    page.goto(url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    if page.url.endswith("/sign-in/code"):
        page.get_by_label("Code").fill(pyotp.TOTP(TOTP_SECRET).now())
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()


class Checks:
    """What the journey checks of each page it reaches, collected so that one run names every
    page at fault: that it fits the screen (320 px wide included), and axe-core's serious and
    critical violations. The journey's browsers keep the strict CSP (no injected <script>):
    axe is evaluated through the DevTools protocol, which the page's policy does not govern,
    so each page is checked in the state the journey left it (error messages included)
    without a second browser replaying it. Every page is also screenshot."""

    def __init__(self, axe_source: str):
        self.source = axe_source
        self.problems: dict[str, list[str]] = {}
        self.checked: list[str] = []

    def look(self, page, name: str, axe: bool = True) -> None:
        screenshot(page, f"agm-{name}")
        if not fits_the_screen(page):
            self.problems[f"{name}: overflows at {page.viewport_size['width']} px"] = [
                page.url,
                *overflowing(page),
            ]
        if axe:
            self.checked.append(name)
            found = self.axe(page)
            if found:
                self.problems[f"{name}: axe ({page.url})"] = found

    def axe(self, page) -> list[str]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.source)  # the script's text, evaluated: not a <script> element
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            TAGS,
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]


def overflowing(page) -> list[str]:
    """The elements whose content reaches past the right edge of the screen, to name them."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                         || e.scrollWidth > e.clientWidth + 1
                            && getComputedStyle(e).overflowX == 'visible')
            .filter(e => !e.querySelector('*') || e.tagName == 'DD' || e.tagName == 'TABLE')
            .slice(0, 5)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
                 + ': ' + (e.textContent || '').trim().slice(0, 50))"""
    )
