"""card gifts: a donor's checkout with their declaration, each Stripe event kept once by its
id, and a gift's payment (one gift per payment)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 04:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "donation_checkouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("donor_kind", sa.String(length=32), nullable=False),
        sa.Column("donor_name", sa.String(length=200), nullable=False),
        sa.Column("donor_address", sa.Text(), nullable=False),
        sa.Column("company_number", sa.String(length=16), nullable=True),
        sa.Column("declarations", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("session_id", sa.String(length=255), nullable=True),
        sa.Column("subscription_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_donation_checkouts_amount")),
        sa.CheckConstraint(
            "frequency IN ('once', 'monthly')", name=op.f("ck_donation_checkouts_frequency")
        ),
        sa.CheckConstraint(
            "state IN ('open', 'paid', 'expired', 'ended')",
            name=op.f("ck_donation_checkouts_state"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["members.id"],
            name=op.f("fk_donation_checkouts_account_id_members"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["donation_recipients.id"],
            name=op.f("fk_donation_checkouts_recipient_id_donation_recipients"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donation_checkouts")),
        sa.UniqueConstraint("reference", name=op.f("uq_donation_checkouts_reference")),
        sa.UniqueConstraint("session_id", name=op.f("uq_donation_checkouts_session_id")),
        sa.UniqueConstraint("subscription_id", name=op.f("uq_donation_checkouts_subscription_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_donation_checkouts_account_id"), "donation_checkouts", ["account_id"])
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_payment_events_event_id")),
    )
    with op.batch_alter_table("gifts") as batch:
        batch.add_column(sa.Column("payment_reference", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("checkout_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("card_fingerprint", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_gifts_payment_reference"), ["payment_reference"])
        batch.create_foreign_key(
            op.f("fk_gifts_checkout_id_donation_checkouts"), "donation_checkouts",
            ["checkout_id"], ["id"], ondelete="SET NULL",
        )  # fmt: skip
        batch.create_index(op.f("ix_gifts_checkout_id"), ["checkout_id"])


def downgrade():
    with op.batch_alter_table("gifts") as batch:
        batch.drop_index(op.f("ix_gifts_checkout_id"))
        batch.drop_constraint(op.f("fk_gifts_checkout_id_donation_checkouts"), type_="foreignkey")
        batch.drop_constraint(op.f("uq_gifts_payment_reference"), type_="unique")
        batch.drop_column("card_fingerprint")
        batch.drop_column("checkout_id")
        batch.drop_column("payment_reference")
    op.drop_table("payment_events")
    op.drop_index(op.f("ix_donation_checkouts_account_id"), table_name="donation_checkouts")
    op.drop_table("donation_checkouts")
