"""election ballots: each board election's vote (its window, who runs it: the platform's
secret ballot or an independent scrutineer, its ballot box), its candidates in ballot-paper
order, and the anonymised ballot set of the count (mixed ciphertexts, decryption shares and
proofs, the rankings they decode to)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 05:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "election_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(length=16), nullable=False),
        sa.Column("voting_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voting_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ballot_box_id", sa.Integer(), nullable=True),
        sa.Column("candidates_fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ballots_counted", sa.Integer(), nullable=True),
        sa.Column("ballots_invalid", sa.Integer(), nullable=True),
        sa.Column("mix_proof", sa.LargeBinary(), nullable=True),
        sa.Column("scrutineer_name", sa.String(length=120), nullable=False),
        sa.Column("report_name", sa.String(length=40), nullable=True),
        sa.Column("certified_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "runner IN ('platform', 'scrutineer')", name=op.f("ck_election_votes_runner")
        ),
        sa.CheckConstraint(
            "state IN ('waiting', 'open', 'unopposed', 'counted')",
            name=op.f("ck_election_votes_state"),
        ),
        sa.CheckConstraint(
            "voting_opens_at < voting_closes_at", name=op.f("ck_election_votes_window")
        ),
        sa.CheckConstraint(
            "runner = 'scrutineer' OR (scrutineer_name = '' AND report_name IS NULL)",
            name=op.f("ck_election_votes_scrutineer"),
        ),
        sa.CheckConstraint(
            "length(scrutineer_name) <= 120", name=op.f("ck_election_votes_scrutineer_name")
        ),
        sa.ForeignKeyConstraint(
            ["ballot_box_id"],
            ["ballot_boxes.id"],
            name=op.f("fk_election_votes_ballot_box_id_ballot_boxes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_election_votes_election_id_elections"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_votes")),
        sa.UniqueConstraint("ballot_box_id", name=op.f("uq_election_votes_ballot_box_id")),
        sa.UniqueConstraint("election_id", name=op.f("uq_election_votes_election_id")),
    )
    op.create_table(
        "election_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("elected", sa.Boolean(), nullable=False),
        sa.Column("excluded_reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "position >= 0 AND position < 60", name=op.f("ck_election_candidates_position")
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_election_candidates_nomination_id_nominations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["election_votes.id"],
            name=op.f("fk_election_candidates_vote_id_election_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_candidates")),
        sa.UniqueConstraint("vote_id", "nomination_id", name="uq_election_candidates_nomination"),
        sa.UniqueConstraint("vote_id", "position", name="uq_election_candidates_position"),
    )
    with op.batch_alter_table("election_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_election_candidates_vote_id"), ["vote_id"], unique=False
        )
    op.create_table(
        "election_mixed_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("share", sa.LargeBinary(), nullable=False),
        sa.Column("proof", sa.LargeBinary(), nullable=False),
        sa.Column("ranking", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["election_votes.id"],
            name=op.f("fk_election_mixed_ballots_vote_id_election_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_mixed_ballots")),
        sa.UniqueConstraint("vote_id", "position", name=op.f("uq_election_mixed_ballots_vote_id")),
    )


def downgrade():
    op.drop_table("election_mixed_ballots")
    with op.batch_alter_table("election_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_election_candidates_vote_id"))

    op.drop_table("election_candidates")
    op.drop_table("election_votes")
