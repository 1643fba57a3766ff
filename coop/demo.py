"""Demo data for `make run`: accounts, topics, ideas, comments, an open vote, a result and
organisers' updates. Never loaded in production."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from coop.accounts.models import Member, Role
from coop.accounts.services import create_verified_member
from coop.comments.services import add_comment
from coop.donations import services as donations
from coop.extensions import db
from coop.ideas.services import create_topic, react, submit_idea
from coop.meetings import services as meetings
from coop.membership import services as membership
from coop.proposals.models import Proposal
from coop.proposals.services import cast_vote, close_proposal, create_proposal
from coop.uktime import UK, utcnow
from coop.updates.services import publish_update

DEMO_PASSWORD = "demo-coop-password"  # noqa: S105 - printed in the README, development only
# The demo organiser's and admin's authenticator key (README says how to get a code).
DEMO_TOTP_SECRET = "COOPDEMOCOOPDEMOCOOPDEMOCOOPDEMO"  # noqa: S105
DEMO_MEMBERS = [
    ("Ada (demo admin)", "admin@example.org", Role.ADMIN),
    ("Olu (demo organiser)", "organiser@example.org", Role.ORGANISER),
    ("Sam (demo member)", "member@example.org", Role.MEMBER),
]
SUPPORTERS = ["Priya", "Tom", "Aisha", "Gareth", "Mei", "Kwame", "Niamh", "Ruth"]
TOPICS = [
    ("Housing", "Homes people can afford, in places people want to live."),
    ("Health and care", "The NHS, social care and public health."),
    ("Transport", "Buses, trains, roads, cycling and walking."),
    ("Environment", "Climate, nature, clean air and water."),
    ("Local democracy", "Councils, town halls and how decisions are made."),
]
IDEAS = [
    (
        "Let councils build council homes again",
        0,
        "Give councils the borrowing powers to build **social housing** at scale.\n\n"
        "- Ring-fence the money for homes\n- Prioritise brownfield land",
    ),
    (
        "Free bus travel for under-22s",
        2,
        "Young people should be able to get to college, work and training without "
        "worrying about fares. Scotland already does this.",
    ),
    (
        "Publish every council spending decision over £500",
        4,
        "Open books build trust. A simple monthly list, online, in plain words.",
    ),
    (
        "Community energy on every school roof",
        3,
        "Solar panels on school roofs, owned by local co-operatives, cut bills and teach "
        "children where energy comes from.",
    ),
    (
        "Guaranteed GP appointment within a week",
        1,
        "Set a clear standard and fund practices to meet it.",
    ),
    (
        "Citizens' assemblies before big local decisions",
        4,
        "Randomly selected residents hear the evidence and recommend. Councils respond in public.",
    ),
]

# (days ago, title, body), oldest first.
UPDATES = [
    (
        12,
        "Welcome to the members' platform",
        "This is where members propose ideas, discuss them and vote on what the "
        "co-operative does.\n\n"
        "- **Ideas**: anyone who has joined can share one, and support or oppose others.\n"
        "- **Votes**: when an idea has been discussed, organisers put it to every member.\n"
        "- **Updates**: news from the organisers, here and in your digest emails.\n\n"
        "One member, one vote, and nobody can see how anyone voted.",
    ),
    (
        5,
        "Dates for the first members' assembly",
        "The first members' assembly will be held online on the last Saturday of next "
        "month, from 10am to 1pm. Every member can attend and speak.\n\n"
        "Members can suggest agenda items until two weeks before. The agenda and the "
        "papers will be published here.",
    ),
    (
        1,
        "Result of the vote on publishing council spending",
        "Voting on publishing every council spending decision over £500 has closed. "
        "The full result, with turnout, is on the [votes page](/proposals).\n\n"
        "Thank you to every member who took part.",
    ),
]


def load_demo_data() -> bool:
    if db.session.scalar(select(func.count()).select_from(Member)):
        return False
    members = [create_verified_member(n, e, DEMO_PASSWORD, r) for n, e, r in DEMO_MEMBERS]
    admin, organiser, member = members
    admin.totp_secret = organiser.totp_secret = DEMO_TOTP_SECRET
    supporters = [
        create_verified_member(f"{name} (demo)", f"{name.lower()}@example.org", DEMO_PASSWORD)
        for name in SUPPORTERS
    ]
    for established in [member, *supporters]:  # newcomers' contributions wait for review
        established.approved_contributions = current_app.config["PREMODERATION_COUNT"]
    topics = [create_topic(organiser, name, description) for name, description in TOPICS]
    authors = [member, *supporters]
    ideas = [
        submit_idea(authors[i % len(authors)], title, body, topics[topic].id)
        for i, (title, topic, body) in enumerate(IDEAS)
    ]
    for i, supporter in enumerate([member, *supporters]):
        for j, idea in enumerate(ideas):
            if (i + j) % 3 != 2:
                react(supporter, idea.id, "oppose" if (i * 7 + j * 3) % 5 == 0 else "support")
    first = add_comment(supporters[1], ideas[0], "Yes, and make them **zero carbon** from day one.")
    add_comment(member, ideas[0], "Agreed. Who would manage them?", parent_id=first.id)
    add_comment(supporters[2], ideas[1], "This would help my daughter get to college.")
    _co_operative(admin, organiser, member, supporters[0])
    _general_meeting(admin)
    _donations(organiser)
    _votes(organiser, ideas, [member, *supporters])
    _updates(organiser)
    return True


def _co_operative(admin: Member, organiser: Member, member: Member, applicant: Member) -> None:
    """The demo admin is the society's secretary, the organiser its treasurer; the demo
    member was admitted as a member of the co-operative; a supporter's application waits."""
    today = membership.today()
    address = "1 Demo Street\nDemoton\nDE1 1MO"
    membership.appoint(admin, admin.email, "secretary", "Ada Demo", address, today)
    membership.appoint(admin, organiser.email, "treasurer", "Olu Demo", address, today)
    db.session.flush()
    application = membership.apply(member, "Sam Demo", address, 1, True, True, True)
    db.session.flush()
    membership.record_payment(organiser, application.id, "bank_transfer", 100, today, "DEMO")
    membership.admit(admin, application.id)
    membership.apply(applicant, "Priya Demo", address, 1, True, True, False)  # for the board


def _general_meeting(secretary: Member) -> None:
    """A draft annual general meeting six weeks ahead, its agenda set, notice not yet given."""
    starts = (
        (utcnow() + timedelta(weeks=6))
        .astimezone(UK)
        .replace(hour=19, minute=0, second=0, microsecond=0, tzinfo=None)
    )
    agm = meetings.create_meeting(
        secretary, "annual", f"Annual general meeting {starts.year}", starts,
        "Demoton Community Hall\n1 Demo Street\nDemoton DE1 1MO", "https://meet.example.org/agm",
    )  # fmt: skip
    for kind, title, text in (
        ("minutes", "Minutes of the last general meeting", ""),
        ("report", "The board's report and the accounts", "The chair and the treasurer report."),
        ("ordinary", "Appoint the auditors", "That Demo & Co be appointed the society's auditors."),
        ("special", "Amend rule 12 (notice of meetings)",
         "That rule 12 be amended so that notices may be sent **by email** to members who agree."),
        ("election", "Election of the board", "Three places on the board."),
    ):  # fmt: skip
        meetings.add_item(secretary, agm.id, kind, title, text)


def _donations(treasurer: Member) -> None:
    """The co-operative as a recipient, and a gift by bank transfer waiting to be checked."""
    society = current_app.config["COOP_SOCIETY_NAME"]
    recipient = donations.add_recipient(treasurer, society, "General funds", "regulated_donee")
    db.session.flush()
    donations.record_gift(
        treasurer, recipient.id, "individual", "Tom Demo", "2 Demo Road\nDemoton\nDE1 2MO",
        "", ["on_register", "own_money"], 750_00, donations.today(), "bank_transfer", "DEMO",
    )  # fmt: skip


def _votes(organiser: Member, ideas, voters: list[Member]) -> None:
    now = utcnow()
    open_vote = create_proposal(
        organiser, f"Should we adopt the idea “{ideas[1].title}”?",
        "Put to the members after a month of discussion.",
        now, now + timedelta(days=7), "majority", None, "public", idea_id=ideas[1].id, now=now,
    )  # fmt: skip
    closed = create_proposal(
        organiser, f"Should we adopt the idea “{ideas[2].title}”?", "",
        now, now + timedelta(hours=1), "two_thirds", 20, "public", idea_id=ideas[2].id, now=now,
    )  # fmt: skip
    for i, voter in enumerate(voters):
        cast_vote(voter, closed.id, ["for", "for", "against", "abstain"][i % 4], now)
        if i % 2:
            cast_vote(voter, open_vote.id, "for", now)
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == closed.id)
        .values(opens_at=now - timedelta(days=8), closes_at=now - timedelta(days=1))
    )
    db.session.commit()
    close_proposal(closed.id, now)


def _updates(organiser: Member) -> None:
    now = utcnow()
    for days_ago, title, body in UPDATES:
        post = publish_update(organiser, title, body)
        post.published_at = now - timedelta(days=days_ago)  # as if published over weeks
