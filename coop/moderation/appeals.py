"""Appeals: once per action, by the member it concerns, decided with a reason by an
organiser other than the one who acted (where the network has more than one)."""

from sqlalchemy import func, select

from coop.accounts.models import Member, Role
from coop.accounts.permissions import is_member, require_organiser
from coop.audit import services as audit
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db, utcnow
from coop.ideas.models import Idea, Stage
from coop.moderation.models import Appeal, ModerationAction
from coop.moderation.services import _load_target
from coop.moderation.states import ModerationState
from coop.notifications.services import notify
from coop.validation import required_text

APPEALABLE = {"hide", "decline", "suspend"}


def _action(action_id: int) -> ModerationAction:
    action = db.session.get(ModerationAction, action_id)
    if action is None:
        raise NotFound("We could not find that moderation action.")
    return action


def check_can_appeal(actor: Member, action_id: int) -> ModerationAction:
    """Suspended members can appeal too, so this asks only for a signed-in owner."""
    action = _action(action_id)
    if not is_member(actor) or action.member_id != actor.id:
        raise NotAllowed("Only the member concerned can appeal this action.")
    if action.action not in APPEALABLE:
        raise Invalid("This action cannot be appealed.")
    if db.session.scalar(select(Appeal.id).where(Appeal.action_id == action.id)):
        raise Conflict("You have already appealed this action.")
    return action


def appeal(actor: Member, action_id: int, statement: str) -> Appeal:
    action = check_can_appeal(actor, action_id)
    statement = required_text(statement, "statement", 2000, "why you appeal")
    entry = Appeal(action_id=action.id, appellant_id=actor.id, statement=statement)
    db.session.add(entry)
    db.session.flush()
    return entry


def _organiser_count() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Member)
        .where(Member.role.in_([Role.ORGANISER, Role.ADMIN]), Member.banned_at.is_(None))
    )


def decide(actor: Member, appeal_id: int, outcome: str, reason: str) -> Appeal:
    require_organiser(actor)
    entry = db.session.get(Appeal, appeal_id)
    if entry is None:
        raise NotFound("We could not find that appeal.")
    if entry.decided_at is not None:
        raise Conflict("This appeal has already been decided.")
    if outcome not in ("upheld", "overturned"):
        raise Invalid("Choose to uphold or overturn the action.", "outcome")
    reason = required_text(reason, "reason", 2000, "the reason for your decision")
    action = _action(entry.action_id)
    if entry.appellant_id == actor.id:
        raise NotAllowed("You cannot decide your own appeal.")
    if action.moderator_id == actor.id and _organiser_count() > 1:
        raise NotAllowed("Another organiser must decide an appeal against your own action.")
    if outcome == "overturned":
        _undo(action)
    entry.outcome, entry.decision_reason = outcome, reason
    entry.decided_by_id, entry.decided_at = actor.id, utcnow()
    audit.record(actor, f"appeal.{outcome}", "appeal", entry.id, reason=reason,
                 action_id=action.id)  # fmt: skip
    appellant = db.session.get(Member, entry.appellant_id or 0)
    if appellant is not None:
        verdict = "The action was reversed." if outcome == "overturned" else "The action stands."
        notify(appellant, f"Your appeal was decided. {verdict} Reason: {reason}",
               "moderation.mine")  # fmt: skip
    return entry


def _undo(action: ModerationAction) -> None:
    target = _load_target(action.target_type, action.target_id)
    if action.action == "hide":
        target.moderation_state = ModerationState.PUBLISHED
        target.moderation_category = target.moderation_reason = None
    elif action.action == "decline" and isinstance(target, Idea):
        target.stage, target.moderation_reason = Stage.DISCUSSION, None
    elif action.action == "suspend":
        target.suspended_until = None
