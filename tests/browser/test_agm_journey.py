"""An annual general meeting run end to end in browsers, at desktop and phone sizes: the
secretary schedules it, sets its agenda and gives notice on time; the board election takes
nominations (one made, seconded and accepted in the browser) and opens its ballot; members
vote in advance, one by proxy, and rank the candidates (a ranking with a repeat, then one
with a gap, refused beside the field); at the meeting members check in, online and at the door,
the quorum is reached, the chair opens voting and closes it: the special resolution carried
by exactly the two-thirds it needs (abstentions are not votes cast), the ordinary one tied
and not carried, last year's minutes approved; the election counted round by round, with
its chart, CSV and ballot set (which recounts); the minutes recorded and read by members.
axe-core checks each distinct page where the journey reaches it."""

import csv
import io
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from coop.elections import services as elections
from coop.elections.models import Election
from coop.elections.queries import nominations
from coop.elections.voting import services as election_votes
from coop.elections.voting.recount import recount
from coop.extensions import db
from coop.meetings.models import AgendaItem, Meeting, MeetingMinutes
from coop.meetings.voting import services as meeting_votes
from coop.meetings.voting.models import ResolutionVote
from coop.uktime import day, from_uk_local
from tests.browser.agm_helpers import (
    ANN,
    BEA,
    CY,
    DEE,
    EVE,
    FIN,
    GUS,
    HAL,
    LAST_YEAR,
    LAST_YEARS_MINUTES,
    Checks,
    last_years_meeting,
    sign_in,
    society,
)
from tests.browser.conftest import new_page
from tests.elections.voting_helpers import DECLARATIONS, local_in
from tests.meetings.helpers import form_time, uk_local
from tests.membership.helpers import SECRETARY, find
from tests.support import Outbox

TITLE = "Annual general meeting 2027"
MINUTES_TEXT = (
    "Eight members were present, Hal at the door; the quorum is eight.\n\n"
    "- The ordinary resolution on interest tied 3-3 and was not carried.\n"
    "- The special resolution was carried by 4 votes to 2: exactly two-thirds.\n"
    "- The minutes of the 2025 AGM were approved.\n"
    "- Ann and Bea were elected to the board."
)
ORDINARY = "Pay interest on members' shares"
SPECIAL = "Amend rule 12: a board of up to seven"
ELECTION = "Election of the board"
MINUTES = "Approve the minutes of the 2025 AGM"
TEXTS = {
    ORDINARY: "That the society pays **2%** interest on members' share capital this year.",
    SPECIAL: "That rule 12 is amended to read: *the board has up to seven members*.",
    ELECTION: "Two seats, by single transferable vote.",
    MINUTES: "",
}
KINDS = {ORDINARY: "Ordinary resolution", SPECIAL: "Special resolution", ELECTION: "Election",
         MINUTES: "Approval of the minutes of the previous general meeting"}  # fmt: skip
# Advance votes (special, ordinary, minutes). With Gus's vote For at the meeting the special
# resolution has For 4, Against 2, Abstain 1: exactly two-thirds of the votes cast, which
# "at least two-thirds" carries (counting the abstention, 4 of 7, it would fail); the
# ordinary resolution ties 3-3, and a half is not "more than half".
ADVANCE = {ANN: ("For", "For", "For"), EVE: ("Abstain", "For", "For")}  # in the browser
BY_PROXY = ("For", "Against", "For")  # Eve votes these for Fin, who appointed her
BY_SERVICES = {  # the other advance votes (Gus votes at the meeting)
    BEA: ("for", "against", "for"),
    CY: ("against", "for", "for"),
    DEE: ("against", "against", "abstain"),
}
# Rankings: Ann has 4 first preferences of 7 (quota 3): elected at stage 1, her surplus goes
# on; Cy is excluded and Bea takes the second seat.
RANKINGS = {ANN: ("Ann", "Cy"), CY: ("Cy", "Bea"), EVE: ("Ann", "Bea"), FIN: ("Ann", "Cy")}
RANKED_BY_SERVICES = {BEA: ("Bea", "Ann"), DEE: ("Ann", "Bea"), GUS: ("Bea", "Cy")}


@pytest.fixture
def app(app_factory, redis_url):
    """As conftest's app, with the rules of this society: proxies allowed, and a quorum of
    eight members present (of nine). No page read counts a vote (as in production)."""
    return app_factory(
        PAGE_CACHE_SECONDS=120, REDIS_URL=redis_url,
        PAGE_CACHE_BACKEND={"CACHE_KEY_PREFIX": f"coop-pages-browser-{uuid.uuid4().hex}:"},
        COOP_GM_PROXIES=True, COOP_GM_QUORUM_PERCENT=100, COOP_GM_QUORUM_MEMBERS=8,
        COUNT_DUE_VOTES_ON_READ=0,  # as in production: the beat, or the secretary, counts
    )  # fmt: skip


def person(browser, page, live_server, email: str):
    other = new_page(browser, page)
    sign_in(other, live_server.url, email)
    return other


def ids(app) -> tuple[int, dict[str, int], int]:
    """The meeting's id, its items' ids by title, and the election's id."""
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.title == TITLE))
        items = dict(
            db.session.execute(
                select(AgendaItem.title, AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)
            ).all()
        )
        election_id = db.session.scalar(
            select(Election.id).where(Election.agenda_item_id == items[ELECTION])
        )
    return meeting_id, items, election_id


def vote_on(voter, where, item_id: int, choice: str, proxy: bool = False) -> None:
    """Vote on resolution `item_id` with the form in `where`: the resolution's section, or
    the section of a proxy the voter holds (a form per resolution)."""
    form = where.locator(f"form[action$='/items/{item_id}/vote']")
    form.get_by_label(choice, exact=True).check()
    form.get_by_role("button", name="Cast their vote" if proxy else "Cast your vote").click()
    whose = "The vote for the member you represent" if proxy else "Your vote"
    expect(voter.get_by_text(f"{whose} is recorded, encrypted.")).to_be_visible()


def rank(voter, names: tuple[str, ...], refused: bool = False) -> None:
    """Number the candidates by name on the ballot paper (three preferences)."""
    for number, ordinal in enumerate(("1st", "2nd", "3rd")):
        name = names[number] if number < len(names) else ""
        voter.get_by_label(f"{ordinal} preference").select_option(label=name or "No preference")
    voter.get_by_role("button", name="Cast my vote").click()
    if not refused:
        expect(voter.get_by_text("Your ballot is recorded.")).to_be_visible()
        expect(voter.locator("#tracker")).to_contain_text("You have voted.")


def test_a_secretary_runs_an_agm_from_notice_to_minutes(
    browser, page, live_server, app, axe_source
):
    numbers = society(app)
    earlier = last_years_meeting(app)
    url = live_server.url
    checks = Checks(axe_source)
    starts = uk_local(20, 19)  # 7pm UK time, twenty days ahead: notice is due in 5 days
    deadline = starts.date() - timedelta(days=15)  # 14 clear days, none for delivery

    # 1. The secretary schedules the AGM, sets its agenda and gives notice, on time.
    secretary = page
    sign_in(secretary, url, SECRETARY)
    secretary.goto(url + "/board")
    secretary.get_by_role("link", name="General meetings").click()
    secretary.get_by_role("link", name="Schedule a general meeting").click()
    secretary.get_by_label("Annual general meeting").check()
    secretary.get_by_label("Title").fill(TITLE)
    secretary.get_by_label("Date and start time (UK time)").fill(form_time(starts))
    secretary.get_by_label("Place (optional").fill("The Community Hall\nLlandudno\nLL30 2AA")
    secretary.get_by_label("Online meeting link").fill("https://meet.example.org/agm-2027")
    checks.look(secretary, "schedule")
    secretary.get_by_role("button", name="Schedule the meeting").click()
    expect(secretary.get_by_text("The meeting is scheduled as a draft.")).to_be_visible()
    expect(secretary.locator("#notice-deadline")).to_contain_text(
        f"Notice must be given by {deadline:%A} {day(deadline)}"
    )
    adding = secretary.locator(
        "form", has=secretary.get_by_role("button", name="Add to the agenda")
    )
    for title in (ORDINARY, SPECIAL, ELECTION, MINUTES):
        adding.get_by_label("Kind of item").select_option(label=KINDS[title])
        adding.get_by_label("Title").fill(title)
        adding.get_by_label("Exact text of the resolution").fill(TEXTS[title])
        adding.get_by_role("button", name="Add to the agenda").click()
        expect(secretary.get_by_text("The item is on the agenda.")).to_be_visible()
    agenda = secretary.locator("ol.agenda")
    expect(agenda.get_by_role("heading", level=3)).to_have_text(
        [ORDINARY, SPECIAL, ELECTION, MINUTES]
    )
    expect(agenda).to_contain_text("Special resolution: at least two-thirds of the votes cast")
    expect(agenda).to_contain_text("Ordinary resolution: more than half of the votes cast")
    approves = secretary.get_by_label("Minutes this item approves")
    approves.select_option(approves.locator("option", has_text=LAST_YEAR).get_attribute("value"))
    secretary.get_by_role("button", name="Link the minutes").click()
    expect(secretary.get_by_text("The item is linked to the minutes it approves.")).to_be_visible()
    expect(secretary.get_by_text("to the 9 member(s) of the co-operative")).to_be_visible()
    checks.look(secretary, "manage-draft")
    secretary.get_by_role("button", name="Give notice of the meeting").click()
    expect(secretary.get_by_text("Notice is given: 9 member(s) are being emailed.")).to_be_visible()
    meeting_id, items, _ = ids(app)
    [notice] = [m for m in Outbox(Path(app.config["MAIL_OUTBOX_DIR"])).to(ANN)
                if TITLE in m["Subject"]]  # fmt: skip
    assert f"{SPECIAL}\n   Special resolution\n\n   {TEXTS[SPECIAL]}" in notice.get_content()
    checks.look(secretary, "manage-noticed", axe=False)

    # 2. The board election: 2 seats by STV, one seconder each; nominations close early.
    secretary.goto(url + "/elections")
    secretary.get_by_role("link", name=f"Set up “{ELECTION}”").click()
    secretary.get_by_label("Seats to fill").fill("2")
    expect(secretary.get_by_label("Voting method")).to_have_value("stv")
    secretary.get_by_label("Nominations open (UK time)").fill(form_time(local_in(-1)))
    secretary.get_by_label("Nominations close (UK time)").fill(form_time(uk_local(3, 12)))
    secretary.get_by_label("Seconders each nomination needs").fill("1")
    checks.look(secretary, "election-form")
    secretary.get_by_role("button", name="Set up the election").click()
    expect(secretary.get_by_text("The election is set up")).to_be_visible()
    _, _, election_id = ids(app)
    with app.app_context():  # Ann and Bea stand
        for email in (ANN, BEA):
            elections.stand(find(email), election_id, DECLARATIONS, f"I am {email}.")
        db.session.commit()
    # ...Eve nominates Cy in the browser, Cy accepts, and Eve seconds Ann.
    eve = person(browser, page, live_server, EVE)
    eve.goto(url + f"/meetings/{meeting_id}")
    eve.get_by_role("link", name="The election: candidates and nominations").click()
    eve.get_by_label("Membership number of the member you nominate").fill(str(numbers[CY]))
    eve.get_by_role("button", name="Nominate", exact=True).click()
    expect(eve.get_by_text("Your nomination is made.")).to_be_visible()
    eve.get_by_role("button", name="Second Ann").click()
    expect(eve.get_by_text("You have seconded the nomination.")).to_be_visible()
    checks.look(eve, "election-nominations")
    cy = person(browser, page, live_server, CY)
    cy.goto(url + f"/elections/{election_id}")
    expect(cy.get_by_role("heading", name="Accept your nomination")).to_be_visible()
    declarations = cy.get_by_role("group", name="Declarations: confirm each to stand")
    for box in declarations.get_by_role("checkbox").all():
        box.check()
    cy.get_by_label("Your statement to members").fill("I will **listen** to members.")
    cy.get_by_role("button", name="Accept the nomination").click()
    expect(cy.get_by_text("You are standing for election.")).to_be_visible()
    with app.app_context():  # Dee seconds Bea, Hal seconds Cy
        election = db.session.get(Election, election_id)
        rows = {r.nomination.candidate_name: r.nomination.id for r in nominations(election)}
        elections.second(find(DEE), election_id, rows["Bea"])
        elections.second(find(HAL), election_id, rows["Cy"])
        db.session.commit()
    secretary.goto(url + f"/elections/{election_id}/manage")
    expect(secretary.locator("#nominations")).to_contain_text("Member " + str(numbers[EVE]))
    secretary.get_by_role("button", name="Close nominations now").click()
    expect(secretary.get_by_text("Nominations are closed.")).to_be_visible()
    checks.look(secretary, "election-manage")
    secretary.get_by_role("link", name="Set when voting opens and closes").click()
    voting_opens = uk_local(1, 9)
    secretary.get_by_label("Voting opens (UK time)").fill(form_time(voting_opens))
    secretary.get_by_label("Voting closes (UK time)").fill(form_time(starts))
    checks.look(secretary, "election-voting-setup")
    secretary.get_by_role("button", name="Save the vote").click()
    expect(secretary.get_by_text("The vote is set up.")).to_be_visible()

    # 3-5. The next morning, voting is open: advance votes, a proxy, the ranked ballots.
    with time_machine.travel(from_uk_local(voting_opens) + timedelta(hours=1)):
        ann = person(browser, page, live_server, ANN)
        ann.get_by_role("link", name="Notifications").click()
        notice_of = ann.get_by_role("listitem").filter(has_text="Notice of the annual general")
        notice_of.get_by_role("link", name="See it").click()
        expect(ann.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        expect(ann.locator(f"#result-{items[SPECIAL]}")).to_contain_text("Open for advance votes")
        checks.look(ann, "meeting")
        ann.get_by_role("link", name="Vote, check in or appoint a proxy").click()
        for title, choice in zip((SPECIAL, ORDINARY, MINUTES), ADVANCE[ANN], strict=True):
            vote_on(ann, ann.locator(f"#item-{items[title]}"), items[title], choice)
        expect(ann.locator(f"#item-{items[SPECIAL]}")).to_contain_text("You voted: tracker")
        checks.look(ann, "vote", axe=False)

        # Fin appoints Eve his proxy; Eve votes for herself, and for him.
        fin = person(browser, page, live_server, FIN)
        fin.goto(url + f"/meetings/{meeting_id}/vote")
        fin.get_by_label("Another member of the co-operative").check()
        fin.get_by_label("Their membership number (for another member)").fill(str(numbers[EVE]))
        fin.get_by_role("button", name="Appoint my proxy").click()
        expect(fin.get_by_text("Your proxy is appointed.")).to_be_visible()
        expect(fin.locator("#proxy ~ p").first).to_contain_text("Eve holds your proxy")
        eve.goto(url + f"/meetings/{meeting_id}/vote")
        for title, choice in zip((SPECIAL, ORDINARY, MINUTES), ADVANCE[EVE], strict=True):
            vote_on(eve, eve.locator(f"#item-{items[title]}"), items[title], choice)
        held = eve.locator("section[id^='proxy-']", has_text="For Fin")
        for title, choice in zip((SPECIAL, ORDINARY, MINUTES), BY_PROXY, strict=True):
            vote_on(eve, held, items[title], choice, proxy=True)
        expect(held).to_contain_text("You have voted for them on this resolution.")
        checks.look(eve, "vote-as-proxy")
        fin.reload()
        expect(fin.locator(f"#item-{items[SPECIAL]}")).to_contain_text(
            "Your proxy voted for you on this resolution: tracker"
        )
        with app.app_context():
            for email, choices in BY_SERVICES.items():
                for title, choice in zip((SPECIAL, ORDINARY, MINUTES), choices, strict=True):
                    meeting_votes.cast_vote(find(email), meeting_id, items[title], choice, None)
                    db.session.commit()

        # Ann finds her ballot on the special resolution's public list by its tracker.
        tracker = ann.locator(f"#item-{items[SPECIAL]} code.tracker").inner_text()
        ann.locator(f"#item-{items[SPECIAL]}").get_by_role(
            "link", name="The list of ballots"
        ).click()
        ann.get_by_label("Find your tracker").fill(tracker)
        ann.get_by_role("button", name="Find").click()
        expect(ann.locator("p.notice")).to_contain_text("on the list")
        checks.look(ann, "resolution-ballots")

        # The ranked ballots: a repeat and a gap are refused beside the field at fault.
        ann.get_by_role("link", name="Notifications").click()
        candidates = ann.get_by_role("listitem").filter(has_text="have closed: 3 candidates")
        candidates.get_by_role("link", name="See it").click()
        expect(ann.get_by_role("heading", name=f"Ballot: {ELECTION}")).to_be_visible()
        rank(ann, RANKINGS[ANN])
        checks.look(ann, "ballot", axe=False)
        cy.goto(url + f"/elections/{election_id}/ballot")
        for wrong, message in (
            (("Cy", "Cy"), "You have already given this candidate an earlier preference"),
            (("Cy", "", "Bea"), "Preference 2 is empty but preference 3 is not"),
        ):
            rank(cy, wrong, refused=True)
            expect(cy.get_by_role("alert")).to_contain_text(message)
            at_fault = cy.get_by_label("2nd preference")
            expect(at_fault).to_have_attribute("aria-invalid", "true")
            expect(at_fault).to_have_accessible_description(re.compile(f"^Error: {message}"))
            expect(cy.get_by_label("3rd preference")).not_to_have_attribute("aria-invalid", "true")
        checks.look(cy, "ballot-refused")
        for email, voter in ((CY, cy), (EVE, eve), (FIN, fin)):
            voter.goto(url + f"/elections/{election_id}/ballot")
            rank(voter, RANKINGS[email])
        with app.app_context():
            vote = election_votes.vote_of(election_id)
            paper = {c.name: str(c.position) for c in election_votes.candidates_of(vote)}
            for email, names in RANKED_BY_SERVICES.items():
                choices = [paper[name] for name in names] + [""]
                election_votes.cast_ballot(find(email), election_id, choices)
                db.session.commit()

    # 6. The meeting: check-in online and at the door, quorum, the chair's window, the close.
    with time_machine.travel(from_uk_local(starts) + timedelta(minutes=5)):
        gus = person(browser, page, live_server, GUS)
        gus.goto(url + f"/meetings/{meeting_id}")
        expect(gus.locator("#voting")).to_contain_text(
            "Quorum: 6 member(s) present of 8 needed: not yet quorate."
        )
        gus.get_by_role("link", name="Vote, check in or appoint a proxy").click()
        expect(gus.locator(f"#item-{items[SPECIAL]}")).to_contain_text("paused until the chair")
        gus.get_by_role("button", name="Check in: I am at the meeting").click()
        expect(gus.get_by_text("You are checked in:")).to_be_visible()

        secretary.goto(url + f"/meetings/{meeting_id}/manage")
        secretary.get_by_role("link", name="Chair's page: check-in, voting, results").click()
        secretary.get_by_label("Membership number").fill(str(numbers[HAL]))
        secretary.get_by_role("button", name="Check in", exact=True).click()
        expect(secretary.get_by_text(f"Member {numbers[HAL]} is checked in.")).to_be_visible()
        expect(secretary.get_by_role("main")).to_contain_text(
            "Quorum: 8 present of 8 needed: reached. 2 checked in."
        )
        special_row = secretary.get_by_role("row").filter(has_text=SPECIAL)
        special_row.get_by_role("button", name="Open voting").click()
        expect(
            secretary.get_by_text("Voting is open at the meeting on 1 resolution(s).")
        ).to_be_visible()
        checks.look(secretary, "chair")

        gus.reload()
        vote_on(gus, gus.locator(f"#item-{items[SPECIAL]}"), items[SPECIAL], "For")
        checks.look(gus, "vote-at-the-meeting", axe=False)
        secretary.get_by_role(
            "button", name="End the meeting: close and count every resolution"
        ).click()
        expect(secretary.get_by_text("Voting is closed; 3 resolution(s) counted.")).to_be_visible()
        checks.look(secretary, "chair-closed", axe=False)

        gus.goto(url + f"/meetings/{meeting_id}")
        voting = gus.locator("#voting")
        expect(voting).to_contain_text("Quorum: 8 member(s) present of 8 needed: quorum reached.")
        expect(gus.locator(f"#result-{items[SPECIAL]}")).to_contain_text(
            "Carried: For 4, Against 2, Abstentions 1"
        )
        expect(gus.locator(f"#result-{items[ORDINARY]}")).to_contain_text(
            "Not carried: For 3, Against 3, Abstentions 0"
        )
        expect(gus.locator(f"#result-{items[MINUTES]}")).to_contain_text(
            "Carried: For 5, Against 0, Abstentions 1"
        )
        expect(gus.get_by_role("link", name="The minutes this item approves")).to_be_visible()
        expect(gus.locator("ol.agenda")).to_contain_text("this item approves (approved)")
        checks.look(gus, "meeting-results")
        gus.get_by_role("link", name="The minutes this item approves").click()
        expect(gus.get_by_role("main")).to_contain_text(LAST_YEARS_MINUTES)
        expect(gus.get_by_role("main")).to_contain_text("Approved at a later general meeting.")
        with app.app_context():
            recorded = {
                v.item_id: (v.present, v.needed, v.outcome)
                for v in db.session.scalars(
                    select(ResolutionVote).where(ResolutionVote.meeting_id == meeting_id)
                )
            }
            approved = db.session.get(MeetingMinutes, earlier).approved_at
        assert recorded == {
            items[SPECIAL]: (8, 8, "carried"), items[ORDINARY]: (8, 8, "not_carried"),
            items[MINUTES]: (8, 8, "carried"),
        }  # fmt: skip
        assert approved is not None

        # 7. The election, counted by the secretary once voting closed at the start.
        secretary.goto(url + f"/elections/{election_id}/manage")
        secretary.get_by_role("link", name="The result").click()
        expect(secretary.get_by_role("main")).to_contain_text("the votes are being counted")
        secretary.get_by_role("button", name="Count the votes now").click()
        expect(secretary.get_by_text("The election is counted.")).to_be_visible()
        expect(secretary.locator("#outcome")).to_have_text("Elected: Ann; Bea.")
        expect(secretary.get_by_role("main")).to_contain_text("7 ballot(s) counted; 7 valid.")
        expect(secretary.get_by_role("main")).to_contain_text("Quota: 3")
        stages = secretary.locator("#rounds tbody tr")
        assert stages.count() >= 3, stages.all_inner_texts()
        expect(secretary.locator("#chart svg[role='img']")).to_be_visible()
        checks.look(secretary, "election-results")
        with secretary.expect_download() as download:
            secretary.get_by_role("link", name="The stages as CSV").click()
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
        assert {"Ann votes", "Bea votes", "Cy votes"} <= set(rows[0]), rows[0]
        assert [row[:3] for row in rows[1:]] == [
            ["1", "first preferences", ""], ["2", "surplus transferred", "Ann"],
            ["3", "excluded", "Cy"],
        ]  # fmt: skip
        with secretary.expect_download() as download:
            secretary.get_by_role("link", name="The anonymised ballot set (JSON)").click()
        checked = recount(json.loads(Path(download.value.path()).read_text()))
        assert checked.ok, checked.problems
        assert sorted(checked.tally.elected) == ["Ann", "Bea"]

        # 8. The secretary records the minutes; members read them.
        secretary.goto(url + f"/meetings/{meeting_id}/manage")
        secretary.get_by_role("link", name="Record the minutes").click()
        secretary.get_by_label("Minutes", exact=True).fill(MINUTES_TEXT)
        checks.look(secretary, "minutes-form")
        secretary.get_by_role("button", name="Save the minutes").click()
        expect(secretary.get_by_text("The minutes are saved.")).to_be_visible()
        gus.goto(url + f"/meetings/{meeting_id}")
        gus.get_by_role("link", name="The minutes of this meeting").click()
        expect(gus.get_by_role("heading", name=f"Minutes: {TITLE}")).to_be_visible()
        expect(gus.get_by_role("main")).to_contain_text("special resolution was carried")
        checks.look(gus, "minutes")

    assert not checks.problems, "\n".join(f"{k}: {v}" for k, v in checks.problems.items())
