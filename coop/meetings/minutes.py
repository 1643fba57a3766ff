"""Minutes: the secretary records a held meeting's minutes; a "minutes" item of a later
meeting is linked to the minutes it approves, before that meeting's notice (so the notice
says which minutes members approve); from the notice the linked text is what members read
and vote on, so it is fixed (the services refuse a change, 409, and the database's triggers
too, migration 0018); when that resolution is carried the minutes are approved, and stay
fixed. Callers commit."""

from datetime import datetime

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from coop.accounts.models import Member
from coop.audit import services as audit
from coop.errors import Conflict, Invalid, NotFound
from coop.extensions import db
from coop.meetings import services as meetings
from coop.meetings.models import MINUTES_MAX, AgendaItem, ItemKind, Meeting, MeetingMinutes
from coop.meetings.voting.models import Outcome, ResolutionVote
from coop.membership.permissions import require_secretary
from coop.uktime import utcnow
from coop.validation import required_text

FIXED = "These minutes were approved at a later general meeting: they are fixed."
FROZEN = (
    "These minutes are on the agenda of a meeting whose notice has been given: members are "
    "voting on this text, so it is fixed. A correction is for that meeting to make."
)
LINK_BEFORE_NOTICE = (
    "Notice of this meeting has been given: the minutes it approves are linked before the "
    "notice, so members know which text they vote on."
)


def minutes_of(meeting_id: int) -> MeetingMinutes | None:
    return db.session.get(MeetingMinutes, meeting_id)


def readable_minutes(actor: Member | None, meeting_id: int) -> tuple[Meeting, MeetingMinutes]:
    """Public minutes to anyone; the others to those who may read the meeting."""
    minutes = minutes_of(meeting_id)
    meeting = db.session.get(Meeting, meeting_id)
    if minutes is None or meeting is None:
        raise NotFound("We could not find those minutes.")
    if not minutes.public:
        meetings.readable_meeting(actor, meeting_id)
    return meeting, minutes


def record_minutes(
    actor: Member, meeting_id: int, text: str, public: bool, now: datetime | None = None
) -> MeetingMinutes:
    """The secretary records a held meeting's minutes, or corrects them until notice is given
    of the meeting that approves them (from then on members vote on this text)."""
    require_secretary(actor)
    meeting = meetings.readable_meeting(actor, meeting_id)
    if meeting.is_draft or meeting.starts_at > (now or utcnow()):
        raise Conflict("Minutes are recorded once the meeting has been held.")
    text = required_text(text, "text", MINUTES_MAX, "the minutes")
    linked = db.session.scalar(
        select(MeetingMinutes.approval_item_id).where(MeetingMinutes.meeting_id == meeting_id)
    )
    if linked is not None:
        _noticed(linked)  # the approving meeting's lock before the minutes', as a link takes them
    minutes = db.session.scalar(
        select(MeetingMinutes)
        .where(MeetingMinutes.meeting_id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if minutes is None:
        minutes = MeetingMinutes(meeting_id=meeting_id)
        db.session.add(minutes)
    elif minutes.approved_at is not None:
        raise Conflict(FIXED)
    elif minutes.approval_item_id is not None and _noticed(minutes.approval_item_id):
        raise Conflict(FROZEN)
    minutes.text, minutes.public = text, bool(public)
    minutes.recorded_at, minutes.recorded_by_id = now or utcnow(), actor.id
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # two first recordings at once: the other one is kept
        raise Conflict("The minutes were recorded meanwhile: reload and try again.") from None
    audit.record(actor, "meeting.minutes", "meeting", meeting_id, public=minutes.public)
    return minutes


def link_approval(actor: Member, item_id: int, minutes_meeting_id: int | None) -> None:
    """The secretary links a "minutes" item to the earlier meeting's minutes it approves."""
    require_secretary(actor)
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.kind != ItemKind.MINUTES:
        raise NotFound("We could not find that item.")
    meeting = _locked_meeting(item.meeting_id)  # the notice waits for this link, or refuses it
    if not meeting.is_draft:
        raise Conflict(LINK_BEFORE_NOTICE)
    minutes = minutes_of(minutes_meeting_id) if minutes_meeting_id is not None else None
    earlier = db.session.get(Meeting, minutes_meeting_id) if minutes else None
    if minutes is None or earlier.starts_at >= meeting.starts_at:
        raise Invalid("Choose the recorded minutes of an earlier meeting.", "minutes_of")
    before = minutes.approval_item_id
    if before is not None and not _failed(before):  # a failed approval may be tried again
        raise Invalid("Those minutes are already on an agenda for approval.", "minutes_of")
    if db.session.scalar(select(MeetingMinutes).where(MeetingMinutes.approval_item_id == item_id)):
        raise Conflict("This item already approves minutes.")
    linked = db.session.execute(
        update(MeetingMinutes)
        .where(
            MeetingMinutes.meeting_id == minutes.meeting_id,
            MeetingMinutes.approval_item_id.is_(None)
            if before is None
            else MeetingMinutes.approval_item_id == before,
            MeetingMinutes.approved_at.is_(None),
        )
        .values(approval_item_id=item_id)
    ).rowcount
    if not linked:
        raise Conflict("Those minutes were put on an agenda meanwhile.")
    audit.record(actor, "meeting.minutes_link", "meeting", item.meeting_id, item=item_id,
                 minutes_of=minutes.meeting_id)  # fmt: skip


def _locked_meeting(meeting_id: int) -> Meeting:
    """The meeting's row locked until the commit, as the notice locks it: a link or a
    correction and the notice never interleave."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _noticed(item_id: int) -> bool:
    """Whether the minutes item `item_id` has members voting on the minutes it links:
    notice of its meeting is given, and its vote has not closed without carrying them."""
    meeting_id = db.session.scalar(select(AgendaItem.meeting_id).where(AgendaItem.id == item_id))
    if _locked_meeting(meeting_id).is_draft:
        return False
    return not _failed(item_id)


def _failed(item_id: int) -> bool:
    """The vote on the minutes item `item_id` closed without carrying them."""
    outcome = db.session.scalar(
        select(ResolutionVote.outcome).where(
            ResolutionVote.item_id == item_id, ResolutionVote.closed_at.is_not(None)
        )
    )
    return outcome is not None and outcome != Outcome.CARRIED


def approve(item_id: int, now: datetime) -> int:
    """The minutes item `item_id` was carried: the minutes it links are approved, fixed."""
    return db.session.execute(
        update(MeetingMinutes)
        .where(MeetingMinutes.approval_item_id == item_id, MeetingMinutes.approved_at.is_(None))
        .values(approved_at=now)
    ).rowcount


def approvals(meeting_id: int) -> dict[int, MeetingMinutes]:
    """The minutes each of this meeting's items approves, by item id."""
    rows = db.session.scalars(
        select(MeetingMinutes)
        .join(AgendaItem, AgendaItem.id == MeetingMinutes.approval_item_id)
        .where(AgendaItem.meeting_id == meeting_id)
    )
    return {minutes.approval_item_id: minutes for minutes in rows}


def unlinked(before: Meeting) -> list[tuple[MeetingMinutes, Meeting]]:
    """Recorded minutes of meetings before `before` not on an agenda for approval, or whose
    approval failed."""
    failed = exists().where(
        ResolutionVote.item_id == MeetingMinutes.approval_item_id,
        ResolutionVote.closed_at.is_not(None),
        ResolutionVote.outcome != Outcome.CARRIED,
    )
    return list(
        db.session.execute(
            select(MeetingMinutes, Meeting)
            .join(Meeting, Meeting.id == MeetingMinutes.meeting_id)
            .where(
                or_(MeetingMinutes.approval_item_id.is_(None), failed),
                MeetingMinutes.approved_at.is_(None),
                Meeting.starts_at < before.starts_at,
            )
            .order_by(Meeting.starts_at.desc())
        ).all()
    )
