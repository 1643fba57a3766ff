"""list orders and search at national scale: an index per order, stored trending and
common-ground ranks, counts of published ideas kept by triggers, a stored search vector

The public idea list read its "trending" and "common ground" orders by aggregating
reactions or joining scores and sorting the whole table, and counted its ideas with a scan:
all of them grew with the table. Each order now has an index over published ideas; the two
computed orders are stored on the idea (trending_count, common_ground_rank); and
idea_counts holds the number of published ideas per topic and stage, kept by triggers on
ideas (PostgreSQL and SQLite alike), so no code path can forget it. On PostgreSQL, search
reads a stored tsvector column, kept by a trigger when the title or body changes (the GIN
index was on the expression, so every row checked outside the index, as when counting
matches, computed to_tsvector again). Hand-written.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STAGES = "stage IN ('discussion', 'voting', 'carried', 'not_carried', 'withdrawn', 'declined')"
PUBLISHED = "moderation_state = 'published'"
LIST_ORDERS = {
    "newest": ["created_at", "id"],
    "supported": ["support_count", "id"],
    "discussed": ["comment_count", "id"],
    "common": ["common_ground_rank", "id"],
    "trending": ["trending_count", "support_count", "id"],
}
TRENDING_DAYS = 7
COMMON_GROUND_FIRST = 10.0  # coop/common_ground/ranking.py

POSTGRESQL_COUNTS = """
CREATE FUNCTION ideas_count_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.moderation_state = 'published' THEN
    UPDATE idea_counts SET count = count - 1
    WHERE topic_id = OLD.topic_id AND stage = OLD.stage;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.moderation_state = 'published' THEN
    INSERT INTO idea_counts (topic_id, stage, count) VALUES (NEW.topic_id, NEW.stage, 1)
    ON CONFLICT (topic_id, stage) DO UPDATE SET count = idea_counts.count + 1;
  END IF;
  RETURN NULL;
END $$
"""
POSTGRESQL_TRIGGERS = [
    "CREATE TRIGGER ideas_count_insert_delete AFTER INSERT OR DELETE ON ideas "
    "FOR EACH ROW EXECUTE FUNCTION ideas_count_published()",
    "CREATE TRIGGER ideas_count_update AFTER UPDATE OF moderation_state, topic_id, stage "
    "ON ideas FOR EACH ROW WHEN (OLD.moderation_state IS DISTINCT FROM NEW.moderation_state "
    "OR OLD.topic_id IS DISTINCT FROM NEW.topic_id OR OLD.stage IS DISTINCT FROM NEW.stage) "
    "EXECUTE FUNCTION ideas_count_published()",
]
# SQLite's upsert after INSERT ... SELECT needs a WHERE clause to parse.
_SQLITE_ADD = (
    "INSERT INTO idea_counts (topic_id, stage, count) SELECT NEW.topic_id, NEW.stage, 1 "
    "WHERE NEW.moderation_state = 'published' "
    "ON CONFLICT (topic_id, stage) DO UPDATE SET count = count + 1;"
)
_SQLITE_REMOVE = (
    "UPDATE idea_counts SET count = count - 1 WHERE OLD.moderation_state = 'published' "
    "AND topic_id = OLD.topic_id AND stage = OLD.stage;"
)
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER ideas_count_insert AFTER INSERT ON ideas BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER ideas_count_delete AFTER DELETE ON ideas BEGIN {_SQLITE_REMOVE} END",
    "CREATE TRIGGER ideas_count_update AFTER UPDATE OF moderation_state, topic_id, stage "
    "ON ideas WHEN OLD.moderation_state IS NOT NEW.moderation_state "
    "OR OLD.topic_id IS NOT NEW.topic_id OR OLD.stage IS NOT NEW.stage "
    f"BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
]


SEARCH_VECTOR = "to_tsvector('english', title || ' ' || body)"
# A trigger, not a generated column: PostgreSQL recomputes a generated column on every
# UPDATE, and a support updates its idea's counters.
POSTGRESQL_SEARCH_VECTOR = """
CREATE FUNCTION ideas_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := to_tsvector('english', NEW.title || ' ' || NEW.body);
  RETURN NEW;
END $$
"""


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP INDEX ix_ideas_search")
        op.execute("ALTER TABLE ideas ADD COLUMN search_vector tsvector")
        op.execute(f"UPDATE ideas SET search_vector = {SEARCH_VECTOR}")
        op.execute(POSTGRESQL_SEARCH_VECTOR)
        op.execute(
            "CREATE TRIGGER ideas_search_vector BEFORE INSERT OR UPDATE OF title, body ON ideas "
            "FOR EACH ROW EXECUTE FUNCTION ideas_search_vector()"
        )
        op.execute("CREATE INDEX ix_ideas_search ON ideas USING gin (search_vector)")
    # The newest-first list index (published ideas) serves every read by date.
    op.drop_index("ix_ideas_created_at", table_name="ideas")
    op.add_column(
        "ideas", sa.Column("trending_count", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "ideas", sa.Column("common_ground_rank", sa.Float(), server_default="0", nullable=False)
    )
    op.drop_index("ix_ideas_support", table_name="ideas")
    op.drop_index("ix_ideas_comments", table_name="ideas")
    for name, columns in LIST_ORDERS.items():
        op.create_index(
            f"ix_ideas_list_{name}",
            "ideas",
            columns,
            postgresql_where=sa.text(PUBLISHED),
            sqlite_where=sa.text(PUBLISHED),
        )
    op.create_table(
        "idea_counts",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(STAGES, name=op.f("ck_idea_counts_stage")),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_idea_counts_topic_id_topics"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("topic_id", "stage", name=op.f("pk_idea_counts")),
    )
    op.execute(
        f"INSERT INTO idea_counts (topic_id, stage, count) SELECT topic_id, stage, count(*) "
        f"FROM ideas WHERE {PUBLISHED} GROUP BY topic_id, stage"
    )
    if postgresql:
        op.execute(POSTGRESQL_COUNTS)
        for trigger in POSTGRESQL_TRIGGERS:
            op.execute(trigger)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    since = (
        f"now() - interval '{TRENDING_DAYS} days'"
        if postgresql
        else f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-{TRENDING_DAYS} days')"
    )
    op.execute(
        "UPDATE ideas SET trending_count = (SELECT count(*) FROM reactions "
        f"WHERE reactions.idea_id = ideas.id AND value = 1 AND created_at >= {since})"
    )
    op.execute(
        f"UPDATE ideas SET common_ground_rank = (SELECT CASE WHEN status = 'common_ground' "
        f"THEN {COMMON_GROUND_FIRST} ELSE 0 END + score FROM idea_scores "
        "WHERE idea_scores.idea_id = ideas.id) "
        "WHERE EXISTS (SELECT 1 FROM idea_scores WHERE idea_scores.idea_id = ideas.id)"
    )


def downgrade():
    op.create_index("ix_ideas_created_at", "ideas", ["created_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_ideas_search")
        op.execute("DROP TRIGGER ideas_search_vector ON ideas")
        op.execute("DROP FUNCTION ideas_search_vector()")
        op.execute("ALTER TABLE ideas DROP COLUMN search_vector")
        op.execute(f"CREATE INDEX ix_ideas_search ON ideas USING gin ({SEARCH_VECTOR})")
        op.execute("DROP TRIGGER ideas_count_insert_delete ON ideas")
        op.execute("DROP TRIGGER ideas_count_update ON ideas")
        op.execute("DROP FUNCTION ideas_count_published()")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER ideas_count_{trigger}")
    op.drop_table("idea_counts")
    for name in LIST_ORDERS:
        op.drop_index(f"ix_ideas_list_{name}", table_name="ideas")
    op.create_index("ix_ideas_comments", "ideas", ["comment_count", "id"])
    op.create_index("ix_ideas_support", "ideas", ["support_count", "id"])
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the
    # search triggers of migration 0001.
    op.drop_column("ideas", "common_ground_rank")
    op.drop_column("ideas", "trending_count")
