"""common ground: stored idea scores

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idea_scores',
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('divide', sa.Float(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('side_a_support', sa.Float(), nullable=True),
    sa.Column('side_b_support', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('common_ground', 'needs_votes', 'not_supported')", name=op.f('ck_idea_scores_status')),
    sa.CheckConstraint('votes >= 0', name=op.f('ck_idea_scores_votes')),
    sa.CheckConstraint('(side_a_support IS NULL OR side_a_support BETWEEN 0 AND 1) AND (side_b_support IS NULL OR side_b_support BETWEEN 0 AND 1)', name=op.f('ck_idea_scores_shares')),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_idea_scores_idea_id_ideas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('idea_id', name=op.f('pk_idea_scores'))
    )
    with op.batch_alter_table('idea_scores', schema=None) as batch_op:
        batch_op.create_index('ix_idea_scores_computed_at', ['computed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('idea_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_idea_scores_computed_at')

    op.drop_table('idea_scores')
