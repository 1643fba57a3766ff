"""outbox requests by address: emails composed in the worker are durable too

Password reset and resend-verification answer alike whether or not an address has an
account, so the member is looked up in the worker, not in the request. The request used to
hand the worker the address itself as a Celery task argument: lost if the broker was down,
and written into the broker and the error log. It is now an outbox row (address, no
subject or body) naming the task that composes it, `compose_with`; the worker composes it
(or, for an address without an account, only deletes the row), and the sweep retries it
like any unsent email. Hand-written.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbound_emails") as batch:
        batch.add_column(sa.Column("compose_with", sa.String(length=80), nullable=True))


def downgrade():
    op.execute("DELETE FROM outbound_emails WHERE compose_with IS NOT NULL")
    with op.batch_alter_table("outbound_emails") as batch:
        batch.drop_column("compose_with")
