"""Reports, pre-moderation and moderators' actions. Every action needs a reason, is kept as
a ModerationAction the member can see and appeal, goes into the audit log, and the member
is told. Callers commit."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from coop.accounts.models import Member
from coop.accounts.permissions import require_contributor, require_organiser
from coop.audit import services as audit
from coop.comments.models import Comment
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.ideas.models import Idea, Stage
from coop.moderation.models import ModerationAction, Report
from coop.moderation.rules import can_see, initial_state, is_listed  # noqa: F401 - this API
from coop.moderation.states import REASONS, ModerationState
from coop.notifications.services import notify
from coop.proposals.models import Proposal
from coop.uktime import utcnow
from coop.validation import optional_text, required_text

CONTENT = {"idea": Idea, "comment": Comment}
ACTIONS = {
    "idea": {"approve", "hide", "restore", "decline", "lock", "unlock"},
    "comment": {"approve", "hide", "restore"},
    "proposal": {"lock", "unlock"},
    "member": {"suspend", "ban", "lift"},
}
PAST_TENSE = {
    "approve": "approved", "hide": "hidden", "restore": "restored", "decline": "declined",
    "lock": "closed to new comments", "unlock": "reopened to comments",
    "suspend": "suspended", "ban": "banned", "lift": "cleared of its suspension or ban",
}  # fmt: skip


def load_content(target_type: str, target_id: int) -> Idea | Comment:
    model = CONTENT.get(target_type)
    item = db.session.get(model, target_id) if model else None
    if item is None or getattr(item, "is_deleted", False):
        raise NotFound("We could not find that item.")
    return item


def reportable(actor: Member, target_type: str, target_id: int) -> Idea | Comment:
    """The item, if this member may report it (others' pending work does not exist)."""
    require_contributor(actor)
    item = load_content(target_type, target_id)
    if not is_listed(actor, item):
        raise NotFound("We could not find that item.")
    return item


def report(actor: Member, target_type: str, target_id: int, reason: str, note: str) -> Report:
    item = reportable(actor, target_type, target_id)
    if item.author_id == actor.id:
        raise Invalid("You cannot report your own contribution.")
    if reason not in REASONS:
        raise Invalid("Choose a reason.", "reason")
    note = optional_text(note, "note", 500, "the note")
    already = select(Report.id).where(
        Report.reporter_id == actor.id,
        Report.target_type == target_type,
        Report.target_id == target_id,
    )
    if db.session.scalar(already):
        raise Conflict("You have already reported this. Moderators will look at it.")
    entry = Report(
        reporter_id=actor.id, target_type=target_type, target_id=target_id, reason=reason, note=note
    )
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same report sent twice at the same moment
        raise Conflict("You have already reported this.") from error
    model = CONTENT[target_type]
    db.session.execute(
        update(model).where(model.id == target_id).values(report_count=model.report_count + 1)
    )
    db.session.refresh(item)
    threshold = current_app.config["REPORT_HIDE_THRESHOLD"]
    if item.report_count >= threshold and item.moderation_state == ModerationState.PUBLISHED:
        item.moderation_state = ModerationState.HELD
        _tell_author(item, "is hidden while moderators review reports about it.")
    return entry


def _describe(item: Idea | Comment | Proposal | Member) -> str:
    if isinstance(item, Idea):
        return f"Your idea “{item.title}”"
    if isinstance(item, Comment):
        return "Your comment"
    if isinstance(item, Proposal):
        return f"The proposal “{item.question}”"
    return "Your account"


def _link(item) -> tuple[str | None, dict]:
    if isinstance(item, Idea):
        return "ideas.show", {"idea_id": item.id, "slug": item.slug}
    if isinstance(item, Comment) and item.idea_id:
        return "ideas.show", {"idea_id": item.idea_id, "slug": "comment"}
    if isinstance(item, Comment):
        return "proposals.show", {"proposal_id": item.proposal_id, "slug": "comment"}
    return "moderation.mine", {}


def _tell_author(item, what: str) -> None:
    author = item if isinstance(item, Member) else db.session.get(Member, item.author_id or 0)
    if author is None:
        return
    endpoint, values = _link(item)
    notify(author, f"{_describe(item)} {what}", endpoint, **values)


def act(
    actor: Member,
    action: str,
    target_type: str,
    target_id: int,
    reason: str,
    category: str | None = None,
    days: int | None = None,
) -> ModerationAction:
    require_organiser(actor)
    if action not in ACTIONS.get(target_type, set()):
        raise Invalid("That action does not apply here.")
    reason = required_text(reason, "reason", 2000, "the reason for this action")
    target = load_target(target_type, target_id)
    if getattr(target, "author_id", None) == actor.id:
        raise NotAllowed("Another moderator must act on your own contributions.")
    if action == "hide" and category not in REASONS:
        raise Invalid("Choose the category of the reason.", "category")
    _APPLY[action](actor, target, category=category, reason=reason, days=days)
    member_id = target.id if isinstance(target, Member) else getattr(target, "author_id", None)
    record = ModerationAction(
        moderator_id=actor.id,
        member_id=member_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        category=category if action == "hide" else None,
        reason=reason,
        days=days if action == "suspend" else None,
    )
    db.session.add(record)
    db.session.flush()
    audit.record(actor, f"moderation.{action}", target_type, target_id, reason=reason,
                 category=record.category, days=record.days)  # fmt: skip
    if not isinstance(target, Proposal):
        _tell_author(target, f"was {PAST_TENSE[action]} by a moderator. Reason: {reason}")
    return record


def load_target(target_type: str, target_id: int):
    if target_type in CONTENT:
        return load_content(target_type, target_id)
    model = {"proposal": Proposal, "member": Member}[target_type]
    target = db.session.get(model, target_id)
    if target is None:
        raise NotFound("We could not find that item.")
    return target


def _resolve_reports(item: Idea | Comment) -> None:
    target_type = "idea" if isinstance(item, Idea) else "comment"
    db.session.execute(
        update(Report)
        .where(
            Report.target_type == target_type,
            Report.target_id == item.id,
            Report.resolved_at.is_(None),
        )
        .values(resolved_at=utcnow())
    )
    item.report_count = 0


def _approve(actor, item, **_) -> None:
    if item.moderation_state == ModerationState.HIDDEN:
        raise Conflict("This was hidden by a moderator: restore it instead.")
    if item.moderation_state == ModerationState.PENDING:
        author = db.session.get(Member, item.author_id or 0)
        if author is not None:
            author.approved_contributions += 1
        _count_comment(item, +1)
    item.moderation_state = ModerationState.PUBLISHED
    _resolve_reports(item)


def _count_comment(item, change: int) -> None:
    if isinstance(item, Comment):
        from coop.comments.services import change_comment_count, comment_target

        change_comment_count(comment_target(item), change)


def _hide(actor, item, category, reason, **_) -> None:
    if item.moderation_state == ModerationState.PENDING:
        _count_comment(item, +1)  # it now shows, as a tombstone, in the thread
    item.moderation_state = ModerationState.HIDDEN
    item.moderation_category, item.moderation_reason = category, reason
    _resolve_reports(item)


def _restore(actor, item, **_) -> None:
    if item.moderation_state not in (ModerationState.HIDDEN, ModerationState.HELD):
        raise Conflict("Only hidden content can be restored.")
    item.moderation_state = ModerationState.PUBLISHED
    item.moderation_category = item.moderation_reason = None
    _resolve_reports(item)


def _decline(actor, idea: Idea, reason, **_) -> None:
    if idea.stage != Stage.DISCUSSION:
        raise Conflict("Only an idea open for discussion can be declined.")
    idea.stage = Stage.DECLINED
    idea.moderation_reason = reason  # held or pending content stays out of public view


def _lock(actor, item, **_) -> None:
    item.comments_locked = True


def _unlock(actor, item, **_) -> None:
    item.comments_locked = False


def _check_sanction(actor: Member, member: Member) -> None:
    if member.id == actor.id:
        raise NotAllowed("You cannot act on your own account.")
    if member.has_organiser_role and not actor.is_admin:
        raise NotAllowed("Only an admin can suspend or ban an organiser.")


def _suspend(actor, member: Member, days, **_) -> None:
    _check_sanction(actor, member)
    if not isinstance(days, int) or not 1 <= days <= 365:
        raise Invalid("Suspend for 1 to 365 days.", "days")
    member.suspended_until = utcnow() + timedelta(days=days)
    member.end_all_sessions()


def _ban(actor, member: Member, **_) -> None:
    _check_sanction(actor, member)
    member.banned_at = utcnow()
    member.end_all_sessions()


def _lift(actor, member: Member, **_) -> None:
    _check_sanction(actor, member)
    if not member.is_suspended and not member.is_banned:
        raise Conflict("This member is neither suspended nor banned.")
    member.suspended_until = None
    member.banned_at = None


_APPLY = {
    "approve": _approve, "hide": _hide, "restore": _restore, "decline": _decline,
    "lock": _lock, "unlock": _unlock, "suspend": _suspend, "ban": _ban, "lift": _lift,
}  # fmt: skip
