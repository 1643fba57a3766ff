"""Loading reactions and storing a run's idea scores, on SQLite and PostgreSQL."""

import struct
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import delete, inspect, select, update

from coop.accounts.models import Member
from coop.common_ground import scorer, services
from coop.common_ground.models import IdeaScore
from coop.common_ground.scorer import Status
from coop.extensions import db
from coop.ideas.models import Reaction
from coop.uktime import utcnow
from tests.common_ground import population as pop
from tests.common_ground.helpers import run_recompute, seed_population, stored_scores

RUN_AT = datetime(2026, 12, 1, 9, 15, tzinfo=UTC)


@pytest.fixture
def seeded(app):
    return seed_population(app)


def test_a_run_stores_every_reacted_idea_with_the_run_time(app, seeded):
    summary = run_recompute(app, RUN_AT)

    scores = stored_scores(app)
    assert set(scores) == set(seeded.ideas.values())
    assert summary.ideas == len(scores)
    assert summary.reactions == len(seeded.people.reactions)
    assert {row.computed_at for row in scores.values()} == {RUN_AT}
    common_ground = {idea for idea, row in scores.items() if row.status == Status.COMMON_GROUND}
    assert common_ground == {seeded.idea(i) for i in pop.BRIDGING}
    assert summary.common_ground == len(common_ground)
    popular = scores[seeded.idea(pop.POPULAR)]
    assert popular.status == Status.NOT_SUPPORTED
    assert popular.score < min(scores[seeded.idea(i)].score for i in pop.BRIDGING)
    assert scores[seeded.idea(pop.NEW)].status == Status.NEEDS_MORE_VOTES


def test_stored_scores_are_the_scorer_results(app, seeded):
    run_recompute(app, RUN_AT)
    expected = scorer.score(
        [(seeded.members[m], seeded.ideas[i], v) for m, i, v in seeded.people.reactions]
    )
    for idea_id, row in stored_scores(app).items():
        result = expected[idea_id]
        assert (row.status, row.votes) == (result.status, result.votes)
        assert row.score == pytest.approx(result.score)
        assert row.divide == pytest.approx(result.divide)
        assert row.side_a_support == pytest.approx(result.side_a_support)


def test_reactions_are_loaded_in_bulk_exactly_as_stored(app, seeded):
    with app.app_context():
        loaded = services.load_reactions()
        expected = db.session.execute(
            select(Reaction.member_id, Reaction.idea_id, Reaction.value)
        ).all()
    columns = (loaded.members.tolist(), loaded.ideas.tolist(), loaded.values.tolist())
    got = sorted(zip(*columns, strict=True))
    assert got == sorted(tuple(row) for row in expected)
    assert set(loaded.values.tolist()) == {-1, 1}


def test_members_who_withdrew_consent_to_political_opinions_are_left_out(app, seeded):
    withdrawn = seeded.members[1]
    with app.app_context():
        db.session.execute(
            update(Member).where(Member.id == withdrawn).values(political_opinions_consent=False)
        )
        db.session.commit()
        loaded = services.load_reactions()
    assert withdrawn not in loaded.members.tolist()
    mine = sum(1 for m, _, _ in seeded.people.reactions if m == 1)
    assert len(loaded.values) == len(seeded.people.reactions) - mine > 0


def test_banned_members_are_left_out(app, seeded):
    banned = seeded.members[1]
    with app.app_context():
        db.session.execute(update(Member).where(Member.id == banned).values(banned_at=utcnow()))
        db.session.commit()
        loaded = services.load_reactions()
    assert banned not in loaded.members.tolist()


def test_a_second_run_replaces_the_first_and_drops_ideas_without_reactions(app, seeded):
    run_recompute(app, RUN_AT)
    later = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    gone = seeded.idea(pop.NEW)
    with app.app_context():
        db.session.execute(delete(Reaction).where(Reaction.idea_id == gone))
        db.session.commit()

    run_recompute(app, later)

    scores = stored_scores(app)
    assert gone not in scores
    assert {row.computed_at for row in scores.values()} == {later}
    assert len(scores) == len(seeded.ideas) - 1


def test_running_twice_gives_the_same_scores(app, seeded):
    run_recompute(app, RUN_AT)
    first = {i: (r.status, r.score, r.divide) for i, r in stored_scores(app).items()}
    run_recompute(app, RUN_AT)
    assert {i: (r.status, r.score, r.divide) for i, r in stored_scores(app).items()} == first


def test_common_ground_is_kept_against_the_stored_status_of_the_last_run(app, seeded, monkeypatch):
    run_recompute(app, RUN_AT)
    bridging = seeded.idea(pop.BRIDGING[0])
    score = stored_scores(app)[bridging].score
    # Raise the bar just above this idea's score, keeping it within the looser one.
    monkeypatch.setattr(scorer, "MIN_SCORE", score + 0.01)
    monkeypatch.setattr(scorer, "KEEP_MIN_SCORE", score - 0.01)

    run_recompute(app, RUN_AT)
    assert stored_scores(app)[bridging].status == Status.COMMON_GROUND

    with app.app_context():
        db.session.execute(delete(IdeaScore))
        db.session.commit()
    run_recompute(app, RUN_AT)
    assert stored_scores(app)[bridging].status == Status.NOT_SUPPORTED


def test_a_run_without_reactions_stores_nothing(app):
    summary = run_recompute(app, RUN_AT)
    assert summary.ideas == summary.reactions == summary.members == 0
    assert stored_scores(app) == {}


def test_binary_copy_rows_are_parsed_with_large_ids_and_negative_values():
    rows = [(1, 2, 1), (2_000_000_000, 123_456_789, -1)]
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 4) + b"extn"
    body = b"".join(struct.pack(">hiiiiih", 3, 4, m, 4, i, 2, v) for m, i, v in rows)
    parsed = services._parse_binary_copy(header + body + b"\xff\xff")
    assert parsed.members.tolist() == [1, 2_000_000_000]
    assert parsed.ideas.tolist() == [2, 123_456_789]
    assert parsed.values.tolist() == [1, -1]
    assert parsed.members.dtype == np.int64
    with pytest.raises(ValueError):
        services._parse_binary_copy(header + body[:-1] + b"\xff\xff")


# Member factors are political opinions: never stored, logged, shown or exported.


def every_stored_value(app) -> list:
    with app.app_context():
        values = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                values.extend(row)
        return values


def test_member_factors_are_never_stored(app, seeded):
    run_recompute(app, RUN_AT)
    fitted = scorer.fit(
        [(seeded.members[m], seeded.ideas[i], v) for m, i, v in seeded.people.reactions]
    )
    factors = {round(float(f), 4) for f in fitted.member_factors if abs(f) > 1e-3}
    assert len(factors) > 50

    stored = {round(v, 4) for v in every_stored_value(app) if isinstance(v, float)}
    assert not factors & stored
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("idea_scores")}
    assert not {name for name in columns if "member" in name}
    assert IdeaScore.__table__.foreign_keys.pop().column.table.name == "ideas"
