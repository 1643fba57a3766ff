"""Helpers for the feeds tests: people, content in every moderation state, closed votes, and
reading Atom, CSV and JSON back."""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import datetime

from sqlalchemy import select, update

from coop.accounts.models import Member, Role
from coop.extensions import db
from coop.ideas.models import Idea
from coop.proposals.services import withdraw_proposal
from tests.proposals.helpers import add_member, cast_votes, close_due, end_voting
from tests.support import make_proposal

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://localhost"
AUTHOR = "author@example.org"
ORGANISER = "organiser@example.org"
FEEDS = ["/ideas.atom", "/updates.atom", "/proposals/results.atom"]
DOWNLOADS = ["/proposals/results.csv", "/proposals/results.json"]


def people(app) -> None:
    add_member(app, AUTHOR, "Ann Author")
    add_member(app, ORGANISER, "Olu Organiser", Role.ORGANISER)


def set_idea(app, idea_id: int, **values) -> None:
    """Put an idea in a moderation state or stage directly, as moderators or time would."""
    with app.app_context():
        db.session.execute(update(Idea).where(Idea.id == idea_id).values(**values))
        db.session.commit()


def closed_vote(app, question: str, choices: list[str], **options) -> int:
    """A vote cast by fresh voters, then closed and counted; returns its id."""
    proposal_id = make_proposal(app, ORGANISER, question=question, **options)
    voters = [
        add_member(app, f"voter{proposal_id}x{n}@example.org", f"Voter {proposal_id}x{n}")
        for n in range(len(choices))
    ]
    cast_votes(app, proposal_id, dict(zip(voters, choices, strict=True)))
    end_voting(app, proposal_id)
    close_due(app)
    return proposal_id


def withdrawn_vote(app, question: str) -> int:
    proposal_id = make_proposal(app, ORGANISER, question=question)
    with app.app_context():
        organiser = db.session.scalar(select(Member).where(Member.email == ORGANISER))
        withdraw_proposal(organiser, proposal_id, "Asked the wrong question")
        db.session.commit()
    return proposal_id


def parse_time(text: str) -> datetime:
    """An RFC 3339 timestamp, with its offset, or fail."""
    moment = datetime.fromisoformat(text)
    assert "T" in text and moment.tzinfo is not None, text
    return moment


def read_feed(client, path: str) -> ET.Element:
    """The feed at `path`, checked against what RFC 4287 requires of a feed and its entries."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.data)  # noqa: S314 - our own output, parsed to check it
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == BASE + path
    assert feed.findtext(f"{ATOM}title")
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == BASE + path
    assert links["alternate"].startswith(BASE + "/")
    updated = parse_time(feed.findtext(f"{ATOM}updated"))
    ids = [entry.findtext(f"{ATOM}id") for entry in feed.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)), "entry ids repeat"
    for entry in feed.findall(f"{ATOM}entry"):
        check_entry(entry)
        assert parse_time(entry.findtext(f"{ATOM}updated")) <= updated
    return feed


def check_entry(entry: ET.Element) -> None:
    assert entry.findtext(f"{ATOM}id").startswith(BASE + "/")
    assert entry.findtext(f"{ATOM}title")
    published = parse_time(entry.findtext(f"{ATOM}published"))
    assert parse_time(entry.findtext(f"{ATOM}updated")) >= published
    [link] = entry.findall(f"{ATOM}link")
    assert link.get("rel") == "alternate" and link.get("href").startswith(BASE + "/")
    assert entry.find(f"{ATOM}author/{ATOM}name").text
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and content.text


def entries(feed: ET.Element) -> list[dict]:
    return [
        {
            "id": entry.findtext(f"{ATOM}id"),
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
            "published": parse_time(entry.findtext(f"{ATOM}published")),
            "updated": parse_time(entry.findtext(f"{ATOM}updated")),
            "content": entry.findtext(f"{ATOM}content"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def titles(client, path: str) -> list[str]:
    return [entry["title"] for entry in entries(read_feed(client, path))]


def read_csv(client) -> list[dict]:
    response = client.get("/proposals/results.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8"), newline="")))


def read_json(client) -> list[dict]:
    response = client.get("/proposals/results.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.get_json()["results"]
