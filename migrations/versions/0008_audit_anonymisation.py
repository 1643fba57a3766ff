"""audit anonymisation: the append-only audit log lets one update through, erasing a person

When a member deletes their account, their entries in the audit log must no longer name
them (UK GDPR art. 17). The log stays append-only for everything else: the only UPDATE the
database accepts changes nothing but
- actor_id to NULL and actor_name to 'Former member', on an entry whose actor was a member;
- target_id to NULL, on an entry whose target was a member;
and changes at least one of them. Every other UPDATE, and every DELETE, is refused as
before. Hand-written; works on PostgreSQL and SQLite.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 10:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FORMER_MEMBER = "Former member"
REFUSAL = "the audit log is append-only"

# Shared by both databases: PostgreSQL's IS NOT DISTINCT FROM and SQLite's IS are both a
# comparison where NULL equals NULL. {same} is filled in per database.
ANONYMISATION_ONLY = """
    new.id = old.id
    AND new.created_at {same} old.created_at
    AND new.action {same} old.action
    AND new.target_type {same} old.target_type
    AND new.reason {same} old.reason
    AND {details_unchanged}
    AND (
        (new.actor_id {same} old.actor_id AND new.actor_name {same} old.actor_name)
        OR (old.actor_id IS NOT NULL AND new.actor_id IS NULL
            AND new.actor_name = '{former}')
    )
    AND (
        new.target_id {same} old.target_id
        OR (old.target_type = 'member' AND new.target_id IS NULL)
    )
    AND (new.actor_id {differs} old.actor_id OR new.target_id {differs} old.target_id)
"""


def _condition(dialect: str) -> str:
    if dialect == "postgresql":
        return ANONYMISATION_ONLY.format(
            same="IS NOT DISTINCT FROM",
            differs="IS DISTINCT FROM",
            # json has no equality operator; an untouched value keeps its exact text.
            details_unchanged="new.details::text = old.details::text",
            former=FORMER_MEMBER,
        )
    return ANONYMISATION_ONLY.format(
        same="IS",
        differs="IS NOT",
        details_unchanged="new.details IS old.details",
        former=FORMER_MEMBER,
    )


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # Same function name, so the trigger made by 0001 now calls the new body.
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'UPDATE' AND ({_condition(dialect)}) THEN RETURN new; END IF; "
            f"RAISE EXCEPTION '{REFUSAL}'; END $$"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
    op.execute(
        "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
        f"WHEN NOT ({_condition(dialect)}) "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    )


def downgrade():
    """Back to 0001's triggers: no update at all."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
    op.execute(
        "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    )
