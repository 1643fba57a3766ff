"""Reading a ballot box for its public pages, feed and record."""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from coop.ballots.models import Ballot, BallotBox
from coop.ballots.record import FORMAT, parse_tracker
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


@dataclass(frozen=True)
class Listing:
    """A page of a box's public list, as its page shows it, and a tracker looked up."""

    summary: Summary
    entries: list
    page: int
    pages: int
    searched: str
    search_error: str | None
    found: Ballot | None
    found_replaced: bool
    status: int  # 400 for a tracker that is not one, 404 for one not on the list


def listing(box_id: int, page: int | None, searched: str) -> Listing:
    """The page of entries asked for (out of range: the first) and the tracker searched."""
    page = page if page is not None and 1 <= page <= 10**7 else 1
    searched = searched[:200]
    found = error = None
    status = 200
    if searched:
        tracker = parse_tracker(searched)
        found = find(box_id, tracker) if tracker else None
        if tracker is None:
            status, error = (
                400,
                "A tracker is 64 letters and digits (0-9, a-f); spaces do not matter.",
            )
        elif found is None:
            status, error = 404, "No ballot on this list has that tracker."
    total = summary(box_id)
    return Listing(
        summary=total, entries=page_of_entries(box_id, page), page=page,
        pages=max(1, -(-total.entries // PER_PAGE)), searched=searched, search_error=error,
        found=found, found_replaced=found is not None and is_replaced(box_id, found.seq),
        status=status,
    )  # fmt: skip
