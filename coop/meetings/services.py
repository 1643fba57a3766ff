"""Scheduling a general meeting, its agenda, notice and documents: the rules and the writes,
each audited. Callers commit.

Exactly once: notice moves a meeting from draft to noticed by a conditional UPDATE, so two
secretaries' tabs (or a double click) give one notice and one set of emails; the emails are
rows in the outbox, handed to the worker only after the commit. Every change to a draft
locks the meeting's row first, so an edit and the notice never interleave: the notice lists
the agenda as committed, and after it the services refuse a change (409) as the database's
triggers do (migration 0015)."""

from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from coop.accounts.models import Member
from coop.audit import services as audit
from coop.errors import Conflict, Invalid, NotFound
from coop.extensions import db
from coop.mail.services import queue_email
from coop.meetings import documents as files
from coop.meetings import queries, rules
from coop.meetings.models import (
    ITEM_LABELS,
    KIND_LABELS,
    PLACE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    WITH_TEXT,
    AgendaItem,
    ItemKind,
    Meeting,
    MeetingDocument,
    MeetingKind,
    MeetingMinutes,
    MeetingState,
)
from coop.membership.models import Office
from coop.membership.permissions import is_coop_member, offices_of, require_secretary
from coop.notifications.services import notify
from coop.uktime import day, from_uk_local, uk_day, uk_today, utcnow
from coop.uktime import uk_when as when
from coop.validation import optional_text, required_text
from coop.web import absolute_url

AGENDA_MAX = 50  # items on one agenda


def settings() -> rules.MeetingRules:
    return rules.MeetingRules.from_config(current_app.config)


def meeting_day(meeting: Meeting) -> date:
    """The UK date of the meeting, which the notice period counts to."""
    return uk_day(meeting.starts_at)


def notice_deadline(meeting: Meeting) -> date:
    return settings().latest_notice_day(meeting.kind, meeting_day(meeting))


# Who sees meetings ---------------------------------------------------------------------------


def may_read(actor: Member | None) -> bool:
    """Members of the co-operative and officers of the society."""
    return is_coop_member(actor) or bool(offices_of(actor))


def is_secretary(actor: Member | None) -> bool:
    return Office.SECRETARY in offices_of(actor) and bool(actor.totp_secret)


def readable_meeting(actor: Member | None, meeting_id: int) -> Meeting:
    """A meeting as a reader may see it: once notice is given, to members and officers; a
    draft, to the secretary. Anyone else is told it does not exist."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not may_read(actor):
        raise NotFound("We could not find that meeting.")
    if meeting.is_draft and not is_secretary(actor):
        raise NotFound("We could not find that meeting.")
    return meeting


def list_meetings(actor: Member | None) -> list[Meeting]:
    if not may_read(actor):
        raise NotFound("We could not find that page.")
    return queries.meetings(drafts=is_secretary(actor))


# The meeting -----------------------------------------------------------------------------------


def _details(kind: str, title: str, starts_local: datetime | None, place: str, online_url: str):
    if kind not in set(MeetingKind):
        raise Invalid("Choose an annual or a special general meeting.", "kind")
    title = required_text(title, "title", TITLE_MAX, "the title")
    if starts_local is None:
        raise Invalid("Enter the date and start time.", "starts_at")
    if not 2000 <= starts_local.year <= 2999:
        raise Invalid("Enter a date from the year 2000 to 2999.", "starts_at")
    starts_at = from_uk_local(starts_local.replace(tzinfo=None, second=0, microsecond=0))
    if starts_at <= utcnow():
        raise Invalid("The meeting must start in the future.", "starts_at")
    place = optional_text(place, "place", PLACE_MAX, "the place")
    online_url = rules.online_link(online_url, "online_url")
    if not place and not online_url:
        raise Invalid("Give the place of the meeting, an online link, or both.", "place")
    return {"kind": kind, "title": title, "starts_at": starts_at, "place": place,
            "online_url": online_url}  # fmt: skip


def create_meeting(
    actor: Member,
    kind: str,
    title: str,
    starts_local: datetime | None,
    place: str,
    online_url: str,
) -> Meeting:
    """The secretary schedules a general meeting; its time is typed in UK time."""
    require_secretary(actor)
    meeting = Meeting(**_details(kind, title, starts_local, place, online_url),
                      created_by_id=actor.id)  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "meeting.create", "meeting", meeting.id, kind=kind)
    return meeting


def update_meeting(
    actor: Member,
    meeting_id: int,
    kind: str,
    title: str,
    starts_local: datetime | None,
    place: str,
    online_url: str,
) -> Meeting:
    require_secretary(actor)
    meeting = _draft(meeting_id)
    values = _details(kind, title, starts_local, place, online_url)
    db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.state == MeetingState.DRAFT)
        .values(**values)
    )
    db.session.refresh(meeting)
    audit.record(actor, "meeting.update", "meeting", meeting_id)
    return meeting


def _draft(meeting_id: int) -> Meeting:
    """The meeting, its row locked until the commit, or a 409 once notice is given."""
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if meeting is None:
        raise NotFound("We could not find that meeting.")
    if not meeting.is_draft:
        raise Conflict(
            "Notice of this meeting has been given: what it said is fixed. "
            "A change would be an amendment, moved at the meeting."
        )
    return meeting


# The agenda ------------------------------------------------------------------------------------


def _item_values(
    meeting: Meeting,
    kind: str,
    title: str,
    text: str,
    two_stage: bool,
    confirms_id: int | None,
    editing: AgendaItem | None = None,
) -> dict:
    if kind not in set(ItemKind):
        raise Invalid("Choose the kind of item.", "kind")
    title = required_text(title, "title", TITLE_MAX, "the title")
    confirms = None
    if confirms_id is not None:
        if kind != ItemKind.SPECIAL:
            raise Invalid("Only a special resolution confirms an earlier one.", "confirms_id")
        confirms = _confirmable(meeting, confirms_id, editing)
        text = confirms.text  # the confirmation is of that exact resolution
        two_stage = False
    elif kind in WITH_TEXT:
        text = required_text(text, "text", TEXT_MAX, "the exact text of the resolution")
    else:
        text = optional_text(text, "text", TEXT_MAX, "the description")
    two_stage = bool(two_stage) and kind == ItemKind.SPECIAL
    majority = settings().majority(kind, two_stage, confirms is not None)
    return {
        "kind": kind, "title": title, "text": text, "two_stage": two_stage,
        "confirms_id": confirms.id if confirms else None,
        "majority_numerator": majority.fraction.numerator if majority else None,
        "majority_denominator": majority.fraction.denominator if majority else None,
        "majority_more_than": majority.more_than if majority else True,
    }  # fmt: skip


ALREADY_CONFIRMED = "Another item already confirms that resolution: a resolution is confirmed once."


def _confirmable(meeting: Meeting, item_id: int, editing: AgendaItem | None) -> AgendaItem:
    first = db.session.get(AgendaItem, item_id)
    if first is None or not first.two_stage or first.meeting_id == meeting.id:
        raise Invalid("Choose a two-stage special resolution of an earlier meeting.", "confirms_id")
    if _confirmed_by(item_id, editing) is not None:
        raise Invalid(ALREADY_CONFIRMED, "confirms_id")
    _check_window(db.session.get(Meeting, first.meeting_id), meeting, "confirms_id")
    return first


def _confirmed_by(item_id: int, editing: AgendaItem | None) -> int | None:
    """The item, at this meeting or another, that confirms `item_id`, other than the one being
    edited. A confirmation another meeting commits after this read is settled by the unique
    index (`_written`)."""
    statement = select(AgendaItem.id).where(AgendaItem.confirms_id == item_id)
    if editing is not None:
        statement = statement.where(AgendaItem.id != editing.id)
    return db.session.scalar(statement.limit(1))


def _written(item: AgendaItem, values: dict) -> None:
    """Write an added or changed item in a SAVEPOINT: when two meetings confirm the same
    resolution at once, the unique index refuses the second, which is told why (409)."""
    try:
        with db.session.begin_nested():
            for name, value in values.items():
                setattr(item, name, value)
            db.session.add(item)
    except IntegrityError:
        if values.get("confirms_id") is None:
            raise
        raise Conflict(ALREADY_CONFIRMED, "confirms_id") from None


def _check_window(first: Meeting, second: Meeting, field: str | None) -> None:
    first_day, second_day = meeting_day(first), meeting_day(second)
    if not rules.in_confirmation_window(first_day, second_day):
        earliest, latest = rules.confirmation_window(first_day)
        raise Invalid(
            f"The Act (s.111(2)) has a resolution confirmed at a meeting held from "
            f"{day(earliest)} to {day(latest)}, 14 days to one month after the "
            f"first meeting on {day(first_day)}.",
            field,
        )


def add_item(
    actor: Member,
    meeting_id: int,
    kind: str,
    title: str,
    text: str,
    two_stage: bool = False,
    confirms_id: int | None = None,
) -> AgendaItem:
    require_secretary(actor)
    meeting = _draft(meeting_id)
    count, last = db.session.execute(
        select(func.count(), func.max(AgendaItem.position)).where(
            AgendaItem.meeting_id == meeting_id
        )
    ).one()
    if count >= AGENDA_MAX:
        raise Invalid(f"An agenda holds at most {AGENDA_MAX} items.")
    values = _item_values(meeting, kind, title, text, two_stage, confirms_id)
    item = AgendaItem(meeting_id=meeting_id, position=(last or 0) + 1)
    _written(item, values)
    audit.record(actor, "meeting.item_add", "meeting", meeting_id, item=item.id, kind=kind)
    return item


def update_item(
    actor: Member,
    meeting_id: int,
    item_id: int,
    kind: str,
    title: str,
    text: str,
    two_stage: bool = False,
    confirms_id: int | None = None,
) -> AgendaItem:
    require_secretary(actor)
    meeting = _draft(meeting_id)
    item = _item(meeting_id, item_id)
    still_two_stage = two_stage and kind == ItemKind.SPECIAL
    confirmed = db.session.scalar(select(AgendaItem.id).where(AgendaItem.confirms_id == item.id))
    if item.two_stage and not still_two_stage and confirmed:
        raise Conflict("A later meeting confirms this resolution: it stays a two-stage one.")
    values = _item_values(meeting, kind, title, text, two_stage, confirms_id, editing=item)
    if kind != ItemKind.MINUTES:
        _unlink_minutes(item.id)
    _written(item, values)
    audit.record(actor, "meeting.item_update", "meeting", meeting_id, item=item_id)
    return item


def remove_item(actor: Member, meeting_id: int, item_id: int) -> None:
    require_secretary(actor)
    _draft(meeting_id)
    item = _item(meeting_id, item_id)
    if db.session.scalar(select(AgendaItem.id).where(AgendaItem.confirms_id == item.id)):
        raise Conflict("A later meeting confirms this resolution: remove that item first.")
    _unlink_minutes(item.id)
    db.session.delete(item)
    db.session.flush()
    audit.record(actor, "meeting.item_remove", "meeting", meeting_id, item=item_id)


def _unlink_minutes(item_id: int) -> None:
    """A draft's item that approved minutes is removed, or no longer approves minutes: the
    minutes are free to be put on an agenda again (the caller holds the draft's lock)."""
    db.session.execute(
        update(MeetingMinutes)
        .where(MeetingMinutes.approval_item_id == item_id, MeetingMinutes.approved_at.is_(None))
        .values(approval_item_id=None)
    )


def _item(meeting_id: int, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id, populate_existing=True)
    if item is None or item.meeting_id != meeting_id:
        raise NotFound("We could not find that item.")
    return item


# Notice ------------------------------------------------------------------------------------------


def issue_notice(actor: Member, meeting_id: int) -> int:
    """The secretary gives notice: refused for a meeting past, one with no agenda, or one
    too near for the notice period; otherwise, once, every member of the co-operative
    current today is emailed the notice and told in the app. Returns how many."""
    require_secretary(actor)
    meeting = _draft(meeting_id)
    today = uk_today()
    if meeting.starts_at <= utcnow():
        raise Conflict("This meeting's time has passed: notice cannot be given for it.")
    items = queries.agenda(meeting_id)
    if not items:
        raise Conflict("Add the business of the meeting to its agenda before giving notice.")
    deadline = notice_deadline(meeting)
    if today > deadline:
        clear = settings().clear_days[meeting.kind]
        raise Conflict(
            f"Too late: notice of this meeting had to be given by {deadline:%A} {day(deadline)} "
            f"({clear} clear days). Move the meeting to a later date."
        )
    for item in items:
        if item.confirms_id is not None:
            first = db.session.get(AgendaItem, item.confirms_id)
            first_meeting = db.session.get(Meeting, first.meeting_id)
            if first_meeting.is_draft:
                raise Conflict(
                    f"Give notice of the meeting that first passes “{first.title}” before "
                    "the meeting that confirms it."
                )
            _check_window(first_meeting, meeting, None)
    moved = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.state == MeetingState.DRAFT)
        .values(
            state=MeetingState.NOTICED, notice_given_on=today, notice_issued_at=utcnow(),
            notice_issued_by_id=actor.id, notice_issued_by_name=actor.display_name,
        )
    ).rowcount  # fmt: skip
    if not moved:
        raise Conflict("Notice of this meeting has already been given.")
    db.session.refresh(meeting)
    from coop.meetings.voting.services import open_boxes  # the sub-package imports this one

    open_boxes(meeting_id)  # advance voting on the resolutions opens with the notice
    told = _tell_members(meeting, items, today)
    audit.record(
        actor, "meeting.notice", "meeting", meeting_id, members=told, deadline=deadline.isoformat()
    )
    return told


def _tell_members(meeting: Meeting, items: list[AgendaItem], today: date) -> int:
    link = absolute_url("meetings.show", meeting_id=meeting.id)
    label = KIND_LABELS[meeting.kind]
    subject = f"Notice of {label.lower()}: {meeting.title}"[:200]
    recipients = queries.members_to_notify(today)
    documents = queries.documents(meeting.id)
    for recipient in recipients:
        member = recipient.member
        queue_email(
            recipient.address, subject, "meetings/notice", member_id=member.id if member else None,
            name=recipient.name, meeting=meeting, label=label, items=items,
            item_labels=ITEM_LABELS, link=link, documents=documents,
        )  # fmt: skip
        if member is not None:
            notify(
                member,
                f"Notice of the {label.lower()} “{meeting.title}” on {when(meeting.starts_at)}.",
                "meetings.show",
                email=False,
                meeting_id=meeting.id,
            )
    return len(recipients)


# Documents ---------------------------------------------------------------------------------------


def add_document(
    actor: Member, meeting_id: int, title: str, filename: str, stream
) -> MeetingDocument:
    """The secretary adds a PDF to a meeting, before or after notice (the accounts often come
    later). Checked for what it is, not what it is called."""
    require_secretary(actor)
    if db.session.get(Meeting, meeting_id) is None:
        raise NotFound("We could not find that meeting.")
    title = required_text(title, "title", TITLE_MAX, "the title")
    limit = current_app.config["COOP_MEETING_DOCUMENT_MAX_BYTES"]
    stored = files.store(stream, limit, "file")
    document = MeetingDocument(
        meeting_id=meeting_id, title=title, filename=files.safe_filename(filename),
        stored_name=stored.name, size_bytes=stored.size, sha256=stored.sha256,
        uploaded_by_id=actor.id,
    )  # fmt: skip
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "meeting.document_add", "meeting", meeting_id, document=document.id,
                 sha256=stored.sha256)  # fmt: skip
    return document


def readable_document(actor: Member | None, meeting_id: int, document_id: int):
    """A document and the path of its file, for a reader who may see its meeting."""
    readable_meeting(actor, meeting_id)
    document = db.session.get(MeetingDocument, document_id)
    if document is None or document.meeting_id != meeting_id:
        raise NotFound("We could not find that document.")
    path = files.path_of(document.stored_name)
    if path is None:
        raise NotFound("We could not find that document.")
    return document, path
