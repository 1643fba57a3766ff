"""A national-scale membership with a realistic week of activity, written in bulk SQL
(INSERT ... SELECT from generate_series) for the digest benchmark.

Sizes follow the number of members (figures for 100,000): 90% chose weekly digests (5%
daily, 5% none); 20,000 ideas, 1,500 of them new this week, with skewed support; 200
proposals: 7 open now (4 opened this week, one closing within 48 hours), 4 closed this
week with their results, 2 withdrawn, one scheduled, the rest closed long ago; ballots
on the open proposals by 30-70% of members each; 200,000 comments, a quarter of them
this week, on members' ideas and in reply to members' comments; organisers' updates; and
last week's digests, so that this week's cover what happened since.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from bench.database import copy_rows_like
from coop.accounts.models import Member, Role
from coop.ballots.models import BallotBox, KeyHolder
from coop.ballots.services import open_box
from coop.extensions import db
from coop.ideas.models import Idea, Topic
from coop.proposals.models import WEIGHTS, Proposal
from coop.updates.models import Update

TOPICS = (
    "Democracy", "Economy", "Environment", "Health", "Housing", "Education", "Transport",
    "Local government", "Justice", "Culture", "Technology", "Our rules",
)  # fmt: skip
PHRASES = (
    "We should fund this from the local budget rather than wait for Westminster. ",
    "I have seen this work in my own town, and it cost far less than people think. ",
    "Agreed, but only if councils keep control of how the money is spent. ",
    "What about rural areas? The buses stopped running here years ago. ",
    "This needs a clear timetable and someone accountable for delivering it. ",
    "I'm not convinced: who pays, and what happens when the grant runs out? ",
    "Good idea. Could we pilot it in two or three places first and publish the results? ",
    "Our members in Wales raised the same point at the last meeting. ",
)
WEEK = timedelta(weeks=1)
MARGIN = timedelta(hours=2)  # this week's activity stays clear of the period's edges


@dataclass(frozen=True)
class Seeded:
    members: int
    weekly: int
    ideas: int
    new_ideas: int
    proposals: int
    open_proposals: int
    votes: int
    comments: int
    new_comments: int
    updates: int
    previous_digests: int
    seconds: float


def seed(
    n_members: int, now: datetime, n_ideas: int | None = None, n_comments: int | None = None
) -> Seeded:
    """Write everything; this week is the week before `now`. By default a fifth as many
    ideas as members and ten comments an idea."""
    started = time.perf_counter()
    db.session.execute(sa.text("SELECT setseed(0.2026)"))
    members = _members(n_members, now)
    topics = [Topic(name=name, slug=name.lower().replace(" ", "-")) for name in TOPICS]
    db.session.add_all(topics)
    db.session.flush()
    n_ideas = n_ideas or max(n_members // 5, 1000)
    new_ideas = round(n_ideas * 0.075)
    ideas = _ideas(n_ideas, new_ideas, members, topics[0].id, now)
    old_proposals, recent_proposals = _proposals(members, ideas, n_members, now)
    votes = _votes(now)
    comments, new_comments = _comments(
        n_comments or 10 * n_ideas, members, ideas, new_ideas, old_proposals, recent_proposals,
        now,
    )  # fmt: skip
    updates = _updates(members, now)
    previous = _previous_digests(now)
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    weekly = db.session.scalar(
        sa.select(sa.func.count()).where(Member.digest_frequency == "weekly")
    )
    return Seeded(
        members=n_members,
        weekly=weekly,
        ideas=n_ideas,
        new_ideas=new_ideas,
        proposals=len(old_proposals) + len(recent_proposals),
        open_proposals=sum(p.is_open_at(now) for p in recent_proposals),
        votes=votes,
        comments=comments,
        new_comments=new_comments,
        updates=updates,
        previous_digests=previous,
        seconds=time.perf_counter() - started,
    )


def _at(moment: datetime) -> str:
    """A moment as an SQL literal, for the expressions given to copy_rows_like."""
    return f"'{moment.isoformat()}'::timestamptz"


def _members(count: int, now: datetime) -> range:
    """Verified, consenting members; 2% joined this week, the rest over two years before;
    the first five are organisers. Returns their ids (contiguous)."""
    ids = copy_rows_like(
        Member(
            display_name="Template",
            email="template@example.org",
            password_hash="!unusable",  # noqa: S106 - not a password: nobody signs in
            email_verified_at=now,
            # Accepted the current notice, as members who may vote have.
            privacy_notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
            political_opinions_consent=True,
        ),
        count,
        {
            "display_name": "'Member ' || g",
            "email": "'member' || g || '@example.org'",
            "session_token": "md5(g::text)",
            "role": f"CASE WHEN g <= 5 THEN '{Role.ORGANISER}' ELSE '{Role.MEMBER}' END",
            "digest_frequency": "CASE g % 20 WHEN 1 THEN 'daily' WHEN 2 THEN 'none' "
            "ELSE 'weekly' END",
            "created_at": f"CASE WHEN g % 50 = 0 "
            f"THEN {_at(now - MARGIN)} - random() * interval '6 days' "
            f"ELSE {_at(now - WEEK - MARGIN)} - random() * interval '720 days' END",
        },
    )
    db.session.execute(
        sa.text("UPDATE members SET email_verified_at = created_at + interval '9 min'")
    )
    return _as_range(ids)


def _ideas(count: int, new: int, members: range, first_topic: int, now: datetime) -> range:
    """The last `new` ideas are this week's; a few are withdrawn or hidden by moderators."""
    ids = copy_rows_like(
        Idea(
            slug="template",
            title="Template",
            body="An idea.",
            body_html="<p>An idea.</p>",
            topic_id=first_topic,
            author_id=members[0],
        ),
        count,
        {
            "title": f"'Idea ' || g || ': ' || rtrim(left({_phrase('g')}, 120))",
            "slug": "'idea-' || g",
            "body": f"repeat({_phrase('g + 3')}, 1 + g % 6)",
            "body_html": "'<p>An idea with a body of a few sentences.</p>'",
            "topic_id": f"{first_topic} + g % {len(TOPICS)}",
            # A few members write most ideas.
            "author_id": f"{members[0]} + floor(power(random(), 2) * {len(members)})::int",
            "created_at": f"CASE WHEN g > {count - new} "
            f"THEN {_at(now - MARGIN)} - random() * interval '6 days 18 hours' "
            f"ELSE {_at(now - WEEK - MARGIN)} - random() * interval '700 days' END",
            "support_count": "floor(power(random(), 4) * 600)::int",
            "oppose_count": "floor(power(random(), 4) * 150)::int",
            "moderation_state": "CASE WHEN g % 97 = 0 THEN 'hidden' ELSE 'published' END",
        },
    )
    db.session.execute(
        sa.text(
            "UPDATE ideas SET withdrawn_at = created_at + interval '1 hour', stage = 'withdrawn' "
            "WHERE id % 61 = 0"
        )
    )
    return _as_range(ids)


def _proposals(
    members: range, ideas: range, n_members: int, now: datetime
) -> tuple[range, list[Proposal]]:
    """Proposals closed long ago (in bulk), and those of the last weeks (one by one)."""
    organiser = members[0]
    day = timedelta(days=1)
    recent = []
    for i, (opens, closes, extra) in enumerate(
        [
            *[(now - (10 + k) * day, now - (1 + k) * day, {"closed": True}) for k in range(4)],
            (now - 1 * day, now + 6 * day, {}),
            (now - 2 * day, now + 9 * day, {}),
            (now - 3 * day, now + 13 * day, {}),
            (now - 4 * day, now + 10 * day, {"visibility": "members"}),
            (now - 9 * day, now + 3 * day, {}),
            (now - 12 * day, now + 5 * day, {}),
            (now - 12 * day, now + timedelta(hours=30), {}),  # closing within 48 hours
            (now + 3 * day, now + 17 * day, {}),  # scheduled
            *[(now - 20 * day, now + 2 * day, {"withdrawn": True}) for _ in range(2)],
        ]
    ):
        proposal = Proposal(
            slug=f"recent-{i}",
            idea_id=ideas[190 + i] if i % 2 else None,  # old proposals take ideas[g]
            question=f"Recent proposal {i}: should the co-operative adopt policy {i}?",
            body="The proposal in full.",
            body_html="<p>The proposal in full.</p>",
            visibility=extra.get("visibility", "public"),
            opens_at=opens,
            closes_at=closes,
            created_by_id=organiser,
        )
        if extra.get("closed"):
            turnout = n_members * (40 + 5 * i) // 100
            proposal.closed_at = closes + timedelta(minutes=1)
            proposal.votes_for, proposal.votes_against = turnout * 6 // 10, turnout * 3 // 10
            proposal.votes_abstain = turnout // 10
            proposal.electorate, proposal.quorum_met = n_members, True
            proposal.outcome = "carried"
            if i == 2:  # one was lost
                proposal.votes_for, proposal.votes_against = turnout * 3 // 10, turnout * 6 // 10
                proposal.outcome = "not_carried"
        if extra.get("withdrawn"):
            proposal.withdrawn_at, proposal.withdrawn_reason = now - 5 * day, "Superseded."
        if proposal.closed_at or proposal.withdrawn_at:
            proposal.ballot_box = BallotBox(
                key_holder=KeyHolder.NONE, closed_at=proposal.closed_at or proposal.withdrawn_at
            )
        else:
            proposal.ballot_box = open_box(WEIGHTS)  # a real key: these can take real votes
        recent.append(proposal)
    old_count = 200 - len(recent)
    first_box = (
        db.session.execute(
            sa.text(
                "INSERT INTO ballot_boxes (key_holder, weights, created_at, closed_at, entries) "
                "SELECT 'none', '', :now, :now, 0 FROM generate_series(1, :count) RETURNING id"
            ),
            {"now": now, "count": old_count},
        )
        .scalars()
        .all()[0]
    )
    old = copy_rows_like(
        Proposal(
            slug="template",
            ballot_box_id=first_box,
            question="Template",
            opens_at=now,
            closes_at=now + day,
            created_by_id=organiser,
        ),
        old_count,
        {
            "slug": "'proposal-' || g",
            "ballot_box_id": f"{first_box} - 1 + g",
            "idea_id": f"CASE WHEN g % 2 = 0 THEN {ideas[0]} + g END",
            "question": "'Proposal ' || g || ': should the co-operative adopt this policy?'",
            "body": "'The proposal in full.'",
            "body_html": "'<p>The proposal in full.</p>'",
            "opens_at": f"{_at(now - 22 * day)} - g * interval '3 days'",
            "closes_at": f"{_at(now - 8 * day)} - g * interval '3 days'",
            "closed_at": f"{_at(now - 8 * day)} - g * interval '3 days' + interval '1 minute'",
            "electorate": str(n_members),
            "votes_for": f"floor(random() * {n_members // 3})::int",
            "votes_against": f"floor(random() * {n_members // 3})::int",
            "votes_abstain": f"floor(random() * {n_members // 20})::int",
            "quorum_met": "true",
            "outcome": "'carried'",
        },
    )
    db.session.execute(
        sa.text(
            "UPDATE proposals SET outcome = 'not_carried' "
            "WHERE closed_at IS NOT NULL AND votes_for <= votes_against"
        )
    )
    db.session.add_all(recent)
    db.session.flush()
    return _as_range(old), recent


def _votes(now: datetime) -> int:
    """Ballots on each open proposal from 30% to 70% of the members, cast since it opened.
    Stand-ins of the real sizes (a ciphertext of 64 bytes, a proof of 192, a tracker and a
    chain link of 32), from hashes rather than encryption: encrypting a million ballots
    would take a quarter of an hour, and no benchmark here counts these (bench/ballots.py
    counts real ones)."""
    voters = (
        "SELECT p.ballot_box_id AS box, m.id AS member, "
        "row_number() OVER (PARTITION BY p.id ORDER BY m.id) AS seq, "
        "p.opens_at + random() * (:now - p.opens_at) AS at "
        "FROM proposals AS p CROSS JOIN members AS m "
        "WHERE p.withdrawn_at IS NULL AND p.closed_at IS NULL "
        "AND p.opens_at <= :now AND p.closes_at > :now "
        # A hash of the pair, not random(): PostgreSQL would draw that once per proposal.
        "AND abs(hashtext(p.id || '/' || m.id)) % 100 < 30 + (p.id % 5) * 10"
    )
    digest = "sha256(convert_to(v.box || '/' || v.member || '{}', 'UTF8'))"
    proof = " || ".join(digest.format(f"p{i}") for i in range(6))
    count = db.session.execute(
        sa.text(
            f"WITH v AS ({voters}), "  # noqa: S608 - our own SQL, no input
            "b AS (INSERT INTO ballots (box_id, seq, tracker, chain, ciphertext, proof, "
            "accepted_at) "
            f"SELECT v.box, v.seq, {digest.format('t')}, {digest.format('c')}, "
            f"{digest.format('a')} || {digest.format('b')}, {proof}, v.at FROM v "
            "RETURNING id, box_id, seq) "
            "INSERT INTO box_voters (box_id, member_id, ballot_id) "
            "SELECT v.box, v.member, b.id FROM v JOIN b ON b.box_id = v.box AND b.seq = v.seq"
        ),
        {"now": now},
    ).rowcount
    db.session.execute(
        sa.text(
            "UPDATE ballot_boxes AS x SET entries = b.seq, head = b.chain FROM ballots AS b "
            "WHERE b.box_id = x.id "
            "AND b.seq = (SELECT max(seq) FROM ballots AS l WHERE l.box_id = x.id)"
        )
    )
    return count


def _comments(
    count: int,
    members: range,
    ideas: range,
    new_ideas: int,
    old_proposals: range,
    recent_proposals: list[Proposal],
    now: datetime,
) -> tuple[int, int]:
    """55% top-level comments before this week, 20% replies to them; this week 15% new
    comments (half on this week's ideas) and 10% replies (to this week's comments or older
    ones). Returns how many comments, and how many of them this week."""
    old_ideas = len(ideas) - new_ideas
    recent = [p.id for p in recent_proposals if p.opens_at < now]
    week_start = now - WEEK + MARGIN
    author = f"{members[0]} + floor(power(random(), 1.5) * {len(members)})::int"
    body = f"left(repeat({_phrase('g')}, 1 + g % 9), 30 + (g * 37) % 640)"
    state = "CASE WHEN g % 211 = 0 THEN 'hidden' ELSE 'published' END"
    deleted = "CASE WHEN g % 101 = 0 THEN t.made + interval '2 hours' END"

    def top_level(n: int, pick: str, since: str, until: str) -> range:
        db.session.execute(
            sa.text(
                "INSERT INTO comments (idea_id, proposal_id, author_id, body, body_html, "  # noqa: S608
                "created_at, deleted_at, moderation_state, report_count) "
                f"SELECT t.idea_id, t.proposal_id, {author}, {body}, '<p>' || {body} || '</p>', "
                f"t.made, {deleted}, {state}, 0 FROM ("
                f"  SELECT g, p.idea_id, p.proposal_id, {since} "
                f"    + random() * ({until} - {since}) AS made FROM ("
                f"    SELECT g, {pick} FROM generate_series(1, :n) AS g) AS p"
                "  LEFT JOIN ideas AS i ON i.id = p.idea_id"
                "  LEFT JOIN proposals AS pr ON pr.id = p.proposal_id) AS t"
            ),
            {"n": n, "now": now, "week_ago": now - WEEK - MARGIN, "week_start": week_start},
        )
        last = db.session.scalar(
            sa.text("SELECT currval(pg_get_serial_sequence('comments', 'id'))")
        )
        return range(last - n + 1, last + 1)  # one INSERT in one session: contiguous ids

    def replies(n: int, parents: str, since: str, until: str) -> None:
        db.session.execute(
            sa.text(
                "INSERT INTO comments (idea_id, proposal_id, parent_id, author_id, body, "  # noqa: S608
                "body_html, created_at, deleted_at, moderation_state, report_count) "
                f"SELECT t.idea_id, t.proposal_id, t.parent_id, {author}, {body}, "
                f"'<p>' || {body} || '</p>', t.made, {deleted}, {state}, 0 FROM ("
                "  SELECT g, c.idea_id, c.proposal_id, c.id AS parent_id, "
                f"  {since} + random() * ({until} - {since}) AS made "
                f"  FROM (SELECT g, {parents} AS parent_id FROM generate_series(1, :n) AS g) AS p"
                "  JOIN comments AS c ON c.id = p.parent_id) AS t"
            ),
            {"n": n, "now": now, "week_ago": now - WEEK - MARGIN, "week_start": week_start},
        )

    def random_in(ids: range) -> str:
        return f"{ids[0]} + floor(random() * {len(ids)})::int"

    target_made = "coalesce(i.created_at, pr.opens_at)"
    old_top = top_level(
        count * 55 // 100,
        f"CASE WHEN g % 10 <> 0 THEN {random_in(ideas[:old_ideas])} END AS idea_id, "
        f"CASE WHEN g % 10 = 0 THEN {random_in(old_proposals)} END AS proposal_id",
        target_made,
        ":week_ago",
    )
    new_top = top_level(
        count * 15 // 100,
        f"CASE WHEN g % 10 < 5 THEN {random_in(ideas[old_ideas:])} "
        f"WHEN g % 10 < 9 THEN {random_in(ideas[:old_ideas])} END AS idea_id, "
        f"CASE WHEN g % 10 = 9 THEN (ARRAY{recent})[1 + g % {len(recent)}] END AS proposal_id",
        f"greatest({target_made}, :week_start)",
        ":now - interval '10 minutes'",
    )
    replies(count * 20 // 100, random_in(old_top), "c.created_at", ":week_ago")
    new_replies = count - len(old_top) - len(new_top) - count * 20 // 100
    replies(
        new_replies,
        f"CASE WHEN g % 2 = 0 THEN {random_in(new_top)} ELSE {random_in(old_top)} END",
        "greatest(c.created_at, :week_start)",
        ":now - interval '5 minutes'",
    )
    for table, key in (("ideas", "idea_id"), ("proposals", "proposal_id")):
        db.session.execute(
            sa.text(
                f"UPDATE {table} SET comment_count = c.n FROM ("  # noqa: S608 - our own names
                f"SELECT {key}, count(*) AS n FROM comments GROUP BY {key}) AS c "
                f"WHERE {table}.id = c.{key}"
            )
        )
    return count, len(new_top) + new_replies


def _updates(members: range, now: datetime) -> int:
    """Three organisers' updates this week; before that, one a fortnight for a year."""
    moments = [now - timedelta(days=d, hours=3) for d in (1, 3, 5)]
    moments += [now - timedelta(weeks=2 * k) for k in range(1, 27)]
    db.session.add_all(
        Update(
            slug=f"update-{i}",
            title=f"News from the organisers, number {i}",
            body="What happened, in a few paragraphs.",
            body_html="<p>What happened, in a few paragraphs.</p>",
            author_id=members[i % 5],
            published_at=moment,
        )
        for i, moment in enumerate(moments)
    )
    db.session.flush()
    return len(moments)


def _previous_digests(now: datetime) -> int:
    """Last week's digest (sent, or empty) for weekly members who had joined by then; for
    3% of them the last one was a fortnight ago, so their digest covers two weeks."""
    return db.session.execute(
        sa.text(
            "INSERT INTO digests (member_id, frequency, period_start, covers_from, status, "
            "attempts, created_at, sent_at) "
            "SELECT id, 'weekly', s.start, s.start - interval '7 days', "
            "CASE WHEN id % 17 = 0 THEN 'empty' ELSE 'sent' END, "
            "CASE WHEN id % 17 = 0 THEN 0 ELSE 1 END, s.start, "
            "CASE WHEN id % 17 = 0 THEN NULL ELSE s.start + interval '10 minutes' END "
            "FROM members CROSS JOIN LATERAL (SELECT CASE WHEN id % 33 = 0 "
            "  THEN :previous - interval '7 days' ELSE :previous END AS start) AS s "
            "WHERE digest_frequency = 'weekly' AND created_at < s.start"
        ),
        {"previous": now + timedelta(minutes=1) - WEEK},
    ).rowcount


def _phrase(index: str) -> str:
    """SQL for one of PHRASES, chosen by an integer expression."""
    quoted = ", ".join("'" + phrase.replace("'", "''") + "'" for phrase in PHRASES)
    return f"(ARRAY[{quoted}])[1 + ({index}) % {len(PHRASES)}]"


def _as_range(ids) -> range:
    """The ids of rows written by one INSERT ... SELECT into a fresh table are contiguous."""
    first, last = int(ids[0]), int(ids[-1])
    assert last - first + 1 == len(ids), "ids are not contiguous"
    return range(first, last + 1)
