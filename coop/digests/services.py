"""Plan, claim and send digests so that every member gets exactly one per period.

- `plan` splits the members due a digest into id ranges, one task each (fan-out).
- `send_batch` claims a range's digests by inserting their rows; the unique key on
  (member, frequency, period) means a second run of the same batch (beat fired twice, a
  redelivered task, a second worker) claims nothing and sends nothing.
- Each email is marked sent in its own commit right after the SMTP server accepts it, so
  a worker killed mid-batch resends nothing it had sent. Digests a dead worker had claimed
  but not sent are taken over by `retry_due` once their lease runs out.
- SMTP failures back off exponentially (the outbox's schedule); after the last attempt
  the digest is marked failed, and admins see it.
"""

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from flask import current_app
from sqlalchemy import bindparam, delete, exists, func, select, text, update

from coop.accounts.models import Member
from coop.accounts.permissions import require_admin
from coop.audit.services import record
from coop.db import dialects
from coop.digests.content import DigestContent, Recipient, build_contents
from coop.digests.emails import DigestWriter
from coop.digests.models import Digest, DigestStatus
from coop.digests.periods import covers_from
from coop.errors import Conflict, NotFound
from coop.extensions import db
from coop.mail.backends import open_mailer
from coop.mail.services import max_attempts, retry_delay
from coop.uktime import utcnow

log = logging.getLogger(__name__)
KEPT_FOR = timedelta(days=180)


def _eligible(frequency: str, start: datetime):
    """Members who chose this frequency, could read it, and joined before the period."""
    return (
        Member.digest_frequency == frequency,
        Member.email_verified_at.is_not(None),
        Member.banned_at.is_(None),
        Member.created_at < start,
    )


def _has_digest(frequency: str, start: datetime):
    return exists().where(
        Digest.member_id == Member.id,
        Digest.frequency == frequency,
        Digest.period_start == start,
    )


def plan(frequency: str, start: datetime) -> list[tuple[int, int]]:
    """Id ranges of at most DIGEST_BATCH_SIZE members still without this period's digest."""
    query = (
        select(Member.id)
        .where(*_eligible(frequency, start), ~_has_digest(frequency, start))
        .order_by(Member.id)
    )
    ids = db.session.scalars(query).all()
    size = current_app.config["DIGEST_BATCH_SIZE"]
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


@dataclass(frozen=True)
class Planned:
    batches: list[tuple[int, int]]
    members: int
    reason: str  # why nobody, when nobody


def plan_now(frequency: str, now: datetime) -> Planned:
    """The operator's "send now": a digest for `now` to everyone who wants one, of what is
    new since their previous digest (or since they joined). Keyed on `now`, it shares no
    row with a scheduled period, so the scheduled runs keep their exactly-once guarantee;
    and the next digest, scheduled or not, starts where this one ended, so nothing is sent
    twice. A member with nothing new gets no email."""
    batches = plan(frequency, now)
    members = sum(
        db.session.scalar(
            select(func.count()).where(*_eligible(frequency, now), Member.id.between(first, last))
        )
        for first, last in batches
    )
    reason = ""
    if not batches:
        wanting = db.session.scalar(
            select(func.count()).where(Member.digest_frequency == frequency)
        )
        reason = (
            f"no member has chosen {frequency} digests"
            if not wanting
            else f"none of the {wanting} members who chose {frequency} digests has confirmed "
            "their address (or all are banned)"
        )
    return Planned(batches, members, reason)


def send_batch(frequency: str, start: datetime, first_id: int, last_id: int) -> int:
    """Claim and send the digests of members first_id..last_id. Returns how many it sent."""
    members = db.session.scalars(
        select(Member)
        .where(
            *_eligible(frequency, start),
            ~_has_digest(frequency, start),
            Member.id.between(first_id, last_id),
        )
        .order_by(Member.id)
    ).all()
    if not members:
        db.session.rollback()
        return 0
    previous = _previous_digests([m.id for m in members], start)
    recipients = [
        Recipient(
            m.id, m.can_contribute, covers_from(frequency, start, previous.get(m.id), m.created_at)
        )
        for m in members
    ]
    now = utcnow()
    contents = build_contents(recipients, start, now)
    claimed = _claim(frequency, start, recipients, contents, now)
    by_id = {m.id: m for m in members}
    work = [(digest, by_id[digest.member_id], contents[digest.member_id]) for digest in claimed]
    db.session.expunge_all()  # keep what was loaded: commits below must not expire it
    db.session.commit()
    return _deliver(work)


def _previous_digests(member_ids: list[int], start: datetime) -> dict[int, datetime]:
    query = (
        select(Digest.member_id, func.max(Digest.period_start))
        .where(
            Digest.member_id.in_(member_ids),
            Digest.period_start < start,
            Digest.status.in_([DigestStatus.SENT, DigestStatus.EMPTY]),
        )
        .group_by(Digest.member_id)
    )
    return {member_id: start for member_id, start in db.session.execute(query)}


def _claim(
    frequency: str,
    start: datetime,
    recipients: list[Recipient],
    contents: dict[int, DigestContent],
    now: datetime,
) -> list[Digest]:
    """Insert this period's rows; those another run inserted first are not ours to send."""
    lease_end = now + timedelta(seconds=current_app.config["DIGEST_LEASE_SECONDS"])
    rows = []
    for recipient in recipients:
        empty = contents[recipient.member_id].is_empty
        rows.append(
            {
                "member_id": recipient.member_id,
                "frequency": frequency,
                "period_start": start,
                "covers_from": recipient.covers_from,
                "status": DigestStatus.EMPTY if empty else DigestStatus.PENDING,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": None if empty else lease_end,
            }
        )
    statement = (
        dialects.insert_or_skip(Digest)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(Digest.id, Digest.member_id, Digest.status, Digest.covers_from)
    )
    claimed = db.session.execute(statement).all()
    return [
        Digest(
            id=digest_id,
            member_id=member_id,
            frequency=frequency,
            period_start=start,
            covers_from=since,
        )
        for digest_id, member_id, status, since in claimed
        if status == DigestStatus.PENDING
    ]


def _deliver(work: list[tuple[Digest, Member, DigestContent]]) -> int:
    """Send over one connection; each success is committed before the next message.
    A refused address fails that digest alone; a broken connection postpones the rest."""
    sent = done = 0
    writer = DigestWriter()
    try:
        with open_mailer() as mailer, _sent_marker() as mark_sent:
            for digest, member, content in work:
                try:
                    mailer.send(writer.message(member, digest, content), f"digest-{digest.id}")
                except smtplib.SMTPRecipientsRefused as error:
                    _record_failure(digest.id, error, permanent=True)
                else:
                    mark_sent(digest.id)
                    sent += 1
                done += 1
    except Exception as error:
        db.session.rollback()
        if done < len(work):  # work[done] was being sent; the rest were not tried
            _record_failure(work[done][0].id, error)
            _postpone([digest.id for digest, _, _ in work[done + 1 :]])
    return sent


@contextmanager
def _sent_marker() -> Iterator[Callable[[int], None]]:
    """Mark digests sent, each in its own commit, on a connection of its own: two round
    trips per email. On PostgreSQL these commits do not wait for the disk: they survive
    the worker dying, and only a crash of PostgreSQL itself could lose the last fraction of
    a second (and resend those few digests)."""
    statement = (
        update(Digest)
        .where(Digest.id == bindparam("digest_id"))
        .values(
            status=DigestStatus.SENT,
            sent_at=bindparam("sent_at"),
            attempts=Digest.attempts + 1,
            next_attempt_at=None,
            last_error=None,
        )
    )
    without_disk_wait = dialects.has_asynchronous_commit(db.engine)
    with db.engine.connect() as connection:
        if without_disk_wait:
            connection.execute(text("SET synchronous_commit TO OFF"))
            connection.commit()

        def mark_sent(digest_id: int) -> None:
            connection.execute(statement, {"digest_id": digest_id, "sent_at": utcnow()})
            connection.commit()

        try:
            yield mark_sent
        finally:
            if without_disk_wait:
                connection.rollback()
                connection.execute(text("RESET synchronous_commit"))
                connection.commit()


def _record_failure(digest_id: int, error: Exception, permanent: bool = False) -> None:
    # The error's text may hold the address (a refused recipient): its kind and code only.
    code = getattr(error, "smtp_code", None)
    log.warning(
        "digest %s not sent: %s%s", digest_id, type(error).__name__, f" {code}" if code else ""
    )
    digest = db.session.get(Digest, digest_id)
    digest.attempts += 1
    digest.last_error = str(error)[:500] or type(error).__name__
    if permanent or digest.attempts >= max_attempts():
        digest.status = DigestStatus.FAILED
        digest.failed_at = utcnow()
        digest.next_attempt_at = None
    else:
        digest.next_attempt_at = utcnow() + retry_delay(digest.attempts)
    db.session.commit()


def _postpone(digest_ids: list[int]) -> None:
    """Not tried because the connection broke: try again soon, no attempt counted."""
    if digest_ids:
        db.session.execute(
            update(Digest)
            .where(Digest.id.in_(digest_ids))
            .values(next_attempt_at=utcnow() + retry_delay(0))
        )
    db.session.commit()


def retry_due(limit: int | None = None) -> int:
    """Send pending digests whose retry time or lease has come. Returns how many it sent."""
    now = utcnow()
    limit = limit or current_app.config["DIGEST_BATCH_SIZE"]
    lease_end = now + timedelta(seconds=current_app.config["DIGEST_LEASE_SECONDS"])
    due = (
        select(Digest.id)
        .where(Digest.status == DigestStatus.PENDING, Digest.next_attempt_at <= now)
        .order_by(Digest.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.execute(
        update(Digest)
        .where(Digest.id.in_(due.scalar_subquery()), Digest.next_attempt_at <= now)
        .values(next_attempt_at=lease_end)
        .returning(
            Digest.id, Digest.member_id, Digest.frequency, Digest.period_start, Digest.covers_from
        )
    ).all()
    db.session.commit()
    sent = 0
    key = lambda row: (row.frequency, row.period_start)  # noqa: E731
    for (frequency, start), rows in groupby(sorted(claimed, key=key), key=key):
        sent += _resend(frequency, start, list(rows), now)
    return sent


def _resend(frequency: str, start: datetime, rows: list, now: datetime) -> int:
    members = {
        m.id: m
        for m in db.session.scalars(
            select(Member).where(Member.id.in_([r.member_id for r in rows]))
        )
    }
    outcome: dict[str, list[int]] = defaultdict(list)
    recipients = []
    for row in rows:
        member = members.get(row.member_id)
        if member is None or member.digest_frequency != frequency or member.is_banned:
            outcome[DigestStatus.SKIPPED].append(row.id)
        else:
            recipients.append(Recipient(member.id, member.can_contribute, row.covers_from))
    contents = build_contents(recipients, start, now)
    work = []
    for row in rows:
        content = contents.get(row.member_id)
        if content is None:
            continue
        if content.is_empty:
            outcome[DigestStatus.EMPTY].append(row.id)
        else:
            digest = Digest(id=row.id, member_id=row.member_id, frequency=frequency,
                            period_start=start, covers_from=row.covers_from)  # fmt: skip
            work.append((digest, members[row.member_id], content))
    for status, ids in outcome.items():
        db.session.execute(
            update(Digest).where(Digest.id.in_(ids)).values(status=status, next_attempt_at=None)
        )
    db.session.expunge_all()
    db.session.commit()
    return _deliver(work)


def forget_old_digests(before: datetime) -> int:
    return db.session.execute(delete(Digest).where(Digest.period_start < before)).rowcount


def retry_failed(actor: Member, digest_id: int) -> Digest:
    require_admin(actor)
    digest = db.session.get(Digest, digest_id)
    if digest is None:
        raise NotFound("No such digest.")
    if digest.status != DigestStatus.FAILED:
        raise Conflict("Only a failed digest can be tried again.")
    digest.status = DigestStatus.PENDING
    digest.attempts = 0
    digest.failed_at = None
    digest.next_attempt_at = utcnow()
    record(actor, "digest.retry", "digest", digest.id)
    return digest
