"""Reading digests for the admins' page: counts per period and the digests that failed,
never their content (which would tell who has voted)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from coop.accounts.models import Member
from coop.accounts.permissions import require_admin
from coop.digests.models import Digest, DigestStatus
from coop.extensions import db

RECENT_PERIODS = 10
FAILED_SHOWN = 100


@dataclass(frozen=True)
class PeriodSummary:
    frequency: str
    period_start: datetime
    counts: dict[str, int]


def recent_periods(actor: Member) -> list[PeriodSummary]:
    require_admin(actor)
    periods = (
        select(Digest.frequency, Digest.period_start)
        .group_by(Digest.frequency, Digest.period_start)
        .order_by(Digest.period_start.desc(), Digest.frequency)
        .limit(RECENT_PERIODS)
        .subquery()
    )
    query = (
        select(Digest.frequency, Digest.period_start, Digest.status, func.count())
        .join(
            periods,
            (Digest.frequency == periods.c.frequency)
            & (Digest.period_start == periods.c.period_start),
        )
        .group_by(Digest.frequency, Digest.period_start, Digest.status)
    )
    summaries: dict[tuple, dict[str, int]] = {}
    for frequency, start, status, count in db.session.execute(query):
        summaries.setdefault((frequency, start), {})[status] = count
    return [
        PeriodSummary(frequency, start, counts)
        for (frequency, start), counts in sorted(
            summaries.items(), key=lambda i: i[0][1], reverse=True
        )
    ]


def failed_digest_count() -> int:
    """For the operators' metrics (coop/ops/metrics.py): a number, nobody's digest."""
    return db.session.scalar(
        select(func.count()).select_from(Digest).where(Digest.status == DigestStatus.FAILED)
    )


def failed_digests(actor: Member) -> list[tuple[Digest, Member]]:
    require_admin(actor)
    query = (
        select(Digest, Member)
        .join(Member, Member.id == Digest.member_id)
        .where(Digest.status == DigestStatus.FAILED)
        .order_by(Digest.failed_at.desc())
        .limit(FAILED_SHOWN)
    )
    return [(digest, member) for digest, member in db.session.execute(query)]
