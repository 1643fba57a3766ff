"""A national-scale network for the HTTP benchmark, written in bulk SQL.

On top of the digest benchmark's membership and week of activity (bench/digest_data.py:
members, ideas, proposals with open ballots, comments, updates), it adds what the public
pages read: supports and oppositions (about 50 an idea, skewed, 70% supports, a tenth
of them in the last week), who took part in the closed votes (so that ballots and
participations make about 1,000,000 votes in all), 500 organisers' updates, common-ground
scores for every idea, one well-discussed idea with exactly 100 comments, and one long
discussion of 5,000 (3,500 threads, 1,500 replies), read a page at a time.

Figures for the national size: 100,000 members, 20,000 ideas, 200,000 comments,
1,000,000 reactions, 200 proposals and 1,000,000 votes, 500 updates. The ideas and what
hangs on them (comments, reactions) scale with `ideas`; members and votes do not.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bench import digest_data
from coop.extensions import db

REACTIONS_PER_IDEA = 50
VOTES = 1_000_000
UPDATES = 500
DISCUSSED_COMMENTS = 100
LONG_DISCUSSION = 5_000
# Steps through the members that visit each of them once per idea: prime, and coprime with
# any membership size that is not a multiple of it.
STRIDE = 104_729


@dataclass(frozen=True)
class Network:
    members: int
    ideas: int
    comments: int
    reactions: int
    proposals: int
    votes: int
    updates: int
    discussed_idea: int  # an idea with exactly DISCUSSED_COMMENTS comments
    long_discussion: int  # an idea with LONG_DISCUSSION comments
    seconds: float


def seed(n_members: int, n_ideas: int, now: datetime) -> Network:
    started = time.perf_counter()
    base = digest_data.seed(n_members, now, n_ideas=n_ideas)
    reactions = _reactions(n_members, now)
    participations = _participations(base.votes, n_members)
    updates = _more_updates(now, UPDATES - base.updates)
    discussed = _discussed_idea(now)
    long_discussion = _discussed_idea(now, LONG_DISCUSSION, rank=1)
    _scores(now)
    db.session.commit()
    # Statistics for the planner, and a visibility map for index-only scans.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
        # Each bulk-inserted idea updated one of its few rows: give back the dead ones, as
        # autovacuum does on a site that grows an idea at a time.
        connection.execute(sa.text("VACUUM FULL ANALYZE idea_counts"))
        # Write the seeded pages out now, not in a checkpoint during the measurements.
        connection.execute(sa.text("CHECKPOINT"))
    return Network(
        members=n_members,
        ideas=n_ideas,
        comments=db.session.scalar(sa.text("SELECT count(*) FROM comments")),
        reactions=reactions,
        proposals=base.proposals,
        votes=base.votes + participations,
        updates=base.updates + updates,
        discussed_idea=discussed,
        long_discussion=long_discussion,
        seconds=time.perf_counter() - started,
    )


def _reactions(n_members: int, now: datetime) -> int:
    """Each idea gets 0-150 reactions (50 on average) from distinct members, at moments
    between its creation and now; the ideas' counters are set from them."""
    count = db.session.execute(
        sa.text(
            "INSERT INTO reactions (member_id, idea_id, value, created_at) "
            "SELECT m.first + (i.id * 7919 + j * :stride) % :members, i.id, "
            "CASE WHEN abs(hashtext(i.id || ':' || j)) % 10 < 7 THEN 1 ELSE -1 END, "
            "CASE WHEN abs(hashtext(j || ':' || i.id)) % 10 = 0 "
            "  THEN :now - random() * interval '6 days' "
            "  ELSE i.created_at + random() * (:now - i.created_at) END "
            "FROM ideas AS i CROSS JOIN (SELECT min(id) AS first FROM members) AS m "
            "CROSS JOIN LATERAL generate_series(1, "
            "  floor(power(abs(hashtext(i.id::text)) / 2147483648.0, 2) * :most)::int) AS j "
            "WHERE i.moderation_state = 'published'"
        ),
        {"stride": STRIDE, "members": n_members, "now": now, "most": 3 * REACTIONS_PER_IDEA},
    ).rowcount
    db.session.execute(
        sa.text(
            "UPDATE ideas SET support_count = r.supports, oppose_count = r.oppositions "
            "FROM (SELECT idea_id, count(*) FILTER (WHERE value = 1) AS supports, "
            "count(*) FILTER (WHERE value = -1) AS oppositions FROM reactions "
            "GROUP BY idea_id) AS r WHERE ideas.id = r.idea_id"
        )
    )
    return count


def _participations(ballots: int, n_members: int) -> int:
    """Turnouts of the closed votes, so that they and the open ballots make VOTES; each
    closed vote's totals match its turnout, and its participants are written."""
    closed = db.session.scalars(
        sa.text("SELECT id FROM proposals WHERE closed_at IS NOT NULL ORDER BY id")
    ).all()
    turnout = max((VOTES - ballots) // max(len(closed), 1), 0)
    turnout = min(turnout, n_members)
    db.session.execute(
        sa.text(
            "UPDATE proposals SET votes_for = :t * (4 + id % 4) / 10, "
            "votes_against = :t * (5 - id % 4) / 10, "
            "votes_abstain = :t - :t * (4 + id % 4) / 10 - :t * (5 - id % 4) / 10, "
            "outcome = CASE WHEN (4 + id % 4) > (5 - id % 4) THEN 'carried' "
            "ELSE 'not_carried' END WHERE closed_at IS NOT NULL"
        ),
        {"t": turnout},
    )
    return db.session.execute(
        sa.text(
            "INSERT INTO box_voters (box_id, member_id) "
            "SELECT p.ballot_box_id, m.first + (p.id * 7919 + g * :stride) % :members "
            "FROM proposals AS p CROSS JOIN (SELECT min(id) AS first FROM members) AS m "
            "CROSS JOIN generate_series(1, :t) AS g WHERE p.closed_at IS NOT NULL "
            "ORDER BY 1, 2"
        ),
        {"stride": STRIDE, "members": n_members, "t": turnout},
    ).rowcount


def _more_updates(now: datetime, count: int) -> int:
    if count <= 0:
        return 0
    return db.session.execute(
        sa.text(
            "INSERT INTO updates (slug, title, body, body_html, author_id, published_at) "
            "SELECT 'older-update-' || g, 'An older update from the organisers, number ' || g, "
            "'What happened, in a few paragraphs.', "
            "'<p>What happened, in a few paragraphs.</p>', "
            "(SELECT min(id) FROM members), :start - g * interval '2 days' "
            "FROM generate_series(1, :count) AS g"
        ),
        {"start": now - timedelta(days=400), "count": count},
    ).rowcount


def _discussed_idea(now: datetime, comments: int = DISCUSSED_COMMENTS, rank: int = 0) -> int:
    """The most supported published idea (the next one for `rank` 1) gets exactly
    `comments` comments: 70% opening threads and 30% replies to the first of them."""
    idea_id = db.session.scalar(
        sa.text(
            "SELECT id FROM ideas WHERE moderation_state = 'published' AND withdrawn_at IS NULL "
            "ORDER BY support_count DESC, id LIMIT 1 OFFSET :rank"
        ),
        {"rank": rank},
    )
    db.session.execute(
        sa.text("DELETE FROM comments WHERE idea_id = :idea AND parent_id IS NOT NULL"),
        {"idea": idea_id},
    )
    db.session.execute(sa.text("DELETE FROM comments WHERE idea_id = :idea"), {"idea": idea_id})
    top, replies = comments * 7 // 10, comments * 3 // 10
    body = f"left(repeat({digest_data._phrase('g')}, 1 + g % 5), 40 + (g * 37) % 400)"
    db.session.execute(
        sa.text(
            "INSERT INTO comments (idea_id, author_id, body, body_html, created_at, "  # noqa: S608
            "moderation_state, report_count) "
            f"SELECT :idea, (SELECT min(id) FROM members) + g * 13, {body}, "
            f"'<p>' || {body} || '</p>', :start + g * :gap, 'published', 0 "
            "FROM generate_series(1, :n) AS g"
        ),
        # Every one in the last five days, 37 minutes apart where that fits.
        {
            "idea": idea_id,
            "n": top,
            "start": now - timedelta(days=5),
            "gap": min(timedelta(minutes=37), timedelta(days=5) / top),
        },
    )
    db.session.execute(
        sa.text(
            "INSERT INTO comments (idea_id, parent_id, author_id, body, body_html, "  # noqa: S608
            "created_at, moderation_state, report_count) "
            f"SELECT :idea, c.id, (SELECT min(id) FROM members) + g * 17, {body}, "
            f"'<p>' || {body} || '</p>', c.created_at + interval '5 minutes', 'published', 0 "
            "FROM generate_series(1, :n) AS g JOIN LATERAL (SELECT id, created_at "
            "FROM comments WHERE idea_id = :idea AND parent_id IS NULL "
            "ORDER BY id OFFSET g - 1 LIMIT 1) AS c ON true"
        ),
        {"idea": idea_id, "n": replies},
    )
    db.session.execute(
        sa.text("UPDATE ideas SET comment_count = :n WHERE id = :idea"),
        {"idea": idea_id, "n": comments},
    )
    return idea_id


def _scores(now: datetime) -> None:
    """A common-ground score for every published idea, as a scorer run leaves them."""
    db.session.execute(
        sa.text(
            "INSERT INTO idea_scores (idea_id, status, score, divide, votes, side_a_support, "
            "side_b_support, computed_at) "
            "SELECT id, CASE WHEN support_count + oppose_count < 10 THEN 'needs_votes' "
            "  WHEN id % 9 = 0 THEN 'common_ground' ELSE 'not_supported' END, "
            "  (abs(hashtext(id::text)) % 1000) / 1000.0, "
            "  (abs(hashtext('d' || id)) % 2000) / 1000.0 - 1, support_count + oppose_count, "
            "  0.5, 0.5, :now FROM ideas WHERE moderation_state = 'published'"
        ),
        {"now": now},
    )
