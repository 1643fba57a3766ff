"""The "Common ground" order of the idea list and the home page, stored on each idea
(Idea.common_ground_rank) by every scorer run: ideas with common ground first, then
everything else, each by score. Ideas not scored yet rank 0, and the list puts the
newest first among equals."""

from sqlalchemy import case, func, select, update

from coop.common_ground.models import IdeaScore
from coop.common_ground.scorer import Status
from coop.extensions import db
from coop.ideas.models import Idea

COMMON_GROUND_FIRST = 10.0  # more than any score: common ground ranks above the rest


def store_ranks() -> int:
    """Write each idea's rank from the stored scores; only changed ones are written.
    Returns how many were."""
    rank = (
        select(
            case((IdeaScore.status == Status.COMMON_GROUND, COMMON_GROUND_FIRST), else_=0.0)
            + IdeaScore.score
        )
        .where(IdeaScore.idea_id == Idea.id)
        .scalar_subquery()
    )
    new_rank = func.coalesce(rank, 0.0)
    statement = (
        update(Idea).where(Idea.common_ground_rank != new_rank).values(common_ground_rank=new_rank)
    )
    return db.session.execute(statement, execution_options=_NO_SYNC).rowcount


# Thousands of rows, none of them loaded in the session: nothing to keep in step.
_NO_SYNC = {"synchronize_session": False}
