"""sign-ins kept on the server; recovery codes under a slow hash

member_sessions holds one row per sign-in (device as "Firefox on Linux", never an address;
created, last seen, when it ends, when it was revoked): the session and "remember me"
cookies name a row, and signing out revokes it, so a copied cookie stops working. Sessions
open before this upgrade name no row and end: everyone signs in again once.

Recovery codes were stored as an unsalted SHA-256 of 48 random bits, which a copy of the
database gives up to a graphics card in hours. They are now an Argon2id hash, with a salt
each, of that same SHA-256 (coop/accounts/second_factor.py), so this upgrade hashes every
stored value again and codes already issued keep working. It takes a few hundredths of a
second per code (ten per member with two-step sign-in).

Downgrading cannot undo a slow hash: recovery codes are deleted (two-step sign-in stays on;
members make new codes from their account page), and member_sessions is dropped.
Hand-written.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op
from argon2 import PasswordHasher, Type

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# As coop/accounts/second_factor.py hashed codes at this revision (each hash names its own
# parameters, so the app verifies these whatever it uses later).
CODE_HASHER = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


def upgrade():
    op.create_table(
        "member_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=60), nullable=False),
        sa.Column("remembered", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_sessions_member_id_members"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_sessions")),
        sa.UniqueConstraint("key", name=op.f("uq_member_sessions_key")),
    )
    op.create_index(op.f("ix_member_sessions_member_id"), "member_sessions", ["member_id"])

    with op.batch_alter_table("recovery_codes") as batch:
        batch.alter_column(
            "code_hash", type_=sa.String(length=255), existing_type=sa.String(length=64),
            existing_nullable=False,
        )  # fmt: skip
    codes = sa.table("recovery_codes", sa.column("id", sa.Integer), sa.column("code_hash"))
    connection = op.get_bind()
    hasher = PasswordHasher(**CODE_HASHER, type=Type.ID)
    for code_id, digest in connection.execute(sa.select(codes.c.id, codes.c.code_hash)).all():
        connection.execute(
            codes.update().where(codes.c.id == code_id).values(code_hash=hasher.hash(digest))
        )


def downgrade():
    op.execute("DELETE FROM recovery_codes")
    with op.batch_alter_table("recovery_codes") as batch:
        batch.alter_column(
            "code_hash", type_=sa.String(length=64), existing_type=sa.String(length=255),
            existing_nullable=False,
        )  # fmt: skip
    op.drop_index(op.f("ix_member_sessions_member_id"), table_name="member_sessions")
    op.drop_table("member_sessions")
