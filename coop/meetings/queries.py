"""The reads for meeting pages and for the notice: agendas, documents, who is told."""

from datetime import date
from typing import NamedTuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from coop.accounts.models import Member
from coop.extensions import db
from coop.meetings.models import AgendaItem, Meeting, MeetingDocument, MeetingState
from coop.membership.models import Membership, RegisterEntry


def meetings(drafts: bool) -> list[Meeting]:
    """Every meeting, the next first and past ones after; drafts only for the secretary."""
    statement = select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if not drafts:
        statement = statement.where(Meeting.state != MeetingState.DRAFT)
    return list(db.session.scalars(statement))


def agenda(meeting_id: int) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def documents(meeting_id: int) -> list[MeetingDocument]:
    return list(
        db.session.scalars(
            select(MeetingDocument)
            .where(MeetingDocument.meeting_id == meeting_id)
            .order_by(MeetingDocument.id)
        )
    )


def confirmable_items(
    meeting: Meeting, editing: AgendaItem | None = None
) -> list[tuple[AgendaItem, Meeting]]:
    """First stages of two-stage special resolutions at earlier meetings, not yet linked to
    a confirmation: what a special resolution of `meeting` may confirm. When `editing` an
    item, the resolution it confirms is offered too."""
    other = aliased(AgendaItem)
    confirmed = select(other.confirms_id).where(other.confirms_id.is_not(None))
    if editing is not None:
        confirmed = confirmed.where(other.id != editing.id)
    return list(
        db.session.execute(
            select(AgendaItem, Meeting)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(
                AgendaItem.two_stage,
                Meeting.id != meeting.id,
                Meeting.starts_at < meeting.starts_at,
                AgendaItem.id.not_in(confirmed),
            )
            .order_by(Meeting.starts_at.desc(), AgendaItem.position)
        ).all()
    )


# Who is told of a meeting ------------------------------------------------------------------


class Recipient(NamedTuple):
    """Where one member's notice is emailed, and the name it is addressed to. `member` is
    their account, or None when they deleted it (the register, and its address, remain)."""

    address: str
    name: str
    member: Member | None


class NoticeCounts(NamedTuple):
    by_email: int  # current members the notice is emailed to
    by_post: int  # current members with no address for notices by email in the register


def _current_on(on: date):
    return (Membership.ceased_on.is_(None) | (Membership.ceased_on > on)) & (
        Membership.admitted_on <= on
    )


def _current_members(on: date, *columns):
    """`columns` of each membership current on `on`, beside its account (if any) and its
    latest register entry: one statement, however many members."""
    entry = aliased(RegisterEntry)
    latest = (
        select(func.max(entry.id))
        .where(entry.membership_id == Membership.id)
        .correlate(Membership)
        .scalar_subquery()
    )
    return (
        select(*columns)
        .select_from(Membership)
        .outerjoin(Member, Member.id == Membership.account_id)
        .outerjoin(RegisterEntry, RegisterEntry.id == latest)
        .where(_current_on(on))
    )


# The electronic address the member notified for notices (s.30(2)(b)), in their latest entry.
_FOR_NOTICES = (
    RegisterEntry.electronic_address.is_not(None)
    & (RegisterEntry.electronic_address != "")
    & func.lower(RegisterEntry.electronic_purposes).contains("notices")
)
# The register's address for notices, else the account's confirmed email, else none (post).
_NOTICE_ADDRESS = case(
    (_FOR_NOTICES, RegisterEntry.electronic_address),
    (Member.email_verified_at.is_not(None), Member.email),
    else_=None,
)


def members_to_notify(on: date) -> list[Recipient]:
    """Every member of the co-operative whose membership is current on `on` and who can be
    emailed: at the address they gave for notices in the register of members, or else at
    their account's confirmed email. Addressed by their account's name, or the register's."""
    rows = db.session.execute(
        _current_members(on, _NOTICE_ADDRESS, RegisterEntry.name, Member)
        .where(_NOTICE_ADDRESS.is_not(None))
        .order_by(Membership.id)
    ).all()
    return [
        Recipient(address, member.display_name if member else name, member)
        for address, name, member in rows
    ]


def notice_counts(on: date) -> NoticeCounts:
    """How many current members the notice is emailed to (members_to_notify), and how many
    must be posted it: every one with no electronic address for notices in the register
    (an email to their account is a courtesy, not notice they agreed to receive that way),
    whether or not they have an account or a confirmed email."""
    by_email, by_post = db.session.execute(
        _current_members(
            on,
            func.count(_NOTICE_ADDRESS),
            func.coalesce(func.sum(case((_FOR_NOTICES, 0), else_=1)), 0),
        )
    ).one()
    return NoticeCounts(by_email, by_post)
