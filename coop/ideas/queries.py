"""Reading ideas for the public list: filters, sorts, search, pagination in bounded queries."""

import math
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class IdeaPage:
    """A page of ideas and where it sits in the list. The total comes from idea_counts (a
    search counts its matches, up to SEARCH_COUNT_MAX): never a count of the whole table;
    None when the page was asked for without it."""

    items: list[Idea]
    page: int
    per_page: int
    total: int | None
    total_is_capped: bool = False

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def _page_items(filters: IdeaFilters, page: int, per_page: int) -> list[Idea]:
    """The page's ids first, from the order's index alone, then just those ideas: a deep
    page never joins the rows it skips."""
    ids = _ordered(_published(filters, select(Idea.id)), filters.sort)
    ids = ids.limit(per_page).offset((page - 1) * per_page).scalar_subquery()
    return list(db.session.scalars(_ordered(select(Idea).where(Idea.id.in_(ids)), filters.sort)))


def _total(filters: IdeaFilters) -> tuple[int, bool]:
    """How many published ideas the filters find, and whether a search's count was capped."""
    if filters.query:
        total = _count_matches(filters)
        return min(total, SEARCH_COUNT_MAX), total > SEARCH_COUNT_MAX
    statement = select(func.coalesce(func.sum(IdeaCount.count), 0))
    if filters.topic:
        statement = statement.join(Topic, Topic.id == IdeaCount.topic_id).where(
            Topic.slug == filters.topic
        )
    if filters.stage:
        statement = statement.where(IdeaCount.stage == filters.stage)
    return db.session.scalar(statement), False


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
    page = max(page, 1)
    items = _page_items(filters, page, per_page)
    total, capped = _total(filters) if count else (None, False)
    return IdeaPage(items, page, per_page, total, capped)
