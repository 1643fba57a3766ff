"""The list's totals come from idea_counts, kept by database triggers: they must equal a
real count of published ideas after anything that publishes, hides, moves or deletes one."""

import re

from sqlalchemy import delete, func, select, update

from coop.accounts.models import Role
from coop.accounts.services import find_by_email
from coop.extensions import db
from coop.ideas import queries
from coop.ideas.models import Idea, IdeaCount, Stage
from coop.ideas.services import edit_idea, withdraw_idea
from coop.moderation.services import act
from coop.moderation.states import ModerationState
from tests.ideas.helpers import add_ideas
from tests.support import make_member, make_topic, quick_members


def counted(app) -> dict[tuple[int, str], int]:
    with app.app_context():
        kept = {
            (row.topic_id, row.stage): row.count
            for row in db.session.scalars(select(IdeaCount))
            if row.count
        }
        rows = db.session.execute(
            select(Idea.topic_id, Idea.stage, func.count())
            .where(Idea.moderation_state == ModerationState.PUBLISHED)
            .group_by(Idea.topic_id, Idea.stage)
        )
        real = {(topic, stage): n for topic, stage, n in rows}
    assert kept == real
    return kept


def total_shown(client, query: str = "") -> str:
    html = client.get(f"/ideas{query}").get_data(as_text=True)
    return re.search(r'role="status">([^<]*)<', html)[1].strip()


def test_the_totals_follow_every_change_to_an_idea(app, client):
    make_member(app, email="author@example.org", name="Author")
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    housing, transport = make_topic(app, "Housing"), make_topic(app, "Transport")
    with app.app_context():
        author_id = find_by_email("author@example.org").id
    ideas = add_ideas(app, [author_id], [housing, transport], 5)
    assert counted(app) == {(housing, Stage.DISCUSSION): 3, (transport, Stage.DISCUSSION): 2}
    assert total_shown(client).startswith("5 ideas")
    assert total_shown(client, "?topic=transport").startswith("2 ideas")

    with app.app_context():
        organiser, author = find_by_email("org@example.org"), find_by_email("author@example.org")
        act(organiser, "hide", "idea", ideas[0], "Spam.", category="spam")
        withdraw_idea(author, ideas[1])
        edit_idea(author, ideas[2], "Moved", "Now about transport.", transport)
        db.session.commit()
    assert counted(app) == {
        (housing, Stage.DISCUSSION): 1,
        (transport, Stage.DISCUSSION): 2,
        (transport, Stage.WITHDRAWN): 1,
    }
    assert total_shown(client, "?stage=withdrawn").startswith("1 idea")

    with app.app_context():
        act(find_by_email("org@example.org"), "restore", "idea", ideas[0], "On appeal.")
        db.session.execute(
            update(Idea).where(Idea.id == ideas[3]).values(stage=Stage.CARRIED)
        )  # closing a vote changes the stage in bulk
        db.session.execute(delete(Idea).where(Idea.id == ideas[4]))
        db.session.commit()
    assert counted(app) == {
        (housing, Stage.DISCUSSION): 1,
        (transport, Stage.DISCUSSION): 1,
        (transport, Stage.WITHDRAWN): 1,
        (transport, Stage.CARRIED): 1,
    }
    assert total_shown(client).startswith("4 ideas")


def test_a_search_counts_its_matches_up_to_a_limit(app, client, monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_COUNT_MAX", 3)
    [author_id] = quick_members(app, 1, "writer")
    topic = make_topic(app, "Housing")
    add_ideas(app, [author_id], [topic], 5)
    assert total_shown(client, "?q=idea") == "More than 3 ideas match “idea”; showing the first 3."
    with app.app_context():
        pages = queries.list_ideas(queries.IdeaFilters(query="idea"), per_page=2)
    assert pages.total == 3 and pages.pages == 2 and pages.total_is_capped
    assert total_shown(client, "?q=number+4").startswith("1 idea matching")
