"""donations: recipients, thresholds in force from a date with their sources, gifts with
the donor's declaration and the treasurer's decision, and each gift's history (never
updated: the database refuses it)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:00:00.000000

"""

from datetime import date

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

NEVER_UPDATED = "the history of a gift is never changed"
# The figures in force from 1 January 2024; the treasurer adds later ones with their date and
# source (/treasury/thresholds). Earlier gifts find no figure and are treated as donations.
JAN_2024 = date(2024, 1, 1)
THRESHOLDS = [
    dict(regime="members_association", kind="donation", amount_pence=500_00, effective_from=JAN_2024,
         source='PPERA 2000 s.52(2)(b), Sch 7 para 4 (as amended by PPEA 2009 s.20): £500 or less is not a donation; https://www.legislation.gov.uk/ukpga/2000/41/section/52'),
    dict(regime="members_association", kind="reporting", amount_pence=11180_00, effective_from=JAN_2024,
         source='PPERA 2000 Sch 7 para 10(1A) (members association), as uprated by The Representation of the People (Variation of Election Expenses, Expenditure Limits and Donation etc. Thresholds) Order 2023 (SI 2023/1235), https://www.legislation.gov.uk/uksi/2023/1235'),
    dict(regime="regulated_donee", kind="donation", amount_pence=500_00, effective_from=JAN_2024,
         source='PPERA 2000 s.52(2)(b), Sch 7 para 4 (as amended by PPEA 2009 s.20): £500 or less is not a donation; https://www.legislation.gov.uk/ukpga/2000/41/section/52'),
    dict(regime="regulated_donee", kind="reporting", amount_pence=2230_00, effective_from=JAN_2024,
         source='PPERA 2000 Sch 7 para 10(1A) (any other regulated donee), as uprated by The Representation of the People (Variation of Election Expenses, Expenditure Limits and Donation etc. Thresholds) Order 2023 (SI 2023/1235), https://www.legislation.gov.uk/uksi/2023/1235'),
    dict(regime="registered_party", kind="donation", amount_pence=500_00, effective_from=JAN_2024,
         source='PPERA 2000 s.52(2)(b), Sch 7 para 4 (as amended by PPEA 2009 s.20): £500 or less is not a donation; https://www.legislation.gov.uk/ukpga/2000/41/section/52'),
    dict(regime="registered_party", kind="reporting", amount_pence=11180_00, effective_from=JAN_2024,
         source='PPERA 2000 s.62 (central party), as uprated by The Representation of the People (Variation of Election Expenses, Expenditure Limits and Donation etc. Thresholds) Order 2023 (SI 2023/1235), https://www.legislation.gov.uk/uksi/2023/1235; https://www.electoralcommission.org.uk/political-party-donations-and-loans-great-britain/which-donations-and-loans-do-you-need-report'),
    dict(regime="accounting_unit", kind="donation", amount_pence=500_00, effective_from=JAN_2024,
         source='PPERA 2000 s.52(2)(b), Sch 7 para 4 (as amended by PPEA 2009 s.20): £500 or less is not a donation; https://www.legislation.gov.uk/ukpga/2000/41/section/52'),
    dict(regime="accounting_unit", kind="reporting", amount_pence=2230_00, effective_from=JAN_2024,
         source='PPERA 2000 s.62 (accounting unit), as uprated by The Representation of the People (Variation of Election Expenses, Expenditure Limits and Donation etc. Thresholds) Order 2023 (SI 2023/1235), https://www.legislation.gov.uk/uksi/2023/1235'),
    dict(regime="candidate", kind="donation", amount_pence=50_00, effective_from=JAN_2024,
         source='Representation of the People Act 1983 Sch 2A para 4(2): over £50; https://www.electoralcommission.org.uk/guidance-candidates-and-agents-uk-parliamentary-elections-great-britain/candidate-donations/what-counts-a-donation'),
    dict(regime="candidate", kind="reporting", amount_pence=50_00, effective_from=JAN_2024,
         source="RPA 1983 Sch 2A: every accepted donation over £50 goes in the election agent's spending return"),
]  # fmt: skip


def _create_trigger(postgresql: bool) -> None:
    if postgresql:
        op.execute(
            "CREATE FUNCTION gift_events_never_updated() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{NEVER_UPDATED}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER gift_events_never_updated BEFORE UPDATE ON gift_events "
            "FOR EACH ROW EXECUTE FUNCTION gift_events_never_updated()"
        )
    else:
        op.execute(
            "CREATE TRIGGER gift_events_never_updated BEFORE UPDATE ON gift_events "
            f"BEGIN SELECT RAISE(ABORT, '{NEVER_UPDATED}'); END"
        )


def _drop_trigger(postgresql: bool) -> None:
    if postgresql:
        op.execute("DROP TRIGGER IF EXISTS gift_events_never_updated ON gift_events")
        op.execute("DROP FUNCTION IF EXISTS gift_events_never_updated()")
    else:
        op.execute("DROP TRIGGER IF EXISTS gift_events_never_updated")


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "donation_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("regime", sa.String(length=24), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "regime IN ('members_association', 'regulated_donee', 'registered_party', 'accounting_unit', 'candidate')",
            name=op.f("ck_donation_recipients_regime"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donation_recipients")),
        sa.UniqueConstraint("name", name=op.f("uq_donation_recipients_name")),
    )
    thresholds = op.create_table(
        "donation_thresholds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regime", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('donation', 'reporting')", name=op.f("ck_donation_thresholds_kind")
        ),
        sa.CheckConstraint(
            "regime IN ('members_association', 'regulated_donee', 'registered_party', 'accounting_unit', 'candidate')",
            name=op.f("ck_donation_thresholds_regime"),
        ),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_donation_thresholds_amount")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donation_thresholds")),
    )
    with op.batch_alter_table("donation_thresholds", schema=None) as batch_op:
        batch_op.create_index(
            "uq_donation_thresholds", ["regime", "kind", "effective_from"], unique=True
        )

    op.create_table(
        "gifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("donor_kind", sa.String(length=32), nullable=False),
        sa.Column("donor_name", sa.String(length=200), nullable=False),
        sa.Column("donor_address", sa.Text(), nullable=False),
        sa.Column("company_number", sa.String(length=16), nullable=True),
        sa.Column("declarations", sa.JSON(), nullable=False),
        sa.Column("donor_key", sa.String(length=64), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("check_method", sa.Text(), nullable=False),
        sa.Column("check_evidence", sa.Text(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("returned_to", sa.String(length=16), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "donor_kind IN ('individual', 'company', 'trade_union', 'building_society', 'llp', 'friendly_society', 'unincorporated_association', 'other')",
            name=op.f("ck_gifts_donor_kind"),
        ),
        sa.CheckConstraint(
            "method IN ('bank_transfer', 'cheque', 'cash', 'card')", name=op.f("ck_gifts_method")
        ),
        sa.CheckConstraint(
            "returned_to IN ('donor', 'payer', 'commission')", name=op.f("ck_gifts_returned_to")
        ),
        sa.CheckConstraint(
            "status IN ('received', 'checking', 'accepted', 'returned')",
            name=op.f("ck_gifts_status"),
        ),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_gifts_amount")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["members.id"],
            name=op.f("fk_gifts_account_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["donation_recipients.id"],
            name=op.f("fk_gifts_recipient_id_donation_recipients"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gifts")),
    )
    with op.batch_alter_table("gifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gifts_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            "ix_gifts_source_year", ["recipient_id", "donor_key", "received_on"], unique=False
        )
        batch_op.create_index("ix_gifts_status", ["status", "received_on"], unique=False)

    op.create_table(
        "gift_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gift_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["gift_id"], ["gifts.id"], name=op.f("fk_gift_events_gift_id_gifts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_events")),
    )
    with op.batch_alter_table("gift_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gift_events_gift_id"), ["gift_id"], unique=False)

    # ### end Alembic commands ###
    op.bulk_insert(thresholds, THRESHOLDS)
    _create_trigger(op.get_bind().dialect.name == "postgresql")


def downgrade():
    _drop_trigger(op.get_bind().dialect.name == "postgresql")
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("gift_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gift_events_gift_id"))

    op.drop_table("gift_events")
    with op.batch_alter_table("gifts", schema=None) as batch_op:
        batch_op.drop_index("ix_gifts_status")
        batch_op.drop_index("ix_gifts_source_year")
        batch_op.drop_index(batch_op.f("ix_gifts_account_id"))

    op.drop_table("gifts")
    with op.batch_alter_table("donation_thresholds", schema=None) as batch_op:
        batch_op.drop_index("uq_donation_thresholds")

    op.drop_table("donation_thresholds")
    op.drop_table("donation_recipients")
    # ### end Alembic commands ###
