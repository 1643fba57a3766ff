"""The "trending" order: supports an idea gained in the last TRENDING_DAYS, stored on the
idea (Idea.trending_count). A support moves it at once, in the same transaction as the
support itself; a task (coop/ideas/tasks.py) recounts every idea as supports age out of
the window."""

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from coop.cache import counts_only
from coop.extensions import db
from coop.ideas.models import Idea, Reaction

TRENDING_DAYS = 7


def window_start(now: datetime) -> datetime:
    return now - timedelta(days=TRENDING_DAYS)


def refresh_trending(now: datetime) -> int:
    """Recount from the reactions; only ideas whose count changed are written. Returns how
    many were. Reads the recent supports by index (ix_reactions_recent_support)."""
    recent = (
        select(func.count())
        .where(
            Reaction.idea_id == Idea.id,
            Reaction.value == 1,
            Reaction.created_at >= window_start(now),
        )
        .scalar_subquery()
    )
    statement = update(Idea).where(Idea.trending_count != recent).values(trending_count=recent)
    # Thousands of rows, none of them loaded in the session: nothing to keep in step.
    with counts_only(db.session):
        found = db.session.execute(statement, execution_options={"synchronize_session": False})
    return found.rowcount
