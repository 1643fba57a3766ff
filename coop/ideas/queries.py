"""Reading ideas for the public list: filters, sorts, search, pagination in bounded queries."""

import re
from dataclasses import dataclass
from datetime import timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from coop.common_ground.ranking import by_common_ground
from coop.extensions import db, utcnow
from coop.ideas.models import Idea, Reaction, Stage, Topic
from coop.ideas.search import matches
from coop.moderation.states import ModerationState

PER_PAGE = 20
TRENDING_DAYS = 7
SORTS = {
    "newest": "Newest",
    "common": "Common ground",
    "supported": "Most supported",
    "trending": "Trending this week",
    "discussed": "Most discussed",
}


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class IdeaFilters:
    sort: str = "newest"
    topic: str | None = None
    stage: str | None = None
    query: str | None = None

    @classmethod
    def from_args(cls, args) -> "IdeaFilters":
        sort = args.get("sort", "newest")
        stage = args.get("stage") or None
        return cls(
            sort=sort if sort in SORTS else "newest",
            topic=_printable(args.get("topic"))[:80] or None,
            stage=stage if stage in set(Stage) else None,
            query=_printable(args.get("q")).strip()[:200] or None,
        )


def _printable(text: str | None) -> str:
    """Typed text without control characters (PostgreSQL refuses a NUL byte outright)."""
    return CONTROL_CHARACTERS.sub(" ", text or "")


def _ordered(statement: Select, sort: str) -> Select:
    if sort == "common":
        return by_common_ground(statement)
    if sort == "supported":
        return statement.order_by(Idea.support_count.desc(), Idea.id.desc())
    if sort == "discussed":
        return statement.order_by(Idea.comment_count.desc(), Idea.id.desc())
    if sort == "trending":
        cutoff = utcnow() - timedelta(days=TRENDING_DAYS)
        recent = (
            select(Reaction.idea_id, func.count().label("gained"))
            .where(Reaction.value == 1, Reaction.created_at >= cutoff)
            .group_by(Reaction.idea_id)
            .subquery()
        )
        gained = func.coalesce(recent.c.gained, 0)
        return statement.outerjoin(recent, recent.c.idea_id == Idea.id).order_by(
            gained.desc(), Idea.support_count.desc(), Idea.id.desc()
        )
    return statement.order_by(Idea.created_at.desc(), Idea.id.desc())


def list_ideas(filters: IdeaFilters, page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """Public lists show published ideas only: nothing under review or hidden."""
    statement = select(Idea).where(Idea.moderation_state == ModerationState.PUBLISHED)
    if filters.topic:
        statement = statement.where(Idea.topic.has(Topic.slug == filters.topic))
    if filters.stage:
        statement = statement.where(Idea.stage == filters.stage)
    if filters.query:
        statement = statement.where(matches(filters.query))
    statement = _ordered(statement, filters.sort)
    return db.paginate(statement, page=max(page, 1), per_page=per_page, error_out=False)
