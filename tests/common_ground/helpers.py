"""A synthetic population written into the test database, in bulk."""

from dataclasses import dataclass

from sqlalchemy import insert, select

from coop.accounts.models import Member
from coop.common_ground.models import IdeaScore
from coop.extensions import db
from coop.ideas.models import Idea, Reaction
from coop.uktime import utcnow
from tests.common_ground import population as pop
from tests.support import make_topic, quick_members


@dataclass
class Seeded:
    people: pop.Population
    members: dict[int, int]  # synthetic id -> database id
    ideas: dict[int, int]
    topics: dict[str, int]

    def idea(self, synthetic_id: int) -> int:
        return self.ideas[synthetic_id]


def title_of(synthetic_id: int) -> str:
    return f"Idea {synthetic_id}"


def seed_population(app, people: pop.Population | None = None) -> Seeded:
    """Members, ideas (bridging ideas filed under "Housing", the rest under "Transport")
    and reactions of a small two-camp population."""
    people = people or pop.two_camps(seed=5, big=60, small=36)
    synthetic_members = sorted(people.camp_of)
    member_ids = quick_members(app, len(synthetic_members), prefix="camper")
    members = dict(zip(synthetic_members, member_ids, strict=True))
    topics = {name: make_topic(app, name) for name in ("Housing", "Transport")}
    with app.app_context():
        author = db.session.get(Member, member_ids[0])
        ideas = {}
        for synthetic_id in sorted({idea for _, idea, _ in people.reactions}):
            topic = "Housing" if synthetic_id in pop.BRIDGING else "Transport"
            idea = Idea(
                slug=f"idea-{synthetic_id}",
                title=title_of(synthetic_id),
                body="Body",
                body_html="<p>Body</p>",
                topic_id=topics[topic],
                author=author,
            )
            db.session.add(idea)
            db.session.flush()
            ideas[synthetic_id] = idea.id
        now = utcnow()
        db.session.execute(
            insert(Reaction),
            [
                {"member_id": members[m], "idea_id": ideas[i], "value": v, "created_at": now}
                for m, i, v in people.reactions
            ],
        )
        db.session.commit()
    return Seeded(people, members, ideas, topics)


def stored_scores(app) -> dict[int, IdeaScore]:
    with app.app_context():
        rows = db.session.scalars(select(IdeaScore)).all()
        for row in rows:
            db.session.expunge(row)
        return {row.idea_id: row for row in rows}


def run_recompute(app, now=None):
    from coop.common_ground.services import recompute_scores

    with app.app_context():
        summary = recompute_scores(now or utcnow())
        db.session.commit()
        return summary
