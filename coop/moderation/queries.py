"""What the moderation queue shows, in a fixed number of queries."""

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from coop.accounts.models import Member
from coop.accounts.permissions import require_organiser
from coop.comments.models import Comment
from coop.extensions import db
from coop.ideas.models import Idea
from coop.moderation.models import Appeal, ModerationAction, Report
from coop.moderation.states import ModerationState

QUEUE_LIMIT = 100
WAITING = (ModerationState.PENDING, ModerationState.HELD)


@dataclass
class QueueItem:
    target_type: str
    item: Idea | Comment
    reasons: dict[str, int] = field(default_factory=dict)
    author_actions: int = 0

    @property
    def open_reports(self) -> int:
        return sum(self.reasons.values())


def _waiting(model):
    return (
        select(model)
        .where(or_(model.moderation_state.in_(WAITING), model.report_count > 0))
        .order_by(model.report_count.desc(), model.created_at)
        .limit(QUEUE_LIMIT)
    )


def queue(actor: Member) -> list[QueueItem]:
    """Items awaiting review and reported items, most reported first, with the reports'
    reasons and how often moderators acted on each author before."""
    require_organiser(actor)
    ideas = db.session.scalars(_waiting(Idea)).all()
    comments = db.session.scalars(_waiting(Comment).where(Comment.deleted_at.is_(None))).all()
    items = [QueueItem("idea", i) for i in ideas] + [QueueItem("comment", c) for c in comments]
    if not items:
        return []
    _add_reasons(items)
    _add_author_history(items)
    return sorted(items, key=lambda q: (-q.open_reports, q.item.created_at))


def _add_reasons(items: list[QueueItem]) -> None:
    keys = {(q.target_type, q.item.id): q for q in items}
    rows = db.session.execute(
        select(Report.target_type, Report.target_id, Report.reason, func.count())
        .where(
            Report.resolved_at.is_(None),
            or_(
                *[
                    (Report.target_type == kind)
                    & Report.target_id.in_([q.item.id for q in items if q.target_type == kind])
                    for kind in ("idea", "comment")
                ],
            ),
        )
        .group_by(Report.target_type, Report.target_id, Report.reason)
    )
    for target_type, target_id, reason, count in rows:
        if (target_type, target_id) in keys:
            keys[(target_type, target_id)].reasons[reason] = count


def _add_author_history(items: list[QueueItem]) -> None:
    authors = {q.item.author_id for q in items if q.item.author_id}
    counts = dict(
        db.session.execute(
            select(ModerationAction.member_id, func.count())
            .where(ModerationAction.member_id.in_(authors))
            .group_by(ModerationAction.member_id)
        ).all()
    )
    for q in items:
        q.author_actions = counts.get(q.item.author_id, 0)


def open_appeals(actor: Member) -> list[tuple[Appeal, ModerationAction]]:
    require_organiser(actor)
    return list(
        db.session.execute(
            select(Appeal, ModerationAction)
            .join(ModerationAction, Appeal.action_id == ModerationAction.id)
            .where(Appeal.decided_at.is_(None))
            .order_by(Appeal.created_at)
        ).all()
    )


def reports_on(target_type: str, target_id: int) -> list[Report]:
    return list(
        db.session.scalars(
            select(Report)
            .where(Report.target_type == target_type, Report.target_id == target_id)
            .order_by(Report.created_at)
        )
    )


def actions_on(target_type: str, target_id: int) -> list[ModerationAction]:
    return list(
        db.session.scalars(
            select(ModerationAction)
            .where(
                ModerationAction.target_type == target_type, ModerationAction.target_id == target_id
            )
            .order_by(ModerationAction.created_at.desc())
        )
    )


def actions_concerning(member: Member) -> list[tuple[ModerationAction, Appeal | None]]:
    """What moderators did to a member's content or account, with any appeal."""
    return list(
        db.session.execute(
            select(ModerationAction, Appeal)
            .outerjoin(Appeal, Appeal.action_id == ModerationAction.id)
            .where(ModerationAction.member_id == member.id)
            .order_by(ModerationAction.created_at.desc())
        ).all()
    )
