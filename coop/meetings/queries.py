"""The reads for meeting pages and for the notice: agendas, documents, who is told."""

from datetime import date

from sqlalchemy import func, select
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


def confirmable_items(meeting: Meeting) -> list[tuple[AgendaItem, Meeting]]:
    """First stages of two-stage special resolutions at earlier meetings, not yet linked to
    a confirmation: what a special resolution of `meeting` may confirm."""
    confirmed = select(AgendaItem.confirms_id).where(AgendaItem.confirms_id.is_not(None))
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


def _current_on(on: date):
    return (Membership.ceased_on.is_(None) | (Membership.ceased_on > on)) & (
        Membership.admitted_on <= on
    )


def members_to_notify(on: date) -> list[Member]:
    """The accounts of every member of the co-operative whose membership is current on `on`,
    with a confirmed address."""
    return list(
        db.session.scalars(
            select(Member)
            .join(Membership, Membership.account_id == Member.id)
            .where(_current_on(on), Member.email_verified_at.is_not(None))
            .order_by(Member.id)
        )
    )


def members_without_email_notices(on: date) -> int:
    """Current members the notice must be posted to: no account (deleted), or no electronic
    address in their latest register entry (they did not agree to notices by email)."""
    entry = aliased(RegisterEntry)
    latest = (
        select(func.max(entry.id))
        .where(entry.membership_id == Membership.id)
        .correlate(Membership)
        .scalar_subquery()
    )
    by_email = (
        select(RegisterEntry.electronic_address)
        .where(RegisterEntry.id == latest)
        .correlate(Membership)
        .scalar_subquery()
    )
    return db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(_current_on(on), Membership.account_id.is_(None) | by_email.is_(None))
    )
