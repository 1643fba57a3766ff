"""Reading a ballot box for its public pages, feed and record."""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from coop.ballots.models import Ballot, BallotBox
from coop.ballots.record import FORMAT
from coop.extensions import db

PER_PAGE = 100
FEED_SIZE = 50


@dataclass(frozen=True)
class Summary:
    entries: int
    head: bytes | None
    last_accepted: datetime | None


def summary(box_id: int) -> Summary:
    count = db.session.scalar(select(func.count()).where(Ballot.box_id == box_id))
    last = db.session.execute(
        select(Ballot.chain, Ballot.accepted_at)
        .where(Ballot.box_id == box_id)
        .order_by(Ballot.seq.desc())
        .limit(1)
    ).first()
    return Summary(count or 0, last.chain if last else None, last.accepted_at if last else None)


def page_of_entries(box_id: int, page: int) -> list[Ballot]:
    """Entries in the order accepted, PER_PAGE a page."""
    return list(
        db.session.scalars(
            select(Ballot)
            .where(Ballot.box_id == box_id, Ballot.seq > (page - 1) * PER_PAGE)
            .order_by(Ballot.seq)
            .limit(PER_PAGE)
        )
    )


def latest_entries(box_id: int, limit: int = FEED_SIZE) -> list[Ballot]:
    return list(
        db.session.scalars(
            select(Ballot).where(Ballot.box_id == box_id).order_by(Ballot.seq.desc()).limit(limit)
        )
    )


def find(box_id: int, tracker: bytes) -> Ballot | None:
    return db.session.scalar(
        select(Ballot).where(Ballot.box_id == box_id, Ballot.tracker == tracker).limit(1)
    )


def is_replaced(box_id: int, seq: int) -> bool:
    query = select(Ballot.id).where(Ballot.box_id == box_id, Ballot.replaces == seq).limit(1)
    return db.session.scalar(query) is not None


def record_chunks(
    box: BallotBox, about: dict, choices: Sequence[str], result: dict | None
) -> Iterator[str]:
    """The box's public record as JSON, written a piece at a time (a large vote's record
    runs to tens of megabytes). Ciphertexts and the total only once the box is closed;
    while it is open, the list of trackers as a hash chain."""
    closed = box.closed_at is not None
    head = {
        "format": FORMAT,
        "about": about,
        "box": box.id,
        "choices": list(choices),
        "weights": list(box.weight_list),
        "public_key": box.public_key.hex() if box.public_key else None,
        "closed": closed,
    }
    if closed and box.total is not None:
        head |= {
            "counted": box.counted,
            "total": box.total.hex(),
            "decryption": box.decryption.hex() if box.decryption else None,
            "decryption_proof": box.decryption_proof.hex() if box.decryption_proof else None,
            "result": result,
        }
    yield json.dumps(head, indent=1)[:-2] + ',\n "entries": ['
    rows = db.session.execute(
        select(
            Ballot.seq, Ballot.tracker, Ballot.chain, Ballot.replaces, Ballot.ciphertext,
            Ballot.proof,
        ).where(Ballot.box_id == box.id).order_by(Ballot.seq)
        .execution_options(yield_per=2000)
    )  # fmt: skip
    for number, (seq, tracker, chain, replaces, ciphertext, proof) in enumerate(rows):
        entry = {"seq": seq, "tracker": tracker.hex(), "chain": chain.hex(), "replaces": replaces}
        if closed:
            entry["ciphertext"] = ciphertext.hex() if ciphertext else None
            entry["proof"] = proof.hex() if proof else None
        yield ("\n  " if number == 0 else ",\n  ") + json.dumps(entry)
    yield "\n ]\n}\n"
