"""Organisers' updates: publish, edit and delete news posts, each audited; read them for the
public pages and the digests. Callers commit."""

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from coop.accounts.models import Member
from coop.accounts.permissions import require_organiser
from coop.audit import services as audit
from coop.errors import NotFound
from coop.extensions import db
from coop.ideas.services import make_slug
from coop.markdown import render_markdown
from coop.uktime import utcnow
from coop.updates.models import UPDATE_BODY_MAX, UPDATE_TITLE_MAX, Update
from coop.validation import required_text

PER_PAGE = 10
REASON_MAX = 500

_newest_first = (Update.published_at.desc(), Update.id.desc())


def get_update(update_id: int) -> Update:
    update = db.session.get(Update, update_id)
    if update is None:
        raise NotFound("We could not find that update. It may have been deleted.")
    return update


def list_updates(page: int, per_page: int = PER_PAGE) -> Pagination:
    """A page of updates, newest first, with their authors: two queries whatever the page."""
    statement = select(Update).order_by(*_newest_first)
    return db.paginate(statement, page=max(page, 1), per_page=per_page, error_out=False)


def latest_updates(limit: int) -> list[Update]:
    return list(db.session.scalars(select(Update).order_by(*_newest_first).limit(limit)))


def _checked(title: str | None, body: str | None) -> tuple[str, str]:
    title = required_text(title, "title", UPDATE_TITLE_MAX, "a title")
    body = required_text(body, "body", UPDATE_BODY_MAX, "the text of the update")
    return title, body


def publish_update(actor: Member, title: str, body: str) -> Update:
    require_organiser(actor)
    title, body = _checked(title, body)
    update = Update(
        title=title,
        slug=make_slug(title, "update"),
        body=body,
        body_html=render_markdown(body),
        author=actor,
        published_at=utcnow(),
    )
    db.session.add(update)
    db.session.flush()
    audit.record(actor, "update.publish", "update", update.id, title=title)
    return update


def edit_update(actor: Member, update_id: int, title: str, body: str) -> Update:
    """Change an update in place; the page then says when it was edited. Saving without a
    change changes nothing and records nothing."""
    require_organiser(actor)
    update = get_update(update_id)
    title, body = _checked(title, body)
    if (title, body) == (update.title, update.body):
        return update
    details = {"title": title, "body_changed": body != update.body}
    if title != update.title:
        details["previous_title"] = update.title
    audit.record(actor, "update.edit", "update", update.id, **details)
    update.title, update.body = title, body
    update.slug = make_slug(title, "update")
    update.body_html = render_markdown(body)
    update.edited_at = utcnow()
    return update


def delete_update(actor: Member, update_id: int, reason: str) -> None:
    """Remove an update for good. The audit log keeps who, why and the title."""
    require_organiser(actor)
    update = get_update(update_id)
    reason = required_text(reason, "reason", REASON_MAX, "the reason for deleting this update")
    audit.record(actor, "update.delete", "update", update.id, reason=reason, title=update.title)
    db.session.delete(update)
    db.session.flush()
