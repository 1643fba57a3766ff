"""general meetings: meetings with their notice, agenda items (resolutions with their exact
text and majority, a two-stage special resolution's confirmation linked to its first stage)
and documents

Once notice of a meeting is given the database refuses to change what it said: the
meeting's details and every agenda item (triggers). Hand-checked.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 03:12:14.440042

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

FIXED = "notice of the meeting was given: what it said is fixed"
DETAILS = ("kind", "title", "starts_at", "place", "online_url", "notice_given_on",
           "notice_issued_at")  # fmt: skip


def _create_triggers(postgresql: bool) -> None:
    noticed = "SELECT 1 FROM general_meetings WHERE id = {} AND state <> 'draft'"
    if postgresql:
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in DETAILS)
        op.execute(
            "CREATE FUNCTION agenda_items_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' AND EXISTS ({noticed.format('OLD.meeting_id')}) "
            f"THEN RAISE EXCEPTION '{FIXED}'; END IF; "
            f"IF TG_OP <> 'DELETE' AND EXISTS ({noticed.format('NEW.meeting_id')}) "
            f"THEN RAISE EXCEPTION '{FIXED}'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER agenda_items_fixed BEFORE INSERT OR UPDATE OR DELETE ON agenda_items "
            "FOR EACH ROW EXECUTE FUNCTION agenda_items_fixed()"
        )
        op.execute(
            "CREATE FUNCTION general_meetings_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF OLD.state <> 'draft' AND (TG_OP = 'DELETE' OR NEW.state = 'draft' OR "
            f"{changed}) THEN RAISE EXCEPTION '{FIXED}'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER general_meetings_fixed BEFORE UPDATE OR DELETE ON general_meetings "
            "FOR EACH ROW EXECUTE FUNCTION general_meetings_fixed()"
        )
        return
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in DETAILS)
    refuse = f"BEGIN SELECT RAISE(ABORT, '{FIXED}'); END"
    for event, where in (
        ("INSERT", f"EXISTS ({noticed.format('NEW.meeting_id')})"),
        ("UPDATE", f"EXISTS ({noticed.format('OLD.meeting_id')}) "
                   f"OR EXISTS ({noticed.format('NEW.meeting_id')})"),
        ("DELETE", f"EXISTS ({noticed.format('OLD.meeting_id')})"),
    ):  # fmt: skip
        op.execute(
            f"CREATE TRIGGER agenda_items_fixed_{event.lower()} BEFORE {event} ON agenda_items "
            f"WHEN {where} {refuse}"
        )
    op.execute(
        "CREATE TRIGGER general_meetings_fixed_update BEFORE UPDATE ON general_meetings "
        f"WHEN OLD.state <> 'draft' AND (NEW.state = 'draft' OR {changed}) {refuse}"
    )
    op.execute(
        "CREATE TRIGGER general_meetings_fixed_delete BEFORE DELETE ON general_meetings "
        f"WHEN OLD.state <> 'draft' {refuse}"
    )


def _drop_triggers(postgresql: bool) -> None:
    if postgresql:
        for table in ("agenda_items", "general_meetings"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_fixed ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_fixed()")
        return
    for name in ("agenda_items_fixed_insert", "agenda_items_fixed_update",
                 "agenda_items_fixed_delete", "general_meetings_fixed_update",
                 "general_meetings_fixed_delete"):  # fmt: skip
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade():
    op.create_table(
        "general_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("notice_given_on", sa.Date(), nullable=True),
        sa.Column("notice_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_issued_by_id", sa.Integer(), nullable=True),
        sa.Column("notice_issued_by_name", sa.String(length=80), nullable=False),
        sa.CheckConstraint("kind IN ('annual', 'special')", name=op.f("ck_general_meetings_kind")),
        sa.CheckConstraint(
            "place <> '' OR online_url <> ''", name=op.f("ck_general_meetings_where")
        ),
        sa.CheckConstraint(
            "state = 'draft' OR (notice_given_on IS NOT NULL AND notice_issued_at IS NOT NULL)",
            name=op.f("ck_general_meetings_notice"),
        ),
        sa.CheckConstraint("state IN ('draft', 'noticed')", name=op.f("ck_general_meetings_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_general_meetings")),
    )
    with op.batch_alter_table("general_meetings", schema=None) as batch_op:
        batch_op.create_index("ix_general_meetings_starts_at", ["starts_at"], unique=False)

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("two_stage", sa.Boolean(), nullable=False),
        sa.Column("confirms_id", sa.Integer(), nullable=True),
        sa.Column("majority_numerator", sa.Integer(), nullable=True),
        sa.Column("majority_denominator", sa.Integer(), nullable=True),
        sa.Column("majority_more_than", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "NOT two_stage OR kind = 'special'", name=op.f("ck_agenda_items_two_stage")
        ),
        sa.CheckConstraint(
            "confirms_id IS NULL OR (kind = 'special' AND NOT two_stage)",
            name=op.f("ck_agenda_items_confirms"),
        ),
        sa.CheckConstraint(
            "kind IN ('report', 'ordinary', 'special', 'election', 'minutes')",
            name=op.f("ck_agenda_items_kind"),
        ),
        sa.CheckConstraint(
            "(majority_numerator IS NULL) = (majority_denominator IS NULL)",
            name=op.f("ck_agenda_items_majority"),
        ),
        sa.CheckConstraint(
            "majority_numerator IS NULL OR "
            "(majority_numerator > 0 AND majority_numerator <= majority_denominator)",
            name=op.f("ck_agenda_items_majority_range"),
        ),
        sa.ForeignKeyConstraint(
            ["confirms_id"],
            ["agenda_items.id"],
            name=op.f("fk_agenda_items_confirms_id_agenda_items"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["general_meetings.id"],
            name=op.f("fk_agenda_items_meeting_id_general_meetings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
        sa.UniqueConstraint("meeting_id", "position", name=op.f("uq_agenda_items_meeting_id")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_items_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index("uq_agenda_items_confirms", ["confirms_id"], unique=True)

    op.create_table(
        "meeting_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_meeting_documents_size")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["general_meetings.id"],
            name=op.f("fk_meeting_documents_meeting_id_general_meetings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_documents")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_meeting_documents_stored_name")),
    )
    with op.batch_alter_table("meeting_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_documents_meeting_id"), ["meeting_id"], unique=False
        )
    _create_triggers(op.get_bind().dialect.name == "postgresql")


def downgrade():
    _drop_triggers(op.get_bind().dialect.name == "postgresql")
    with op.batch_alter_table("meeting_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_documents_meeting_id"))
    op.drop_table("meeting_documents")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index("uq_agenda_items_confirms")
        batch_op.drop_index(batch_op.f("ix_agenda_items_meeting_id"))
    op.drop_table("agenda_items")
    with op.batch_alter_table("general_meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_general_meetings_starts_at")
    op.drop_table("general_meetings")
