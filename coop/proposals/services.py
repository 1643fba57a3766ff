"""Proposals: put a question to the members, take secret votes, close and publish. Callers
commit, except close_proposal, which is its own unit of work (scheduled task or page read)."""

from datetime import datetime
from functools import cache

from sqlalchemy import Integer, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import lazyload

from coop.accounts.models import Member
from coop.accounts.permissions import is_member, require_contributor, require_organiser
from coop.audit import services as audit
from coop.errors import Conflict, Invalid, NotFound
from coop.extensions import db, insert_or_skip, utcnow
from coop.ideas.models import Idea, Stage
from coop.ideas.services import get_idea, make_slug
from coop.markdown import render_markdown
from coop.proposals.models import (
    BODY_MAX,
    QUESTION_MAX,
    Choice,
    Proposal,
    Rule,
    Visibility,
    Vote,
    VoteParticipation,
)
from coop.proposals.rules import decide
from coop.validation import optional_text, required_text


def visible_proposal(actor: Member | None, proposal_id: int, with_idea: bool = True) -> Proposal:
    """The proposal if this reader may see it; members-only ones do not exist for visitors.
    Loaded with the idea it came from unless the caller does not need it."""
    options = () if with_idea else (lazyload(Proposal.idea),)
    proposal = db.session.get(Proposal, proposal_id, options=options)
    if proposal is None or (not proposal.is_public and not is_member(actor)):
        raise NotFound("We could not find that proposal.")
    return proposal


def create_proposal(
    actor: Member,
    question: str,
    body: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
    rule: str,
    quorum_percent: int | None,
    visibility: str,
    idea_id: int | None = None,
    now: datetime | None = None,
) -> Proposal:
    require_organiser(actor)
    now = now or utcnow()
    question = required_text(question, "question", QUESTION_MAX, "the question")
    body = optional_text(body, "body", BODY_MAX, "the background")
    if rule not in set(Rule):
        raise Invalid("Choose how the vote is decided.", "rule")
    if visibility not in set(Visibility):
        raise Invalid("Choose who can see this proposal.", "visibility")
    if quorum_percent is not None and not 1 <= quorum_percent <= 100:
        raise Invalid("The quorum is a percentage from 1 to 100, or empty.", "quorum_percent")
    if opens_at is None:
        raise Invalid("Enter when voting opens.", "opens_at")
    if closes_at is None:
        raise Invalid("Enter when voting closes.", "closes_at")
    if closes_at <= opens_at:
        raise Invalid("Voting must close after it opens.", "closes_at")
    if closes_at <= now:
        raise Invalid("Voting must close in the future.", "closes_at")
    idea = _idea_to_put_to_vote(idea_id) if idea_id else None
    proposal = Proposal(
        question=question,
        slug=make_slug(question, "proposal"),
        body=body,
        body_html=render_markdown(body),
        opens_at=max(opens_at, now),
        closes_at=closes_at,
        rule=rule,
        quorum_percent=quorum_percent,
        visibility=visibility,
        idea=idea,
        created_by_id=actor.id,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(actor, "proposal.open", "proposal", proposal.id, reason="Put to a member vote",
                 question=question, idea_id=proposal.idea_id)  # fmt: skip
    return proposal


def _idea_to_put_to_vote(idea_id: int) -> Idea:
    idea = get_idea(idea_id)
    if idea.stage != Stage.DISCUSSION:
        raise Conflict("Only an idea open for discussion can be put to a vote.")
    if not idea.is_published:
        raise Conflict("This idea is under moderators' review and cannot be put to a vote yet.")
    active = select(Proposal.id).where(Proposal.idea_id == idea.id, Proposal.withdrawn_at.is_(None))
    if db.session.scalar(active):
        raise Conflict("This idea has already been put to a vote.")
    idea.stage = Stage.VOTING
    return idea


def proposal_for_idea(reader: Member | None, idea: Idea) -> Proposal | None:
    """The vote an idea was put to (not a withdrawn one), if this reader may see it."""
    proposal = idea.live_proposal
    if proposal is None or (not proposal.is_public and not is_member(reader)):
        return None
    return proposal


def withdraw_proposal(actor: Member, proposal_id: int, reason: str) -> Proposal:
    """Withdraw a vote before it closes, discarding its ballots; the members are owed a
    reason, which the page shows and the audit log keeps."""
    require_organiser(actor)
    proposal = visible_proposal(actor, proposal_id)
    reason = required_text(reason, "reason", 500, "the reason for withdrawing this vote")
    if proposal.closed_at is not None or proposal.withdrawn_at is not None:
        raise Conflict("This vote has already closed or been withdrawn.")
    proposal.withdrawn_at = utcnow()
    audit.record(actor, "proposal.withdraw", "proposal", proposal.id, reason=reason)
    proposal.withdrawn_reason = reason
    db.session.execute(delete(Vote).where(Vote.proposal_id == proposal.id))
    if proposal.idea is not None:
        proposal.idea.stage = Stage.DISCUSSION
    return proposal


def my_vote(actor: Member | None, proposal_id: int) -> str | None:
    if not is_member(actor):
        return None
    return db.session.scalar(
        select(Vote.choice).where(Vote.proposal_id == proposal_id, Vote.member_id == actor.id)
    )


def cast_vote(actor: Member, proposal_id: int, choice: str, now: datetime | None = None) -> str:
    """Record or change this member's vote; the proposal's slug, for the way back."""
    require_contributor(actor)
    now = now or utcnow()
    if choice not in set(Choice):
        raise Invalid("Choose For, Against or Abstain.", "choice")
    slug = _ballot(actor.id, proposal_id, choice, now)
    if slug is None:  # nothing written: say why
        proposal = visible_proposal(actor, proposal_id)
        if proposal.withdrawn_at is not None:
            raise Conflict("This proposal was withdrawn.")
        if now < proposal.opens_at:
            raise Conflict("Voting has not opened yet.")
        raise Conflict("Voting has closed.")
    return slug


def _ballot(member_id: int, proposal_id: int, choice: str, now: datetime) -> str | None:
    """Write the ballot if the vote is open, without loading the proposal: one statement
    on PostgreSQL (two on SQLite), and safe when the same member votes twice at once (the
    unique (proposal, member) constraint keeps one ballot and the last write wins). The
    proposal's slug, or None when the vote is not open."""
    values = {"member_id": member_id, "proposal_id": proposal_id, "choice": choice, "now": now}
    insert_first, read = _ballot_statements(db.session.get_bind().dialect.name)
    if insert_first is not None and db.session.scalar(insert_first, values) is None:
        return None
    return db.session.scalar(read, values)


@cache  # built once: a vote is a busy write when one closes
def _ballot_statements(dialect_name: str) -> tuple:
    """The statements of _ballot, with parameters member_id, proposal_id, choice and now:
    the ballot's INSERT on its own (SQLite) or None, and the read of the proposal's slug
    (on PostgreSQL with the INSERT inside it)."""
    proposal_id = bindparam("proposal_id", type_=Integer)
    now = bindparam("now", type_=Vote.cast_at.type)
    open_vote = select(
        Proposal.id,
        bindparam("member_id", type_=Integer),
        bindparam("choice", type_=Vote.choice.type),
        now,
    ).where(
        Proposal.id == proposal_id,
        Proposal.withdrawn_at.is_(None),
        Proposal.closed_at.is_(None),
        Proposal.opens_at <= now,
        Proposal.closes_at > now,
    )
    # On the table, not the entity: a statement with parameters, which the ORM would take
    # for a bulk write of rows given as dictionaries.
    ballot = insert_or_skip(Vote.__table__, dialect_name).from_select(
        ["proposal_id", "member_id", "choice", "cast_at"], open_vote
    )
    ballot = ballot.on_conflict_do_update(
        index_elements=[Vote.proposal_id, Vote.member_id],
        set_={"choice": ballot.excluded.choice, "cast_at": ballot.excluded.cast_at},
    ).returning(Vote.proposal_id)
    slug = select(Proposal.slug)
    if dialect_name != "postgresql":  # SQLite: no INSERT in a WITH
        return ballot, slug.where(Proposal.id == proposal_id)
    cast = ballot.cte("cast")
    return None, slug.where(Proposal.id.in_(select(cast.c.proposal_id)))


def electorate_size() -> int:
    """Members entitled to vote: confirmed address and consent to take part."""
    return db.session.scalar(
        select(func.count())
        .select_from(Member)
        .where(Member.email_verified_at.is_not(None), Member.political_opinions_consent)
    )


def close_proposal(proposal_id: int, now: datetime | None = None) -> bool:
    """Count, publish and forget the ballots of a vote whose window has ended. Idempotent:
    only the caller that claims the row does the work. Commits."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(Proposal)
        .where(
            Proposal.id == proposal_id,
            Proposal.closed_at.is_(None),
            Proposal.withdrawn_at.is_(None),
            Proposal.closes_at <= now,
        )
        .values(closed_at=now)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return False
    proposal = db.session.get(Proposal, proposal_id, populate_existing=True)
    counts = dict(
        db.session.execute(
            select(Vote.choice, func.count())
            .where(Vote.proposal_id == proposal_id)
            .group_by(Vote.choice)
        ).all()
    )
    result = decide(
        Rule(proposal.rule),
        counts.get(Choice.FOR, 0),
        counts.get(Choice.AGAINST, 0),
        counts.get(Choice.ABSTAIN, 0),
        electorate_size(),
        proposal.quorum_percent,
    )
    proposal.votes_for = result.votes_for
    proposal.votes_against = result.votes_against
    proposal.votes_abstain = result.votes_abstain
    proposal.electorate = result.electorate
    proposal.quorum_met = result.quorum_met
    proposal.outcome = "carried" if result.carried else "not_carried"
    if proposal.idea is not None:
        proposal.idea.stage = Stage.CARRIED if result.carried else Stage.NOT_CARRIED
    _forget_ballots(proposal_id)
    db.session.commit()
    return True


def _forget_ballots(proposal_id: int) -> None:
    """Keep who took part, in member order and without time or choice; delete the ballots.
    After this, no table ties a member to how they voted."""
    voters = (
        select(Vote.proposal_id, Vote.member_id)
        .where(Vote.proposal_id == proposal_id, Vote.member_id.is_not(None))
        .order_by(Vote.member_id)
    )
    db.session.execute(insert(VoteParticipation).from_select(["proposal_id", "member_id"], voters))
    db.session.execute(delete(Vote).where(Vote.proposal_id == proposal_id))


def due_proposal_ids(now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Proposal.id).where(
                Proposal.closed_at.is_(None),
                Proposal.withdrawn_at.is_(None),
                Proposal.closes_at <= now,
            )
        )
    )


def close_due_proposals(now: datetime | None = None) -> int:
    return sum(close_proposal(proposal_id, now) for proposal_id in due_proposal_ids(now))
