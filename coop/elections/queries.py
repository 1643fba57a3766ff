"""The reads for election pages: elections with their meeting, nominations with their
seconders counted in SQL, and what the reader has done already."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from coop.elections import rules
from coop.elections.models import Election, Nomination, Seconding
from coop.extensions import db
from coop.meetings.models import AgendaItem, ItemKind, Meeting, MeetingState
from coop.membership.models import Membership


@dataclass(frozen=True)
class NominationRow:
    nomination: Nomination
    seconders: int
    current: bool  # the candidate is still a member of the co-operative
    valid: bool

    @property
    def state(self) -> str:
        n = self.nomination
        if n.withdrawn_at is not None:
            return "Withdrawn"
        if not self.current:
            return "No longer a member of the co-operative"
        if n.accepted_at is None:
            return "Waiting for the candidate to accept"
        return "Valid" if self.valid else "Waiting for seconders"


def elections() -> list[tuple[Election, AgendaItem, Meeting]]:
    """Every election with its item and meeting, the latest close first."""
    return list(
        db.session.execute(
            select(Election, AgendaItem, Meeting)
            .join(AgendaItem, AgendaItem.id == Election.agenda_item_id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .order_by(Election.nominations_close_at.desc(), Election.id.desc())
        ).all()
    )


def elections_of_meeting(meeting_id: int) -> dict[int, int]:
    """Agenda item id -> its election's id, for a meeting's page (one query)."""
    return dict(
        db.session.execute(
            select(Election.agenda_item_id, Election.id)
            .join(AgendaItem, AgendaItem.id == Election.agenda_item_id)
            .where(AgendaItem.meeting_id == meeting_id)
        ).all()
    )


def item_and_meeting(election: Election) -> tuple[AgendaItem, Meeting]:
    return db.session.execute(
        select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.id == election.agenda_item_id)
    ).one()


def items_without_election() -> list[tuple[AgendaItem, Meeting]]:
    """Election items of meetings of which notice was given, with no election set up yet."""
    return list(
        db.session.execute(
            select(AgendaItem, Meeting)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(
                AgendaItem.kind == ItemKind.ELECTION,
                Meeting.state == MeetingState.NOTICED,
                AgendaItem.id.not_in(select(Election.agenda_item_id)),
            )
            .order_by(Meeting.starts_at.desc(), AgendaItem.position)
        ).all()
    )


def nominations(election: Election) -> list[NominationRow]:
    """Every nomination of the election, in the order made, each with its seconders: those
    whose membership is current now (a seconder who has ceased to be a member no longer
    counts, here and when the candidates are fixed)."""
    seconding_member = aliased(Membership)
    seconders = (  # only seconders who are still members of the co-operative
        select(func.count(Seconding.id))
        .join(seconding_member, seconding_member.id == Seconding.membership_id)
        .where(Seconding.nomination_id == Nomination.id, seconding_member.ceased_on.is_(None))
        .correlate(Nomination)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Nomination, seconders, Membership.id.is_not(None) & Membership.ceased_on.is_(None))
        .outerjoin(Membership, Membership.id == Nomination.membership_id)
        .where(Nomination.election_id == election.id)
        .order_by(Nomination.id)
    ).all()
    return [_row(election, nomination, count, bool(current)) for nomination, count, current in rows]


def _row(election: Election, nomination: Nomination, seconders: int, current: bool):
    accepted, withdrawn = nomination.accepted_at is not None, nomination.withdrawn_at is not None
    valid = rules.is_valid(accepted, withdrawn, seconders, election.seconders_required, current)
    return NominationRow(nomination, seconders, current, valid)


def seconded_by(election_id: int, membership_id: int | None) -> set[int]:
    """The nominations of the election that the member has seconded."""
    if membership_id is None:
        return set()
    return set(
        db.session.scalars(
            select(Seconding.nomination_id)
            .join(Nomination, Nomination.id == Seconding.nomination_id)
            .where(Nomination.election_id == election_id, Seconding.membership_id == membership_id)
        )
    )
