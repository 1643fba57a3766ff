"""What the API reads, as an anonymous visitor would see it: published ideas and comments,
public proposals, topics and updates. Every list is one page in two bounded queries."""

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from coop.api.params import MAX_ID, Page
from coop.ballots.models import Ballot
from coop.comments.models import Comment
from coop.errors import NotFound
from coop.extensions import db
from coop.ideas.models import Idea, Topic
from coop.moderation.states import ModerationState
from coop.proposals.models import Proposal, Visibility
from coop.proposals.services import count_due_on_read
from coop.uktime import utcnow
from coop.updates.models import Update

PROPOSAL_STATUSES = ("open", "closed")


def _found(model, row_id: int, what: str):
    row = db.session.get(model, row_id) if 1 <= row_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"There is no public {what} with the id {row_id}.")
    return row


def public_idea(idea_id: int) -> Idea:
    """Held, hidden and pending ideas do not exist here: the API shows no tombstones."""
    idea = _found(Idea, idea_id, "idea")
    if idea.moderation_state != ModerationState.PUBLISHED:
        raise NotFound(f"There is no public idea with the id {idea_id}.")
    return idea


def public_proposal(proposal_id: int) -> Proposal:
    """A public proposal; one past its closing time is closed first, as on its web page."""
    proposal = _found(Proposal, proposal_id, "proposal")
    if proposal.visibility != Visibility.PUBLIC:
        raise NotFound(f"There is no public proposal with the id {proposal_id}.")
    count_due_on_read(utcnow(), proposal)
    return proposal


def public_proposals(status: str | None, page: Page) -> Pagination:
    """Public proposals, not withdrawn, newest vote first; "open" are those not yet decided
    (voting or upcoming), "closed" those with a published result."""
    count_due_on_read(utcnow())
    statement = select(Proposal).where(
        Proposal.visibility == Visibility.PUBLIC, Proposal.withdrawn_at.is_(None)
    )
    if status == "open":
        statement = statement.where(Proposal.outcome.is_(None))
    elif status == "closed":
        statement = statement.where(Proposal.outcome.is_not(None))
    statement = statement.order_by(Proposal.opens_at.desc(), Proposal.id.desc())
    return _paginate(statement, page)


def public_comments(target: Idea | Proposal, page: Page) -> Pagination:
    """Published comments, oldest first, without the deleted ones. A reply shows when its
    parent is out of review (as on the web page), even when the parent itself is hidden or
    deleted: its `parent_id` then names a comment absent from the list."""
    column = Comment.idea_id if isinstance(target, Idea) else Comment.proposal_id
    parent = aliased(Comment)
    statement = (
        select(Comment)
        .outerjoin(parent, parent.id == Comment.parent_id)
        .where(
            column == target.id,
            Comment.moderation_state == ModerationState.PUBLISHED,
            Comment.deleted_at.is_(None),
            or_(Comment.parent_id.is_(None), parent.moderation_state != ModerationState.PENDING),
        )
        .order_by(Comment.created_at, Comment.id)
    )
    return _paginate(statement, page)


def ballots(proposal: Proposal, page: Page) -> Pagination:
    """The entries of the proposal's ballot box, in the order accepted."""
    statement = select(Ballot).where(Ballot.box_id == proposal.ballot_box_id).order_by(Ballot.seq)
    return _paginate(statement, page)


def topics() -> list[Topic]:
    """Every topic, archived ones too: older ideas are still filed under them."""
    return list(db.session.scalars(select(Topic).order_by(Topic.archived, Topic.name)))


def updates(page: Page) -> Pagination:
    statement = select(Update).order_by(Update.published_at.desc(), Update.id.desc())
    return _paginate(statement, page)


def update(update_id: int) -> Update:
    return _found(Update, update_id, "update")


def _paginate(statement, page: Page) -> Pagination:
    return db.paginate(statement, page=page.number, per_page=page.size, error_out=False)
