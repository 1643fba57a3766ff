"""Reading proposals for lists: what a reader may see, grouped by where the vote stands."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union_all

from coop.accounts.models import Member
from coop.accounts.permissions import sees_members_only
from coop.cache import INF, changes_by_the_clock
from coop.extensions import db
from coop.proposals.models import Proposal, Visibility
from coop.proposals.services import count_due_on_read
from coop.uktime import utcnow

RESULTS_SHOWN = 50


@changes_by_the_clock
def next_vote_change() -> float:
    """When the next vote opens or closes (a timestamp): kept pages showing votes expire
    then (coop/cache.py)."""
    now = utcnow()
    live = Proposal.withdrawn_at.is_(None), Proposal.closed_at.is_(None)
    moments = union_all(
        select(func.min(Proposal.opens_at).label("at")).where(*live, Proposal.opens_at > now),
        select(func.min(Proposal.closes_at).label("at")).where(*live, Proposal.closes_at > now),
    ).subquery()
    soonest: datetime | None = db.session.scalar(select(func.min(moments.c.at)))
    return soonest.timestamp() if soonest else INF


@dataclass
class ProposalLists:
    voting: list[Proposal]
    upcoming: list[Proposal]
    results: list[Proposal]
    counting: list[Proposal]  # closed, not yet counted (when reads leave counting to beat)


def proposal_lists(reader: Member | None, now: datetime | None = None) -> ProposalLists:
    """Open, upcoming and recently closed proposals, in three queries. A vote past its time
    is counted first where reads count (as on its own page), and never listed as open."""
    now = now or utcnow()
    count_due_on_read(now)
    visible = select(Proposal).where(Proposal.withdrawn_at.is_(None))
    if not sees_members_only(reader):
        visible = visible.where(Proposal.visibility == Visibility.PUBLIC)
    unclosed = db.session.scalars(
        visible.where(Proposal.outcome.is_(None)).order_by(Proposal.closes_at)
    ).all()
    results = db.session.scalars(
        visible.where(Proposal.outcome.is_not(None))
        .order_by(Proposal.closed_at.desc())
        .limit(RESULTS_SHOWN)
    ).all()
    return ProposalLists(
        voting=[p for p in unclosed if p.opens_at <= now < p.closes_at],
        counting=[p for p in unclosed if p.closes_at <= now],
        upcoming=[p for p in unclosed if p.opens_at > now],
        results=list(results),
    )
