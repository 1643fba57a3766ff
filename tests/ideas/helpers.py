"""Helpers for the ideas tests: members and ideas in bulk, and reading ideas pages."""

import re
from datetime import datetime
from html.parser import HTMLParser

from sqlalchemy import func, select, update

from coop.accounts.models import Member
from coop.extensions import db
from coop.ideas.models import Idea, IdeaRevision, Reaction, Topic
from coop.ideas.services import react, submit_idea
from tests.support import quick_members, submit

COUNTS_RE = re.compile(
    r"<strong>(\d+)</strong> members? supports?</span>\s*"
    r"<span><strong>(\d+)</strong> members? opposes?"
)
CARD_TITLE_RE = re.compile(r'<li class="card idea-card">\s*<h3><a href="[^"]+">([^<]*)</a>')
REACTION_BUTTON_RE = re.compile(
    r'<button type="submit" name="reaction" value="(\w+)"[^>]*aria-pressed="(true|false)">'
)
CSRF_VALUE_RE = re.compile(r'(name="csrf_token"(?: type="hidden")? value=")[^"]+"')


def add_members(app, count: int, prefix: str = "reactor") -> list[int]:
    return quick_members(app, count, prefix)


def add_ideas(app, author_ids: list[int], topic_ids: list[int], count: int) -> list[int]:
    """`count` ideas, spread over the given authors and topics; returns their ids."""
    with app.app_context():
        ideas = []
        for n in range(count):
            author = db.session.get(Member, author_ids[n % len(author_ids)])
            topic_id = topic_ids[n % len(topic_ids)]
            ideas.append(submit_idea(author, f"Idea number {n}", f"Body of idea {n}.", topic_id))
        db.session.commit()
        return [idea.id for idea in ideas]


def react_as(app, member_id: int, idea_id: int, reaction: str) -> None:
    with app.app_context():
        react(db.session.get(Member, member_id), idea_id, reaction)
        db.session.commit()


def set_topic_archived(app, topic_id: int, archived: bool = True) -> None:
    with app.app_context():
        db.session.get(Topic, topic_id).archived = archived
        db.session.commit()


def set_created_at(app, model, row_id: int, when: datetime) -> None:
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(created_at=when))
        db.session.commit()


def load_idea(app, idea_id: int) -> Idea | None:
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        if idea is not None:
            db.session.expunge(idea)
        return idea


def revisions_of(app, idea_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(IdeaRevision.title, IdeaRevision.body)
            .where(IdeaRevision.idea_id == idea_id)
            .order_by(IdeaRevision.id)
        )
        return [tuple(row) for row in rows]


def count_rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def reactions_of(app, idea_id: int) -> list[tuple[int, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(Reaction.member_id, Reaction.value)
            .where(Reaction.idea_id == idea_id)
            .order_by(Reaction.member_id)
        )
        return [tuple(row) for row in rows]


def idea_data(topic_id: int, /, **changes) -> dict:
    data = {
        "title": "Build more homes",
        "body": "We need **affordable** homes.",
        "topic_id": topic_id,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def post_idea(client, topic_id: int, /, **changes):
    return submit(client, "/ideas/new", idea_data(topic_id, **changes))


def idea_page(app, idea_id: int) -> str:
    """The idea's canonical address."""
    return f"/ideas/{idea_id}/{load_idea(app, idea_id).slug}"


def react_on_page(client, idea_id: int, reaction: str, **kwargs):
    """Press a reaction button on the idea page; follows the redirect back to it."""
    page = idea_page(client.application, idea_id)
    kwargs.setdefault("follow_redirects", True)
    return submit(client, page, {"reaction": reaction}, f"/ideas/{idea_id}/react", **kwargs)


def counts_on_page(html: str) -> tuple[int, int]:
    match = COUNTS_RE.search(html)
    assert match, "no support and opposition counts on the page"
    return int(match.group(1)), int(match.group(2))


def titles_listed(html: str) -> list[str]:
    return CARD_TITLE_RE.findall(html)


def without_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked: they are signed with the time."""
    return CSRF_VALUE_RE.sub(r'\1"', html)


OUR_SCRIPT = "/static/enhance.js"


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("src") == OUR_SCRIPT:
            return  # the site's own enhancement script, in every page's head
        if tag in {"script", "style", "iframe", "object", "embed"}:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag} {name}={value!r}")
            if name in {"href", "src", "action", "formaction"} and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{tag} {name}={value!r}")


def unsafe_markup(html: str) -> list[str]:
    """Scripts, styles, event handlers and script links in real markup (not escaped text)."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.problems


def reaction_buttons(html: str) -> list[tuple[str, str]]:
    """(value sent, aria-pressed) of the support button, then of the oppose button."""
    return REACTION_BUTTON_RE.findall(html)
