"""What the feeds and downloads publish: bounded queries over public content only."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import raiseload

from coop.errors import NotFound
from coop.extensions import db
from coop.ideas.models import Idea, Stage, Topic
from coop.moderation.states import ModerationState
from coop.proposals.models import Proposal, Visibility
from coop.proposals.services import count_due_on_read
from coop.uktime import utcnow
from coop.updates.models import Update
from coop.validation import is_slug

FEED_SIZE = 50
# A withdrawn idea stays readable on its page, but its author took it back and a declined
# one was turned down: neither is news to announce to subscribers.
UNANNOUNCED_STAGES = (Stage.WITHDRAWN, Stage.DECLINED)


def feed_topic(slug: str) -> Topic:
    """A topic that still takes ideas; an unknown or archived one has no feed. What cannot
    be a slug (a NUL byte, which PostgreSQL refuses) is not looked for."""
    topic = None
    if is_slug(slug):
        topic = db.session.scalar(select(Topic).where(Topic.slug == slug, ~Topic.archived))
    if topic is None:
        raise NotFound("We could not find that topic.")
    return topic


def latest_ideas(topic: Topic | None = None, limit: int = FEED_SIZE) -> list[Idea]:
    """The newest published ideas (never pending, held or hidden), with topic and author
    loaded in the same statement."""
    statement = select(Idea).where(
        Idea.moderation_state == ModerationState.PUBLISHED,
        Idea.stage.not_in(UNANNOUNCED_STAGES),
    )
    if topic is not None:
        statement = statement.where(Idea.topic_id == topic.id)
    statement = statement.order_by(Idea.created_at.desc(), Idea.id.desc()).limit(limit)
    return list(db.session.scalars(statement))


def latest_updates(limit: int = FEED_SIZE) -> list[Update]:
    statement = select(Update).order_by(Update.published_at.desc(), Update.id.desc())
    return list(db.session.scalars(statement.limit(limit)))


def public_results(limit: int | None = None, now: datetime | None = None) -> list[Proposal]:
    """Closed public votes with their published result, the latest first. A vote past its
    time is counted first where reads count, as on the votes list."""
    count_due_on_read(now or utcnow())
    statement = (
        select(Proposal)
        .options(raiseload(Proposal.idea))
        .where(
            Proposal.visibility == Visibility.PUBLIC,
            Proposal.withdrawn_at.is_(None),
            Proposal.closed_at.is_not(None),
            Proposal.outcome.is_not(None),
        )
        .order_by(Proposal.closed_at.desc(), Proposal.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))
