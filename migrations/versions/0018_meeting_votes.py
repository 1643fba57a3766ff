"""meeting votes: a ballot box for each resolution of a noticed general meeting with its
in-meeting window and result; the meeting's chair and the close of its voting with the
quorum then; who cast a member's current ballot (themselves or a proxy); check-in; proxies,
one in force per member and meeting; a held meeting's minutes, linked to the item of a
later meeting that approves them, and fixed once approved (triggers). Hand-written.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    name = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{name}"), ondelete=ondelete
    )


FIXED = "these minutes were approved: they are fixed"
FROZEN = "these minutes are before members for approval: they are fixed"
LINK = "minutes are linked for approval before notice of the meeting is given"

# Minutes linked to the "minutes" item of a meeting whose notice has been given are what
# members read and vote on: from then on their text (and what links them) is fixed, and so
# is the link; only their approval (approved_at) may be written. Once that vote has closed
# without carrying them they are open to correction, and to a link from another meeting.
_NOTICED = (
    "EXISTS (SELECT 1 FROM agenda_items i JOIN general_meetings m ON m.id = i.meeting_id "
    "WHERE i.id = {row}.approval_item_id AND m.state <> 'draft')"
)
_FAILED = (
    "EXISTS (SELECT 1 FROM resolution_votes v WHERE v.item_id = OLD.approval_item_id "
    "AND v.closed_at IS NOT NULL AND v.outcome <> 'carried')"
)
_CHANGED = (
    "NEW.text IS DISTINCT FROM OLD.text OR NEW.meeting_id IS DISTINCT FROM OLD.meeting_id "
    "OR NEW.approval_item_id IS DISTINCT FROM OLD.approval_item_id "
    "OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at "
    "OR NEW.recorded_by_id IS DISTINCT FROM OLD.recorded_by_id"
)


def _create_triggers(postgresql: bool) -> None:
    old_noticed = f"{_NOTICED.format(row='OLD')} AND NOT {_FAILED}"
    new_noticed = _NOTICED.format(row="NEW")
    if postgresql:
        op.execute(
            "CREATE FUNCTION meeting_minutes_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF OLD.approved_at IS NOT NULL THEN RAISE EXCEPTION '{FIXED}'; END IF; "
            f"IF OLD.approval_item_id IS NOT NULL AND {old_noticed} THEN "
            f"IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{FROZEN}'; END IF; "
            f"IF {_CHANGED} THEN RAISE EXCEPTION '{FROZEN}'; END IF; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; "
            "IF NEW.approval_item_id IS DISTINCT FROM OLD.approval_item_id "
            f"AND NEW.approval_item_id IS NOT NULL AND {new_noticed} THEN "
            f"RAISE EXCEPTION '{LINK}'; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER meeting_minutes_fixed BEFORE UPDATE OR DELETE ON meeting_minutes "
            "FOR EACH ROW EXECUTE FUNCTION meeting_minutes_fixed()"
        )
        return
    changed = _CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    whens = {
        "update": "OLD.approved_at IS NOT NULL",
        "delete": "OLD.approved_at IS NOT NULL",
        "frozen_update": f"OLD.approval_item_id IS NOT NULL AND {old_noticed} AND ({changed})",
        "frozen_delete": f"OLD.approval_item_id IS NOT NULL AND {old_noticed}",
        "link": "NEW.approval_item_id IS NOT OLD.approval_item_id "
        f"AND NEW.approval_item_id IS NOT NULL AND {new_noticed}",
    }
    for name, when in whens.items():
        event = "DELETE" if name.endswith("delete") else "UPDATE"
        message = {"update": FIXED, "delete": FIXED, "link": LINK}.get(name, FROZEN)
        op.execute(
            f"CREATE TRIGGER meeting_minutes_fixed_{name} BEFORE {event} "
            f"ON meeting_minutes WHEN {when} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def _drop_triggers(postgresql: bool) -> None:
    if postgresql:
        op.execute("DROP TRIGGER IF EXISTS meeting_minutes_fixed ON meeting_minutes")
        op.execute("DROP FUNCTION IF EXISTS meeting_minutes_fixed()")
        return
    for name in ("update", "delete", "frozen_update", "frozen_delete", "link"):
        op.execute(f"DROP TRIGGER IF EXISTS meeting_minutes_fixed_{name}")


def upgrade():
    op.create_table(
        "meeting_votings",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("present", sa.Integer(), nullable=True),
        sa.Column("needed", sa.Integer(), nullable=True),
        sa.CheckConstraint("present >= 0 AND needed >= 0", name=op.f("ck_meeting_votings_quorum")),
        _fk("meeting_votings", "meeting_id", "general_meetings.id", "RESTRICT"),
        _fk("meeting_votings", "chair_id", "members.id", "SET NULL"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_votings")),
    )
    op.create_table(
        "resolution_votes",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("ballot_box_id", sa.Integer(), nullable=False),
        sa.Column("window_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("votes_for", sa.Integer(), nullable=True),
        sa.Column("votes_against", sa.Integer(), nullable=True),
        sa.Column("votes_abstain", sa.Integer(), nullable=True),
        sa.Column("present", sa.Integer(), nullable=True),
        sa.Column("needed", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('carried', 'not_carried', 'inquorate', 'first_failed')",
            name=op.f("ck_resolution_votes_outcome"),
        ),
        sa.CheckConstraint(
            "(closed_at IS NULL) = (outcome IS NULL)", name=op.f("ck_resolution_votes_result")
        ),
        _fk("resolution_votes", "item_id", "agenda_items.id", "RESTRICT"),
        _fk("resolution_votes", "meeting_id", "general_meetings.id", "RESTRICT"),
        _fk("resolution_votes", "ballot_box_id", "ballot_boxes.id"),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_resolution_votes")),
        sa.UniqueConstraint("ballot_box_id", name=op.f("uq_resolution_votes_ballot_box_id")),
    )
    with op.batch_alter_table("resolution_votes", schema=None) as batch_op:
        batch_op.create_index("ix_resolution_votes_meeting", ["meeting_id"], unique=False)

    op.create_table(
        "meeting_proxies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("appointer_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("to_chair", sa.Boolean(), nullable=False),
        sa.Column("appointed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(holder_id IS NULL) = to_chair", name=op.f("ck_meeting_proxies_holder")
        ),
        sa.CheckConstraint(
            "holder_id IS NULL OR holder_id <> appointer_id",
            name=op.f("ck_meeting_proxies_not_self"),
        ),
        _fk("meeting_proxies", "meeting_id", "general_meetings.id", "RESTRICT"),
        _fk("meeting_proxies", "appointer_id", "members.id", "CASCADE"),
        _fk("meeting_proxies", "holder_id", "members.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_proxies")),
    )
    with op.batch_alter_table("meeting_proxies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meeting_proxies_holder", ["meeting_id", "holder_id"], unique=False
        )
        batch_op.create_index(
            "uq_meeting_proxies_in_force",
            ["meeting_id", "appointer_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "meeting_ballots",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("proxy_id", sa.Integer(), nullable=True),
        sa.Column("by_proxy", sa.Boolean(), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "by_proxy OR proxy_id IS NULL", name=op.f("ck_meeting_ballots_by_proxy")
        ),
        _fk("meeting_ballots", "item_id", "agenda_items.id", "RESTRICT"),
        _fk("meeting_ballots", "member_id", "members.id", "CASCADE"),
        _fk("meeting_ballots", "proxy_id", "meeting_proxies.id", "SET NULL"),
        sa.PrimaryKeyConstraint("item_id", "member_id", name=op.f("pk_meeting_ballots")),
    )
    with op.batch_alter_table("meeting_ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_ballots_proxy_id"), ["proxy_id"], unique=False)

    op.create_table(
        "meeting_attendance",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("at_door", sa.Boolean(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_by_id", sa.Integer(), nullable=True),
        _fk("meeting_attendance", "meeting_id", "general_meetings.id", "RESTRICT"),
        _fk("meeting_attendance", "membership_id", "memberships.id", "CASCADE"),
        sa.PrimaryKeyConstraint("meeting_id", "membership_id", name=op.f("pk_meeting_attendance")),
    )

    op.create_table(
        "meeting_minutes",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("approval_item_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(text) BETWEEN 1 AND 50000", name=op.f("ck_meeting_minutes_text_length")
        ),
        sa.CheckConstraint(
            "approved_at IS NULL OR approval_item_id IS NOT NULL",
            name=op.f("ck_meeting_minutes_approval"),
        ),
        _fk("meeting_minutes", "meeting_id", "general_meetings.id", "RESTRICT"),
        _fk("meeting_minutes", "approval_item_id", "agenda_items.id", "RESTRICT"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_minutes")),
        sa.UniqueConstraint("approval_item_id", name=op.f("uq_meeting_minutes_approval_item_id")),
    )
    _create_triggers(op.get_bind().dialect.name == "postgresql")


def downgrade():
    _drop_triggers(op.get_bind().dialect.name == "postgresql")
    op.drop_table("meeting_minutes")
    op.drop_table("meeting_attendance")
    with op.batch_alter_table("meeting_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_ballots_proxy_id"))
    op.drop_table("meeting_ballots")
    with op.batch_alter_table("meeting_proxies", schema=None) as batch_op:
        batch_op.drop_index("uq_meeting_proxies_in_force")
        batch_op.drop_index("ix_meeting_proxies_holder")
    op.drop_table("meeting_proxies")
    with op.batch_alter_table("resolution_votes", schema=None) as batch_op:
        batch_op.drop_index("ix_resolution_votes_meeting")
    op.drop_table("resolution_votes")
    op.drop_table("meeting_votings")
