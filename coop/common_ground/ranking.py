"""The "Common ground" order of the idea list and the home page."""

from sqlalchemy import Select, case, func

from coop.common_ground.models import IdeaScore
from coop.common_ground.scorer import Status
from coop.ideas.models import Idea


def by_common_ground(statement: Select) -> Select:
    """Ideas with common ground first, then everything else, each by score; ideas not
    scored yet count as 0 and the newest comes first among equals. Filters already on
    `statement` (topic, stage, search) keep working, so a topic has its own ranking."""
    common_ground_first = case((IdeaScore.status == Status.COMMON_GROUND, 1), else_=0)
    return statement.outerjoin(IdeaScore, IdeaScore.idea_id == Idea.id).order_by(
        common_ground_first.desc(), func.coalesce(IdeaScore.score, 0.0).desc(), Idea.id.desc()
    )
