"""Ballot boxes: cast, change, remove, close and count encrypted ballots. Callers commit;
keys are destroyed only after the commit that made them useless (destroy_spent_keys).

The order that makes a ballot acknowledged to a member always counted: casting locks the
box row and checks that it is still open; closing sets closed_at on the same row, so it
waits for every cast in flight, and reads the ballots after that, in a new statement. A
cast that comes after the close finds the box closed and writes nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    LargeBinary,
    bindparam,
    delete,
    func,
    insert,
    select,
    true,
    update,
)

from coop.ballots import crypto, keys
from coop.ballots.models import Ballot, BallotBox, BoxVoter, KeyHolder
from coop.ballots.record import Entry, box_context, counted, removal_tracker
from coop.db import dialects
from coop.extensions import db
from coop.uktime import utcnow

# A key file with no box after this long belongs to a transaction that rolled back.
ORPHAN_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Sealed:
    """A ballot encrypted for one box, with its proof and tracker: all that is ever stored."""

    box_id: int
    public: bytes
    ciphertext: bytes
    proof: bytes
    tracker: bytes


@dataclass(frozen=True)
class Locked:
    """A box whose row this transaction holds (no entry can be added but ours), with the
    member's current entry (position and tracker) as it stands under the lock."""

    box_id: int
    public: bytes
    entries: int
    head: bytes | None
    current: tuple[int, bytes] | None


def open_box(weights: Sequence[int]) -> BallotBox:
    """A new box with its own key pair; the private key goes to the key folder, never to
    the database."""
    pair = crypto.generate_key()
    box = BallotBox(
        key_holder=KeyHolder.PLATFORM,
        public_key=pair.public,
        weights=",".join(str(weight) for weight in weights),
    )
    db.session.add(box)
    keys.store(pair.public, pair.secret)
    return box


def seal(box_id: int, public: bytes, weights: Sequence[int], index: int) -> Sealed:
    """Encrypt a choice for a box. The choice exists only in this call's memory: nothing
    logs it, and what leaves is the ciphertext, its proof and its tracker. Done before the
    box is locked, so the lock is held for a few statements, not for the arithmetic."""
    context = box_context(box_id)
    ciphertext, proof = crypto.encrypt(public, weights, index, context)
    tracker = crypto.tracker(context, ciphertext, proof)
    return Sealed(box_id, public, ciphertext.to_bytes(), proof, tracker)


def lock_open(
    box_id: int,
    member_id: int,
    still_open: ColumnElement[bool] | None = None,
    params: dict | None = None,
) -> Locked | None:
    """Lock an open box's row (PostgreSQL; SQLite's transactions take the write lock at
    BEGIN) and read the member's current entry, in one statement; None if the box is closed
    or `still_open` (the caller's rule, such as a voting window, on columns that do not
    change while the box is open; built once, with bind parameters given in `params`) is
    false.

    The locked row is read as it is once the lock is ours, but the subqueries see the
    database as it was when the statement began: if another entry was committed while we
    waited (the length we saw differs from the locked one), the member's entry is read again.
    Every entry moves the length, so an equal length means nothing changed."""
    row = db.session.execute(
        _lock_statement(still_open), {"box_id": box_id, "member_id": member_id, **(params or {})}
    ).first()
    if row is None:
        return None
    public, entries, head, seen_entries, seq, tracker = row
    if seen_entries != entries:  # an entry was committed while we waited for the lock
        fresh = db.session.execute(_current_entry(box_id, member_id)).first()
        seq, tracker = (fresh.seq, fresh.tracker) if fresh else (None, None)
    return Locked(box_id, public, entries, head, (seq, tracker) if seq is not None else None)


@cache  # by the caller's clause, itself built once: a vote is the busiest write there is
def _lock_statement(still_open: ColumnElement[bool] | None):
    box_id, member_id = bindparam("box_id", type_=Integer), bindparam("member_id", type_=Integer)
    seen = select(BallotBox.entries).where(BallotBox.id == box_id).scalar_subquery()
    current = _current_entry(box_id, member_id).subquery()
    return (
        select(
            BallotBox.public_key,
            BallotBox.entries,
            BallotBox.head,
            seen.label("seen"),
            select(current.c.seq).scalar_subquery().label("replaces"),
            select(current.c.tracker).scalar_subquery().label("tracker"),
        )
        .where(
            BallotBox.id == box_id,
            BallotBox.closed_at.is_(None),
            true() if still_open is None else still_open,
        )
        .with_for_update(of=BallotBox)
    )


def _current_entry(box_id, member_id):
    return (
        select(Ballot.seq, Ballot.tracker)
        .join(BoxVoter, BoxVoter.ballot_id == Ballot.id)
        .where(BoxVoter.box_id == box_id, BoxVoter.member_id == member_id)
    )


def cast(
    sealed: Sealed,
    member_id: int,
    still_open: ColumnElement[bool] | None = None,
    params: dict | None = None,
) -> int | None:
    """Append a sealed ballot to its box as this member's current ballot, replacing their
    earlier one: its position in the list, or None when the box is closed, `still_open`
    (as for `lock_open`) is false, or the box's key is not the one it was sealed for.

    On PostgreSQL one statement locks the box, reads the member's entry and writes, when no
    other entry was committed while it waited for the lock (the usual case); otherwise,
    with the lock now held, the member's entry is read again and the ballot appended."""
    params = params or {}
    kind = dialects.name()
    if dialects.writes_in_cte(kind):
        values = {
            "box_id": sealed.box_id, "member_id": member_id, "public": sealed.public,
            "start": crypto.chain_start(box_context(sealed.box_id), sealed.public),
            "tracker": sealed.tracker, "ciphertext": sealed.ciphertext, "proof": sealed.proof,
            "accepted_at": utcnow(), **params,
        }  # fmt: skip
        row = db.session.execute(_cast_statement(kind, still_open), values).one()
        if not row.open:
            return None
        if row.seq is not None:
            return row.seq
    box = lock_open(sealed.box_id, member_id, still_open, params)
    if box is None or box.public != sealed.public:
        return None
    return put(box, member_id, sealed)


@cache  # by the kind of database and the caller's clause, itself built once
def _cast_statement(kind: str, still_open: ColumnElement[bool] | None):
    """Lock, check and append in one statement (PostgreSQL): the chain's next link is
    sha256(previous || seq || tracker || replaces), as crypto.chain_next computes it (the
    recount checks every link). It writes only when the box's length under the lock is the
    length the statement's snapshot saw: then the member's entry it read is current."""
    box_id, member_id = bindparam("box_id", type_=Integer), bindparam("member_id", type_=Integer)
    public = BallotBox.public_key == bindparam("public", type_=LargeBinary)
    locked = _lock_statement(still_open).where(public).cte("locked")
    seq = locked.c.entries + 1
    link = (
        func.coalesce(locked.c.head, bindparam("start", type_=LargeBinary))
        .op("||")(func.int8send(seq))
        .op("||")(bindparam("tracker", type_=LargeBinary))
        .op("||")(func.int8send(func.coalesce(locked.c.replaces, 0)))
    )
    values = {
        "box_id": box_id, "seq": seq, "tracker": bindparam("tracker", type_=LargeBinary),
        "chain": func.sha256(link), "replaces": locked.c.replaces,
        "ciphertext": bindparam("ciphertext", type_=LargeBinary),
        "proof": bindparam("proof", type_=LargeBinary),
        "accepted_at": bindparam("accepted_at", type_=Ballot.accepted_at.type),
    }  # fmt: skip
    new = (
        insert(Ballot)
        .from_select(
            list(values), select(*values.values()).where(locked.c.entries == locked.c.seen)
        )
        .returning(Ballot.id, Ballot.seq, Ballot.chain)
        .cte("new")
    )
    moved = (
        update(BallotBox)
        .where(BallotBox.id == box_id, BallotBox.entries == new.c.seq - 1)  # as it was read
        .values(entries=new.c.seq, head=new.c.chain)
        .returning(BallotBox.id)
        .cte("moved")
    )
    voter = _current_ballot_upsert(
        dialects.insert_or_skip(BoxVoter.__table__, kind).from_select(
            ["box_id", "member_id", "ballot_id"],
            select(box_id, member_id, new.c.id).select_from(new).join(moved, true()),
        )
    )
    return select(
        select(func.count()).select_from(locked).scalar_subquery().label("open"),
        select(new.c.seq).scalar_subquery().label("seq"),
    ).add_cte(voter.cte("voter"))


def put(box: Locked, member_id: int, sealed: Sealed) -> int:
    """Append the sealed ballot to a locked box as this member's current ballot, replacing
    their earlier one. Its position in the list."""
    if sealed.box_id != box.box_id or sealed.public != box.public:
        raise crypto.CryptoError("a ballot sealed for another box")
    return _append(box, member_id, sealed.tracker, box.current, sealed.ciphertext, sealed.proof)


def remove(box_id: int, member_id: int) -> bool:
    """Take this member's ballot out of an open box (they withdrew consent): a public
    removal entry, so the list still adds up. False when there was nothing to remove."""
    box = lock_open(box_id, member_id)
    if box is None or box.current is None:
        return False
    tracker = removal_tracker(box_context(box_id), box.current[1])
    _append(box, member_id, tracker, box.current, None, None)
    db.session.execute(
        delete(BoxVoter).where(BoxVoter.box_id == box_id, BoxVoter.member_id == member_id)
    )
    return True


def _append(
    box: Locked,
    member_id: int,
    tracker: bytes,
    current: tuple[int, bytes] | None,
    ciphertext: bytes | None,
    proof: bytes | None,
) -> int:
    """Write the next entry, its link in the chain and the box's new length and head; a
    ballot also becomes the member's current one. (A cast's usual path is `cast`'s one
    statement; this one serves a cast that waited, and removals.)"""
    seq = box.entries + 1
    replaces = current[0] if current else None
    previous = box.head or crypto.chain_start(box_context(box.box_id), box.public)
    chain = crypto.chain_next(previous, seq, tracker, replaces)
    values = {
        "box_id": box.box_id, "seq": seq, "tracker": tracker, "chain": chain,
        "replaces": replaces, "ciphertext": ciphertext, "proof": proof, "accepted_at": utcnow(),
    }  # fmt: skip
    statements = _append_statements(dialects.name())
    ballot_id = db.session.scalar(statements.entry, values)
    db.session.execute(statements.moved, values)
    if ciphertext is not None:
        db.session.execute(
            statements.voter, {"box_id": box.box_id, "member_id": member_id, "ballot_id": ballot_id}
        )
    return seq


@dataclass(frozen=True)
class _Appends:
    entry: Executable  # the entry alone, its id returned
    moved: Executable  # the box's new length and head
    voter: Executable  # the member's current ballot


@cache  # built once per kind of database, with bind parameters
def _append_statements(kind: str) -> _Appends:
    columns = [column.key for column in Ballot.__table__.columns if column.key != "id"]
    entry = insert(Ballot).values({name: bindparam(name) for name in columns}).returning(Ballot.id)
    moved = (
        update(BallotBox)
        .where(BallotBox.id == bindparam("box_id"))
        .values(entries=bindparam("seq"), head=bindparam("chain"))
    )
    names = ("box_id", "member_id", "ballot_id")
    voter = _current_ballot_upsert(
        dialects.insert_or_skip(BoxVoter.__table__, kind).values(
            {name: bindparam(name) for name in names}
        )
    )
    return _Appends(entry, moved, voter)


def _current_ballot_upsert(insert_voter):
    """The member's pointer to their current ballot: added, or moved to the new one."""
    return insert_voter.on_conflict_do_update(
        index_elements=[BoxVoter.box_id, BoxVoter.member_id],
        set_={"ballot_id": insert_voter.excluded.ballot_id},
    )


def my_tracker(box_id: int, member_id: int) -> bytes | None:
    return db.session.scalar(
        select(Ballot.tracker)
        .join(BoxVoter, BoxVoter.ballot_id == Ballot.id)
        .where(BoxVoter.box_id == box_id, BoxVoter.member_id == member_id)
    )


def close(box_id: int, now: datetime) -> bool:
    """Take no more ballots. Waits for every cast in flight (they hold the row)."""
    closed = db.session.execute(
        update(BallotBox)
        .where(BallotBox.id == box_id, BallotBox.closed_at.is_(None))
        .values(closed_at=now)
    )
    return bool(closed.rowcount)


def entries(box_id: int) -> list[Entry]:
    rows = db.session.execute(
        select(
            Ballot.seq, Ballot.tracker, Ballot.chain, Ballot.replaces, Ballot.ciphertext,
            Ballot.proof,
        ).where(Ballot.box_id == box_id).order_by(Ballot.seq)
    )  # fmt: skip
    return [Entry(*row) for row in rows]


def count(box: BallotBox) -> tuple[int, ...]:
    """Add up the counted ballots under encryption, decrypt only the total, with a proof,
    and keep the record. The count of each choice, in the order of the box's weights."""
    ballots = counted(entries(box.id))
    total = crypto.tally(crypto.Ciphertext.from_bytes(entry.ciphertext) for entry in ballots)
    context = box_context(box.id)
    if ballots:
        share, proof = crypto.partial_decrypt(keys.load(box.public_key), total, context)
    else:
        share, proof = crypto.IDENTITY, b""
    if not crypto.verify_decryption(box.public_key, total, share, proof, context):
        raise crypto.CryptoError("the vote's key did not decrypt its total")
    counts = crypto.decode_counts(crypto.sub(total.b, share), box.weight_list, len(ballots))
    box.counted = len(ballots)
    box.total = total.to_bytes()
    box.decryption = share
    box.decryption_proof = proof or None
    return counts


def discard(box_id: int) -> None:
    """A withdrawn vote: its ballots and who took part go (the key with the commit)."""
    db.session.execute(delete(BoxVoter).where(BoxVoter.box_id == box_id))
    db.session.execute(delete(Ballot).where(Ballot.box_id == box_id))


def destroy_spent_keys() -> int:
    """Destroy the key of every closed box (counted or withdrawn) and of any key file
    whose box was never committed. Run after the commit that closed a box, and by the
    closing task every minute, so a failed commit never loses a key still needed."""
    destroyed = 0
    for public in keys.stored():
        box = db.session.execute(
            select(BallotBox.closed_at, BallotBox.counted, BallotBox.created_at).where(
                BallotBox.public_key == public
            )
        ).first()
        if box is None:
            if keys.older_than(public, ORPHAN_AFTER):  # never committed, or deleted
                keys.destroy(public)
                destroyed += 1
            continue
        if box.closed_at is not None:
            keys.destroy(public)
            destroyed += 1
    return destroyed
