"""encrypted ballots: ballot boxes, their public lists and who took part

A ballot was a plain row (member, choice), rewritten in place on a change of vote and
deleted at closing: the choices stayed readable in the database files, the WAL and every
backup. Ballots are now encrypted under a key of each vote that never enters the database
(coop/ballots). Votes closed or withdrawn before this keep their published results and get
a box with no key (key_holder 'none'); who took part in them moves to box_voters. The
ballots of votes still open are encrypted here, under a new key per vote written to
BALLOT_KEY_DIR, in the order they were cast. The old rows are dropped with the tables; on
SQLite, secure_delete and a checkpoint then overwrite them (coop/db/dialects.py), while on
PostgreSQL they remain in dead pages until vacuum and in earlier backups (README).

Downgrading cannot decrypt: the ballots of votes still open are lost, and who took part in
closed votes goes back to vote_participations. Hand-written.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WEIGHTS = (1, 2**32, 0)  # for, against, abstain: coop/proposals/models.py
CHOICES = ("for", "against", "abstain")


def upgrade():
    op.create_table(
        "ballot_boxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_holder", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("weights", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("head", sa.LargeBinary(length=32), nullable=True),
        sa.Column("counted", sa.Integer(), nullable=True),
        sa.Column("total", sa.LargeBinary(length=64), nullable=True),
        sa.Column("decryption", sa.LargeBinary(length=32), nullable=True),
        sa.Column("decryption_proof", sa.LargeBinary(length=64), nullable=True),
        sa.CheckConstraint(
            "key_holder IN ('platform', 'none')", name=op.f("ck_ballot_boxes_key_holder")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_boxes")),
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("tracker", sa.LargeBinary(length=32), nullable=False),
        sa.Column("chain", sa.LargeBinary(length=32), nullable=False),
        sa.Column("replaces", sa.Integer(), nullable=True),
        sa.Column("ciphertext", sa.LargeBinary(length=64), nullable=True),
        sa.Column("proof", sa.LargeBinary(length=512), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["box_id"], ["ballot_boxes.id"], name=op.f("fk_ballots_box_id_ballot_boxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("box_id", "seq", name="uq_ballots_box_seq"),
    )
    op.create_index("ix_ballots_box_tracker", "ballots", ["box_id", "tracker"])
    op.create_table(
        "box_voters",
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballots.id"], name=op.f("fk_box_voters_ballot_id_ballots"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["box_id"], ["ballot_boxes.id"], name=op.f("fk_box_voters_box_id_ballot_boxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_box_voters_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("box_id", "member_id", name=op.f("pk_box_voters")),
    )
    op.create_index(op.f("ix_box_voters_member_id"), "box_voters", ["member_id"])
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.add_column(sa.Column("ballot_box_id", sa.Integer(), nullable=True))

    _move_ballots()

    with op.batch_alter_table("proposals") as batch_op:
        batch_op.alter_column("ballot_box_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_proposals_ballot_box_id_ballot_boxes"), "ballot_boxes",
            ["ballot_box_id"], ["id"],
        )
    op.drop_index(op.f("ix_vote_participations_member_id"), table_name="vote_participations")
    op.drop_table("vote_participations")
    op.drop_index(op.f("ix_votes_member_id"), table_name="votes")
    op.drop_table("votes")


def _move_ballots():
    from coop.ballots import crypto, keys
    from coop.ballots.record import box_context
    from coop.uktime import utcnow

    bind = op.get_bind()
    now = utcnow()
    proposals = bind.execute(
        sa.text("SELECT id, closed_at, withdrawn_at FROM proposals ORDER BY id")
    ).all()
    for proposal_id, closed_at, withdrawn_at in proposals:
        still_open = closed_at is None and withdrawn_at is None
        pair = crypto.generate_key() if still_open else None
        box_id = bind.execute(
            sa.text(
                "INSERT INTO ballot_boxes (key_holder, public_key, weights, created_at, closed_at)"
                " VALUES (:holder, :public, :weights, :now, :closed) RETURNING id"
            ),
            {
                "holder": "platform" if still_open else "none",
                "public": pair.public if pair else None,
                "weights": ",".join(map(str, WEIGHTS)) if still_open else "",
                "now": now,
                "closed": None if still_open else (closed_at or withdrawn_at),
            },
        ).scalar_one()
        bind.execute(
            sa.text("UPDATE proposals SET ballot_box_id = :box WHERE id = :id"),
            {"box": box_id, "id": proposal_id},
        )
        if not still_open:
            bind.execute(
                sa.text(
                    "INSERT INTO box_voters (box_id, member_id) SELECT :box, member_id"
                    " FROM vote_participations WHERE proposal_id = :id ORDER BY member_id"
                ),
                {"box": box_id, "id": proposal_id},
            )
            continue
        keys.store(pair.public, pair.secret)
        _encrypt_open_ballots(bind, proposal_id, box_id, pair.public, crypto, box_context(box_id))


def _encrypt_open_ballots(bind, proposal_id, box_id, public, crypto, context):
    votes = bind.execute(
        sa.text(
            "SELECT member_id, choice, cast_at FROM votes WHERE proposal_id = :id"
            " ORDER BY cast_at, id"
        ),
        {"id": proposal_id},
    ).all()
    chain = crypto.chain_start(context, public)
    for seq, (member_id, choice, cast_at) in enumerate(votes, start=1):
        ciphertext, proof = crypto.encrypt(public, WEIGHTS, CHOICES.index(choice), context)
        tracker = crypto.tracker(context, ciphertext, proof)
        chain = crypto.chain_next(chain, seq, tracker, None)
        ballot_id = bind.execute(
            sa.text(
                "INSERT INTO ballots (box_id, seq, tracker, chain, ciphertext, proof, accepted_at)"
                " VALUES (:box, :seq, :tracker, :chain, :ciphertext, :proof, :at) RETURNING id"
            ),
            {"box": box_id, "seq": seq, "tracker": tracker, "chain": chain,
             "ciphertext": ciphertext.to_bytes(), "proof": proof, "at": cast_at},
        ).scalar_one()  # fmt: skip
        bind.execute(
            sa.text("UPDATE ballot_boxes SET entries = :seq, head = :chain WHERE id = :box"),
            {"seq": seq, "chain": chain, "box": box_id},
        )
        if member_id is not None:
            bind.execute(
                sa.text("INSERT INTO box_voters (box_id, member_id, ballot_id) VALUES (:b, :m, :i)"),
                {"b": box_id, "m": member_id, "i": ballot_id},
            )


def downgrade():
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("choice IN ('for', 'against', 'abstain')", name=op.f("ck_votes_choice")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_votes_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_votes_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("proposal_id", "member_id", name="uq_votes_proposal_member"),
    )
    op.create_index(op.f("ix_votes_member_id"), "votes", ["member_id"])
    op.create_table(
        "vote_participations",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_vote_participations_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"],
            name=op.f("fk_vote_participations_proposal_id_proposals"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proposal_id", "member_id", name=op.f("pk_vote_participations")),
    )
    op.create_index(
        op.f("ix_vote_participations_member_id"), "vote_participations", ["member_id"]
    )
    op.execute(
        "INSERT INTO vote_participations (proposal_id, member_id)"
        " SELECT p.id, v.member_id FROM proposals p JOIN box_voters v ON v.box_id = p.ballot_box_id"
        " WHERE p.closed_at IS NOT NULL ORDER BY p.id, v.member_id"
    )
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_proposals_ballot_box_id_ballot_boxes"), type_="foreignkey"
        )
        batch_op.drop_column("ballot_box_id")
    op.drop_index(op.f("ix_box_voters_member_id"), table_name="box_voters")
    op.drop_table("box_voters")
    op.drop_index("ix_ballots_box_tracker", table_name="ballots")
    op.drop_table("ballots")
    op.drop_table("ballot_boxes")
