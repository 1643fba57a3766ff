"""board elections: an election for an agenda item of kind "election" (its seats, method,
nomination window, seconders, statement word limit and the lot seed published at creation),
its nominations (with the candidate's declarations) and their seconders; one nomination per
candidate and one seconding per member, unique

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 04:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "elections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("nominations_open_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nominations_close_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconders_required", sa.Integer(), nullable=False),
        sa.Column("statement_word_limit", sa.Integer(), nullable=False),
        sa.Column("lot_seed", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("method IN ('stv', 'fptp')", name=op.f("ck_elections_method")),
        sa.CheckConstraint("state IN ('nominations', 'closed')", name=op.f("ck_elections_state")),
        sa.CheckConstraint("length(lot_seed) = 64", name=op.f("ck_elections_lot_seed")),
        sa.CheckConstraint(
            "nominations_open_at < nominations_close_at", name=op.f("ck_elections_window")
        ),
        sa.CheckConstraint("seats >= 1 AND seats <= 20", name=op.f("ck_elections_seats")),
        sa.CheckConstraint(
            "seconders_required >= 0 AND seconders_required <= 10",
            name=op.f("ck_elections_seconders"),
        ),
        sa.CheckConstraint(
            "statement_word_limit >= 1 AND statement_word_limit <= 2000",
            name=op.f("ck_elections_words"),
        ),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_elections_agenda_item_id_agenda_items"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elections")),
        sa.UniqueConstraint("agenda_item_id", name=op.f("uq_elections_agenda_item_id")),
    )
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("candidate_name", sa.String(length=80), nullable=False),
        sa.Column("nominated_by_membership_id", sa.Integer(), nullable=False),
        sa.Column("nominated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_bankrupt", sa.Boolean(), nullable=False),
        sa.Column("not_disqualified", sa.Boolean(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("consents", sa.Boolean(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("statement_rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("statement_rejected_reason", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(statement_rejected_at IS NULL) = (statement_rejected_reason = '')",
            name=op.f("ck_nominations_rejection"),
        ),
        sa.CheckConstraint(
            "accepted_at IS NULL OR (not_bankrupt AND not_disqualified AND eligible AND consents)",
            name=op.f("ck_nominations_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["members.id"],
            name=op.f("fk_nominations_candidate_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_nominations_election_id_elections"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_nominations_membership_id_memberships"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
        sa.UniqueConstraint(
            "election_id", "membership_id", name=op.f("uq_nominations_election_id")
        ),
    )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nominations_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_nominations_election_id"), ["election_id"], unique=False
        )

    op.create_table(
        "nomination_seconders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column("seconded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_nomination_seconders_membership_id_memberships"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_nomination_seconders_nomination_id_nominations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_seconders")),
        sa.UniqueConstraint(
            "nomination_id", "membership_id", name=op.f("uq_nomination_seconders_nomination_id")
        ),
    )
    with op.batch_alter_table("nomination_seconders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_seconders_nomination_id"), ["nomination_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("nomination_seconders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_seconders_nomination_id"))

    op.drop_table("nomination_seconders")
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nominations_election_id"))
        batch_op.drop_index(batch_op.f("ix_nominations_candidate_id"))

    op.drop_table("nominations")
    op.drop_table("elections")
