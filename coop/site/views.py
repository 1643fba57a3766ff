from flask import Blueprint, render_template
from flask_login import current_user

from coop.ideas.queries import IdeaFilters, list_ideas
from coop.proposals.queries import proposal_lists
from coop.uktime import utcnow
from coop.updates.services import latest_updates

bp = Blueprint("site", __name__)
HOME_IDEAS = 5
HOME_UPDATES = 3


@bp.get("/")
def home():
    common_ground = list_ideas(IdeaFilters(sort="common"), per_page=HOME_IDEAS, count=False)
    most_active = list_ideas(IdeaFilters(sort="trending"), per_page=HOME_IDEAS, count=False)
    return render_template(
        "site/home.html",
        common_ideas=common_ground.items,
        # The order falls back to total support: an idea with none this week is not "active".
        active_ideas=[idea for idea in most_active.items if idea.trending_count],
        votes=proposal_lists(current_user),
        updates=latest_updates(HOME_UPDATES),
        now=utcnow(),
    )
