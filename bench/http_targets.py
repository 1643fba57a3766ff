"""What the HTTP benchmark asks for: each endpoint's requests, from the seeded network.

Signed-in requests carry a real session cookie (and a CSRF token for POSTs) made by the
app itself for a seeded member, as signing in would leave them, and as the browser holds
it a moment later: wrk sends the same cookie every time and cannot keep the one each
answer sends back, so the cookie says the sign-in was seen within the minute and its idle
time counted within half a minute (BROWSER_HOLDS). Without that every request would be a
browser's first of a new minute, which writes the sign-in's last-seen time and signs a new
cookie; a member's browser does that once a minute. Each POST line is a member acting on
an idea or a vote they have not acted on yet, so every successful POST must write one new
row.
"""

import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask, session
from flask_wtf.csrf import generate_csrf

from bench.load import Request
from bench.national_data import Network
from coop.accounts.models import Member
from coop.accounts.sessions import TOUCHED, start_session
from coop.extensions import db

DEEP_PAGE = 50  # exists at every size: the smallest has 2,000 ideas, 100 pages
SEARCHES = ("budget", "councils", "rural buses", "timetable", "pilot", "Wales", "grant")
SORTS = ("newest", "common", "supported", "trending", "discussed")
SIGNED_IN_MEMBERS = 500
POSTS = 12_000  # more than a run can send: no request is repeated
USER_AGENT = "coop-bench"  # what requests.lua sends
BROWSER_HOLDS = 3600  # seconds: the cookies say "seen now" until this long after they are made


ANONYMOUS_PAGES = ("anonymous list", "anonymous idea")


@dataclass(frozen=True)
class Endpoint:
    name: str
    # "ceiling", "anonymous list", "anonymous idea", "uncached", "signed-in", "post", "other"
    group: str
    requests: list[Request]
    warm_up: list[Request] = field(default_factory=list)  # POSTs: lines of their own
    writes: str | None = None  # the table each successful request adds a row to


def endpoints(app: Flask, network: Network) -> list[Endpoint]:
    discussed = db.session.execute(
        sa.text("SELECT id, slug FROM ideas WHERE id = :id"), {"id": network.discussed_idea}
    ).one()
    result = db.session.execute(
        sa.text(
            "SELECT id, slug FROM proposals WHERE closed_at IS NOT NULL "
            "AND visibility = 'public' AND withdrawn_at IS NULL ORDER BY closed_at DESC LIMIT 1"
        )
    ).one()
    found = [
        Endpoint("static file (the ceiling)", "ceiling", [Request("GET", "/static/coop.css")]),
        Endpoint("home page", "other", [Request("GET", "/")]),
    ]
    for sort in SORTS:
        found.append(Endpoint(f"ideas, {sort}", "anonymous list", [_get("/ideas", sort=sort)]))
        found.append(
            Endpoint(
                f"ideas, {sort}, page {DEEP_PAGE}",
                "anonymous list",
                [_get("/ideas", sort=sort, page=DEEP_PAGE)],
            )
        )
    found += [
        Endpoint(
            "idea page, 100 comments",
            "anonymous idea",
            [Request("GET", f"/ideas/{discussed.id}/{discussed.slug}")],
        ),
        Endpoint("search", "other", [_get("/ideas", q=term) for term in SEARCHES]),
        Endpoint(
            "proposal with results",
            "other",
            [Request("GET", f"/proposals/{result.id}/{result.slug}")],
        ),
        Endpoint("updates", "other", [Request("GET", "/updates")]),
        Endpoint("API idea list", "other", [Request("GET", "/api/v1/ideas")]),
        Endpoint("Atom feed of ideas", "other", [Request("GET", "/ideas.atom")]),
    ]
    members = _members(app, SIGNED_IN_MEMBERS + 4 * POSTS)
    signed_in = members[:SIGNED_IN_MEMBERS]
    found.append(
        Endpoint(
            "signed-in idea list",
            "signed-in",
            [Request("GET", "/ideas", member.cookie) for member in signed_in],
        )
    )
    found.append(
        Endpoint(
            "signed-in idea page",
            "signed-in",
            [
                Request("GET", f"/ideas/{discussed.id}/{discussed.slug}", member.cookie)
                for member in signed_in
            ],
        )
    )
    found.append(_supports(members[SIGNED_IN_MEMBERS : SIGNED_IN_MEMBERS + 2 * POSTS]))
    found.append(_votes(members[SIGNED_IN_MEMBERS + 2 * POSTS :]))
    db.session.rollback()
    return found


def uncached_twin(endpoint: Endpoint) -> Endpoint:
    """The same requests, for a server with the page cache off."""
    return Endpoint(f"{endpoint.name} (cache off)", "uncached", endpoint.requests)


def _get(path: str, **query) -> Request:
    return Request("GET", f"{path}?{urlencode(query)}")


@dataclass(frozen=True)
class SignedIn:
    member_id: int
    cookie: str
    csrf_token: str


def _members(app: Flask, count: int) -> list[SignedIn]:
    """`count` ordinary members' session cookies and CSRF tokens, as signing in makes them."""
    members = db.session.scalars(
        sa.select(Member)
        .where(Member.role == "member", Member.banned_at.is_(None))
        .order_by(Member.id)
        .limit(count)
    ).all()
    name = app.config["SESSION_COOKIE_NAME"]
    sessions = []
    for member in members:
        # An app context of its own: Flask-WTF keeps the token in `g` once made.
        with app.app_context(), app.test_request_context("/", headers={"User-Agent": USER_AGENT}):
            start_session(member, remember=False)
            session["seen"] = session[TOUCHED] = int(time.time()) + BROWSER_HOLDS
            db.session.commit()  # a sign-in is a row now (coop/accounts/signins.py)
            token = generate_csrf()
            response = app.response_class()
            app.session_interface.save_session(app, session, response)
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
            assert cookie.startswith(name + "=")
            sessions.append(SignedIn(member.id, cookie, token))
    return sessions


def _supports(members: list[SignedIn]) -> Endpoint:
    """Each member supports one open idea they have not reacted to."""
    ideas = db.session.scalars(
        sa.text(
            "SELECT id FROM ideas WHERE moderation_state = 'published' AND stage = 'discussion' "
            "ORDER BY id DESC LIMIT 20"
        )
    ).all()
    taken = _taken("reactions", "idea_id", members, ideas)
    fresh = []
    for number, member in enumerate(members):
        idea = ideas[number % len(ideas)]
        if (member.member_id, idea) not in taken:
            body = urlencode({"csrf_token": member.csrf_token, "reaction": "support"})
            fresh.append(Request("POST", f"/ideas/{idea}/react", member.cookie, body))
    half = len(fresh) // 2
    return Endpoint("POST support an idea", "post", fresh[:half], fresh[half:], "reactions")


def _votes(members: list[SignedIn]) -> Endpoint:
    """Each member votes in an open public vote they have not voted in."""
    proposals = db.session.scalars(
        sa.text(
            "SELECT id FROM proposals WHERE closed_at IS NULL AND withdrawn_at IS NULL "
            "AND visibility = 'public' AND opens_at <= now() AND closes_at > now() ORDER BY id"
        )
    ).all()
    taken = _voted(members, proposals)
    fresh = []
    for number, member in enumerate(members):
        choices = [p for p in proposals if (member.member_id, p) not in taken]
        if choices:
            proposal = choices[number % len(choices)]
            choice = ("for", "against")[number % 2]
            body = urlencode({"csrf_token": member.csrf_token, "choice": choice})
            fresh.append(Request("POST", f"/proposals/{proposal}/vote", member.cookie, body))
    half = len(fresh) // 2
    return Endpoint("POST cast a vote", "post", fresh[:half], fresh[half:], "box_voters")


def _voted(members: list[SignedIn], proposals) -> set[tuple[int, int]]:
    """(member, proposal) pairs where the member has voted."""
    rows = db.session.execute(
        sa.text(
            "SELECT v.member_id, p.id FROM box_voters AS v "
            "JOIN proposals AS p ON p.ballot_box_id = v.box_id "
            "WHERE v.member_id = ANY(:members) AND p.id = ANY(:targets)"
        ),
        {"members": [m.member_id for m in members], "targets": list(proposals)},
    )
    return set(rows.all())


def _taken(table: str, column: str, members: list[SignedIn], targets) -> set[tuple[int, int]]:
    """(member, target) pairs that already have a row."""
    rows = db.session.execute(
        sa.text(
            f"SELECT member_id, {column} FROM {table} "  # noqa: S608 - our own names
            f"WHERE member_id = ANY(:members) AND {column} = ANY(:targets)"
        ),
        {"members": [m.member_id for m in members], "targets": list(targets)},
    )
    return set(rows.all())
