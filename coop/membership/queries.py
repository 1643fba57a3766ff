"""Reads for the membership pages and the registers' exports."""

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select

from coop.accounts.models import Member
from coop.extensions import db
from coop.membership.models import (
    Application,
    ApplicationState,
    Inspection,
    Membership,
    OfficerEntry,
    OfficeTerm,
    RegisterEntry,
)
from coop.membership.permissions import current_membership
from coop.validation import database_id

PER_PAGE = 50
SEARCH_MAX = 100


def _latest_of_each(column, key):
    return select(func.max(column)).group_by(key).scalar_subquery()


def register_statement(query: str = ""):
    """The register as it stands: each member's latest entry, by membership number."""
    statement = select(RegisterEntry).where(
        RegisterEntry.id.in_(_latest_of_each(RegisterEntry.id, RegisterEntry.membership_id))
    )
    query = query.strip()[:SEARCH_MAX]
    if query:
        words = query.lower()
        matches = [
            func.lower(RegisterEntry.name).contains(words, autoescape=True),
            func.lower(RegisterEntry.postal_address).contains(words, autoescape=True),
        ]
        number = database_id(query)  # None beyond the database's range
        if number is not None:
            matches.append(RegisterEntry.membership_id == number)
        statement = statement.where(or_(*matches))
    return statement.order_by(RegisterEntry.membership_id)


def register_page(query: str, page: int) -> Pagination:
    return db.paginate(
        register_statement(query), page=max(page, 1), per_page=PER_PAGE, error_out=False
    )


def register_rows(query: str = "") -> list[RegisterEntry]:
    return list(db.session.scalars(register_statement(query)))


def history(membership_id: int) -> list[RegisterEntry]:
    return list(
        db.session.scalars(
            select(RegisterEntry)
            .where(RegisterEntry.membership_id == membership_id)
            .order_by(RegisterEntry.id)
        )
    )


def officer_rows() -> list[OfficerEntry]:
    """The register of officers as it stands: each term's latest entry, current first."""
    return list(
        db.session.scalars(
            select(OfficerEntry)
            .where(OfficerEntry.id.in_(_latest_of_each(OfficerEntry.id, OfficerEntry.term_id)))
            .order_by(
                OfficerEntry.left_office_on.is_not(None), OfficerEntry.office, OfficerEntry.id
            )
        )
    )


def officer_history() -> list[OfficerEntry]:
    return list(db.session.scalars(select(OfficerEntry).order_by(OfficerEntry.id)))


def pending_applications() -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.state == ApplicationState.PENDING)
            .order_by(Application.submitted_at, Application.id)
        )
    )


def pending_resignations() -> list[RegisterEntry]:
    waiting = select(Membership.id).where(
        Membership.ceased_on.is_(None), Membership.resignation_notice_on.is_not(None)
    )
    return [
        entry
        for entry in db.session.scalars(
            register_statement().where(RegisterEntry.membership_id.in_(waiting))
        )
    ]


def pending_inspections() -> list[tuple[Inspection, str]]:
    return list(
        db.session.execute(
            select(Inspection, Member.display_name)
            .join(Member, Member.id == Inspection.account_id)
            .where(Inspection.fulfilled_at.is_(None))
            .order_by(Inspection.requested_at)
        ).all()
    )


@dataclass
class MyMembership:
    membership: Membership | None
    entry: RegisterEntry | None
    applications: list[Application]
    inspection: Inspection | None


def mine(account_id: int) -> MyMembership:
    membership = current_membership(account_id)
    entry = None
    if membership is not None:
        entry = db.session.scalar(
            select(RegisterEntry)
            .where(RegisterEntry.membership_id == membership.id)
            .order_by(RegisterEntry.id.desc())
            .limit(1)
        )
    applications = list(
        db.session.scalars(
            select(Application)
            .where(Application.account_id == account_id)
            .order_by(Application.id.desc())
        )
    )
    inspection = db.session.scalar(
        select(Inspection)
        .where(Inspection.account_id == account_id)
        .order_by(Inspection.id.desc())
        .limit(1)
    )
    return MyMembership(membership, entry, applications, inspection)


def entries_of_account(account_id: int) -> list[RegisterEntry]:
    """Every register entry about this account's memberships (for the data export)."""
    return list(
        db.session.scalars(
            select(RegisterEntry)
            .join(Membership, Membership.id == RegisterEntry.membership_id)
            .where(Membership.account_id == account_id)
            .order_by(RegisterEntry.id)
        )
    )


def officer_entries_of_account(account_id: int) -> list[OfficerEntry]:
    return list(
        db.session.scalars(
            select(OfficerEntry)
            .join(OfficeTerm, OfficeTerm.id == OfficerEntry.term_id)
            .where(OfficeTerm.account_id == account_id)
            .order_by(OfficerEntry.id)
        )
    )


def applications_of_account(account_id: int) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application).where(Application.account_id == account_id).order_by(Application.id)
        )
    )
