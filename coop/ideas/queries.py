"""Reading ideas for the public list: filters, sorts, search, pagination in bounded queries."""

import re
from dataclasses import dataclass

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, func, select

from coop.extensions import db
from coop.ideas.models import LIST_ORDERS, Idea, IdeaCount, Stage, Topic
from coop.ideas.search import matches
from coop.moderation.states import ModerationState

PER_PAGE = 20
SEARCH_COUNT_MAX = 1000
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
    """Each order reads its own index (models.LIST_ORDERS), newest first among equals."""
    return statement.order_by(*(getattr(Idea, name).desc() for name in LIST_ORDERS[sort]))


class IdeaPage(SelectPagination):
    """A page of ideas whose total comes from idea_counts (a search counts its matches, up
    to SEARCH_COUNT_MAX): never a count of the whole table."""

    total_is_capped = False

    def _query_items(self) -> list[Idea]:
        """The page's ids first, from the order's index alone, then just those ideas with
        their authors and topics: a deep page never joins the rows it skips."""
        ordered: Select = self._query_args["select"]
        ids = ordered.with_only_columns(Idea.id).limit(self.per_page).offset(self._query_offset)
        page = select(Idea).where(Idea.id.in_(ids.scalar_subquery()))
        return list(db.session.scalars(page.order_by(*ordered._order_by_clauses)))

    def _query_count(self) -> int:
        filters: IdeaFilters = self._query_args["filters"]
        if filters.query:
            total = _count_matches(filters)
            self.total_is_capped = total > SEARCH_COUNT_MAX
            return min(total, SEARCH_COUNT_MAX)
        statement = select(func.coalesce(func.sum(IdeaCount.count), 0))
        if filters.topic:
            statement = statement.join(Topic, Topic.id == IdeaCount.topic_id).where(
                Topic.slug == filters.topic
            )
        if filters.stage:
            statement = statement.where(IdeaCount.stage == filters.stage)
        return db.session.scalar(statement)


def _published(filters: IdeaFilters, statement: Select) -> Select:
    """Public lists show published ideas only: nothing under review or hidden."""
    statement = statement.where(Idea.moderation_state == ModerationState.PUBLISHED)
    if filters.topic:
        statement = statement.where(Idea.topic.has(Topic.slug == filters.topic))
    if filters.stage:
        statement = statement.where(Idea.stage == filters.stage)
    if filters.query:
        statement = statement.where(matches(filters.query))
    return statement


def _count_matches(filters: IdeaFilters) -> int:
    """Matches of a search, counted up to one more than SEARCH_COUNT_MAX."""
    found = _published(filters, select(Idea.id)).limit(SEARCH_COUNT_MAX + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(found))


def list_ideas(
    filters: IdeaFilters, page: int = 1, per_page: int = PER_PAGE, count: bool = True
) -> IdeaPage:
    """A page of published ideas; `count=False` leaves out the total (home page lists)."""
    statement = _ordered(_published(filters, select(Idea)), filters.sort)
    return IdeaPage(
        select=statement,
        session=db.session(),
        page=max(page, 1),
        per_page=per_page,
        max_per_page=None,
        error_out=False,
        count=count,
        filters=filters,
    )
