"""An election run by an independent scrutineer: the platform opens no ballot box. The
secretary downloads the electorate to hand to the scrutineer (who processes it under
contract, as the society's processor: docs/elections.md), and afterwards enters the result
the scrutineer certified, with their name and, optionally, their report as a PDF. Each step
audited. Callers commit."""

import csv
import io
from collections.abc import Sequence

from flask import current_app
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from coop.accounts.models import Member
from coop.audit import services as audit
from coop.elections import services as elections
from coop.elections.models import Nomination
from coop.elections.voting.models import SCRUTINEER_MAX, ElectionVote, Runner, VoteState
from coop.elections.voting.services import candidates_of, vote_of
from coop.errors import Conflict, Invalid, NotFound
from coop.extensions import db
from coop.meetings import documents
from coop.membership.models import Membership, RegisterEntry
from coop.membership.permissions import require_secretary
from coop.uktime import utcnow
from coop.validation import required_text, spreadsheet_safe

ELECTORATE_COLUMNS = ("membership number", "name", "notice address", "postal address")


def _scrutineer_vote(actor: Member, election_id: int) -> ElectionVote:
    require_secretary(actor)
    elections.readable_election(actor, election_id)
    vote = vote_of(election_id, lock=True)
    if vote is None or vote.runner != Runner.SCRUTINEER:
        raise NotFound("This election's ballot is not run by a scrutineer.")
    return vote


def electorate_csv(actor: Member, election_id: int) -> str:
    """Every current member of the co-operative: membership number, name and addresses
    from the latest entry of the register (the address for notices if they gave one, else
    their account's confirmed email). Audited: it is personal data leaving the platform."""
    vote = _scrutineer_vote(actor, election_id)
    if vote.candidates_fixed_at is None:
        raise Conflict("The electorate is downloaded once nominations have closed.")
    entry = aliased(RegisterEntry)
    latest = (
        select(func.max(entry.id))
        .where(entry.membership_id == Membership.id)
        .correlate(Membership)
        .scalar_subquery()
    )
    notices = and_(
        RegisterEntry.electronic_address.is_not(None),
        RegisterEntry.electronic_address != "",
        func.lower(RegisterEntry.electronic_purposes).contains("notices"),
    )
    address = case(
        (notices, RegisterEntry.electronic_address),
        (Member.email_verified_at.is_not(None), Member.email),
        else_="",
    )
    rows = db.session.execute(
        select(Membership.id, RegisterEntry.name, address, RegisterEntry.postal_address)
        .select_from(Membership)
        .outerjoin(Member, Member.id == Membership.account_id)
        .outerjoin(RegisterEntry, RegisterEntry.id == latest)
        .where(Membership.ceased_on.is_(None))
        .order_by(Membership.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ELECTORATE_COLUMNS)
    for number, name, notice, postal in rows:
        writer.writerow([number, spreadsheet_safe(name or ""), spreadsheet_safe(notice or ""),
                         spreadsheet_safe((postal or "").replace("\n", ", "))])  # fmt: skip
    audit.record(actor, "election.electorate_export", "election", election_id, members=len(rows))
    return out.getvalue()


def certify(
    actor: Member,
    election_id: int,
    elected_ids: Sequence[int],
    scrutineer: str | None,
    report=None,
) -> ElectionVote:
    """The secretary enters the scrutineer's certified result, once voting has closed: who
    was elected (no more than the seats), the scrutineer's name, optionally their report."""
    vote = _scrutineer_vote(actor, election_id)
    election = elections.readable_election(actor, election_id)
    if vote.state != VoteState.OPEN:
        raise Conflict("There is no scrutineer's ballot waiting for its result.")
    if utcnow() < vote.voting_closes_at:
        raise Conflict("Voting has not closed yet: enter the result after the close.")
    name = required_text(scrutineer, "scrutineer_name", SCRUTINEER_MAX, "the scrutineer's name")
    candidates = {c.id: c for c in candidates_of(vote)}
    chosen = set(elected_ids)
    if not chosen <= set(candidates):
        raise Invalid("Choose candidates from the list.", "elected")
    if len(chosen) > election.seats:
        raise Invalid(f"At most {election.seats} candidate(s) can be elected.", "elected")
    current = set(
        db.session.scalars(
            select(Nomination.id)
            .join(Membership, Membership.id == Nomination.membership_id)
            .where(Membership.ceased_on.is_(None))
            .where(Nomination.id.in_([candidates[c].nomination_id for c in chosen]))
        )
    )
    for candidate_id in chosen:
        if candidates[candidate_id].nomination_id not in current:
            raise Invalid(
                f"{candidates[candidate_id].name} is no longer a member of the co-operative, "
                "so cannot be elected to the board.",
                "elected",
            )
    if report is not None and getattr(report, "filename", ""):
        limit = current_app.config["COOP_MEETING_DOCUMENT_MAX_BYTES"]
        vote.report_name = documents.store(report.stream, limit, "report").name
    for candidate_id, candidate in candidates.items():
        candidate.elected = candidate_id in chosen
    vote.scrutineer_name, vote.certified_by_id = name, actor.id
    vote.state, vote.counted_at = VoteState.COUNTED, utcnow()
    db.session.flush()
    audit.record(actor, "election.certify", "election", election_id, scrutineer=name,
                 elected=sorted(chosen), report=vote.report_name is not None)  # fmt: skip
    return vote


def report_path(actor: Member | None, election_id: int):
    elections.readable_election(actor, election_id)
    vote = vote_of(election_id)
    path = documents.path_of(vote.report_name) if vote and vote.report_name else None
    if path is None:
        raise NotFound("There is no scrutineer's report.")
    return path
