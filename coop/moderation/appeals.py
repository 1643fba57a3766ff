"""Appeals: once per action, by the member it concerns, decided with a reason by an
organiser other than the one who acted (where the network has more than one).

Overturning undoes only what the appealed action still governs: a later action on the same
item or member (a newer suspension, a restore then a new hide) has replaced it, and is left
alone. The audit entry says which it was (`undone`, or `superseded_by` the newer action)."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coop.accounts.models import Member, Role
from coop.accounts.permissions import is_member, require_organiser
from coop.audit import services as audit
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.ideas.models import Idea, Stage
from coop.moderation.models import Appeal, ModerationAction
from coop.moderation.services import load_target
from coop.moderation.states import ModerationState
from coop.notifications.services import notify
from coop.uktime import utcnow
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
    try:
        db.session.flush()
    except IntegrityError as error:  # sent twice at the same moment
        raise Conflict("You have already appealed this action.") from error
    return entry


def _verdict(outcome: str, effect: dict) -> str:
    if outcome == "upheld":
        return "The action stands."
    if effect["undone"]:
        return "The action was reversed."
    return "The action was overturned, but a later moderation action replaced it and still applies."


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
    effect = {}
    if outcome == "overturned":
        effect = _undo(action)
    entry.outcome, entry.decision_reason = outcome, reason
    entry.decided_by_id, entry.decided_at = actor.id, utcnow()
    audit.record(actor, f"appeal.{outcome}", "appeal", entry.id, reason=reason,
                 action_id=action.id, **effect)  # fmt: skip
    appellant = db.session.get(Member, entry.appellant_id or 0)
    if appellant is not None:
        verdict = _verdict(outcome, effect)
        notify(appellant, f"Your appeal was decided. {verdict} Reason: {reason}",
               "moderation.mine")  # fmt: skip
    return entry


# Which later actions replace an earlier one on the same target: each family sets one state.
SAME_STATE = {
    "hide": {"approve", "hide", "restore"},
    "decline": {"decline"},
    "suspend": {"suspend", "lift"},
}


def _superseded_by(action: ModerationAction) -> int | None:
    """The newest later action that set the same state of the same target, if any."""
    return db.session.scalar(
        select(ModerationAction.id)
        .where(
            ModerationAction.target_type == action.target_type,
            ModerationAction.target_id == action.target_id,
            ModerationAction.action.in_(SAME_STATE[action.action]),
            ModerationAction.id > action.id,
        )
        .order_by(ModerationAction.id.desc())
        .limit(1)
    )


def _undo(action: ModerationAction) -> dict:
    """Reverse `action` where it still governs its target; what happened, for the audit log."""
    newer = _superseded_by(action)
    if newer is not None:
        return {"undone": False, "superseded_by": newer}
    target = load_target(action.target_type, action.target_id)
    if action.action == "hide" and target.moderation_state == ModerationState.HIDDEN:
        target.moderation_state = ModerationState.PUBLISHED
        target.moderation_category = target.moderation_reason = None
    elif action.action == "decline" and isinstance(target, Idea):
        if target.stage == Stage.DECLINED:
            target.stage, target.moderation_reason = Stage.DISCUSSION, None
    elif action.action == "suspend":
        target.suspended_until = None
    return {"undone": True}
