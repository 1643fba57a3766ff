"""What goes into each member's digest, found for a whole batch of members at once: a
fixed number of queries per batch, whatever its size (tested)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, union
from sqlalchemy.orm import aliased

from coop.ballots.models import BoxVoter
from coop.comments.models import Comment
from coop.extensions import db
from coop.ideas.models import Idea
from coop.moderation.states import ModerationState
from coop.proposals.models import Proposal
from coop.updates.models import Update

IDEAS_MAX = 10
REPLIES_MAX = 10
CLOSING_SOON = timedelta(hours=48)


@dataclass(frozen=True)
class Recipient:
    member_id: int
    can_vote: bool
    covers_from: datetime


@dataclass(frozen=True)
class Reply:
    comment_id: int
    author_name: str
    excerpt: str
    created_at: datetime
    on_title: str
    idea: Idea | None
    proposal: Proposal | None
    to_your_comment: bool


@dataclass
class DigestContent:
    open_proposals: list[Proposal] = field(default_factory=list)
    closing_soon: list[Proposal] = field(default_factory=list)
    results: list[Proposal] = field(default_factory=list)
    ideas: list[Idea] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    more_replies: int = 0
    updates: list[Update] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.open_proposals
            or self.closing_soon
            or self.results
            or self.ideas
            or self.replies
            or self.updates
        )


@dataclass(frozen=True)
class _News:
    """What is new for everyone between two moments."""

    results: list[Proposal]
    ideas: list[Idea]
    updates: list[Update]


def build_contents(
    recipients: list[Recipient], period_start: datetime, now: datetime
) -> dict[int, DigestContent]:
    """Each recipient's digest: news between their `covers_from` and `period_start`, and
    the votes open `now` that they have not voted on yet."""
    if not recipients:
        return {}
    member_ids = [recipient.member_id for recipient in recipients]
    open_now = _open_proposals(now)
    voted = _voted(member_ids, [proposal.id for proposal in open_now])
    news = {start: _news(start, period_start) for start in {r.covers_from for r in recipients}}
    earliest = min(recipient.covers_from for recipient in recipients)
    replies = _replies(member_ids, earliest, period_start)
    contents = {}
    for recipient in recipients:
        content = DigestContent()
        window = news[recipient.covers_from]
        if recipient.can_vote:
            waiting = [p for p in open_now if (recipient.member_id, p.id) not in voted]
            content.open_proposals = [p for p in waiting if p.opens_at >= recipient.covers_from]
            content.closing_soon = [
                p
                for p in waiting
                if p not in content.open_proposals and p.closes_at <= now + CLOSING_SOON
            ]
        content.results = window.results
        content.ideas = [i for i in window.ideas if i.author_id != recipient.member_id]
        content.ideas = content.ideas[:IDEAS_MAX]
        mine = [r for r in replies[recipient.member_id] if r.created_at >= recipient.covers_from]
        content.replies, content.more_replies = mine[:REPLIES_MAX], max(len(mine) - REPLIES_MAX, 0)
        content.updates = window.updates
        contents[recipient.member_id] = content
    return contents


def _open_proposals(now: datetime) -> list[Proposal]:
    query = (
        select(Proposal)
        .where(
            Proposal.withdrawn_at.is_(None),
            Proposal.closed_at.is_(None),
            Proposal.opens_at <= now,
            Proposal.closes_at > now,
        )
        .order_by(Proposal.closes_at, Proposal.id)
    )
    return list(db.session.scalars(query))


def _voted(member_ids: list[int], proposal_ids: list[int]) -> set[tuple[int, int]]:
    """Whether (not how) each member voted: only to leave out votes they already cast."""
    if not proposal_ids:
        return set()
    query = (
        select(BoxVoter.member_id, Proposal.id)
        .join(Proposal, Proposal.ballot_box_id == BoxVoter.box_id)
        .where(BoxVoter.member_id.in_(member_ids), Proposal.id.in_(proposal_ids))
    )
    return {(member_id, proposal_id) for member_id, proposal_id in db.session.execute(query)}


def _news(start: datetime, end: datetime) -> _News:
    results = db.session.scalars(
        select(Proposal)
        .where(
            Proposal.closed_at >= start,
            Proposal.closed_at < end,
            Proposal.outcome.is_not(None),
            Proposal.withdrawn_at.is_(None),
        )
        .order_by(Proposal.closed_at.desc())
    )
    ideas = db.session.scalars(
        select(Idea)
        .where(
            Idea.created_at >= start,
            Idea.created_at < end,
            Idea.moderation_state == ModerationState.PUBLISHED,
            Idea.withdrawn_at.is_(None),
        )
        .order_by(Idea.support_count.desc(), Idea.id.desc())
        .limit(IDEAS_MAX + 1)  # one more, in case the member wrote one of them
    )
    updates = db.session.scalars(
        select(Update)
        .where(Update.published_at >= start, Update.published_at < end)
        .order_by(Update.published_at.desc())
    )
    return _News(list(results), list(ideas), list(updates))


def _replies(member_ids: list[int], start: datetime, end: datetime) -> dict[int, list[Reply]]:
    """Comments by others on the members' ideas, and replies to the members' comments.
    Each half starts from the members (author indexes), not from the window of comments,
    so its cost follows what the members wrote rather than the size of the table."""
    parent = aliased(Comment)
    in_window = (Comment.created_at >= start, Comment.created_at < end)
    to_their_comments = (
        select(Comment.id)
        .join(parent, Comment.parent_id == parent.id)
        .where(parent.author_id.in_(member_ids), *in_window)
    )
    on_their_ideas = (
        select(Comment.id)
        .join(Idea, Comment.idea_id == Idea.id)
        .where(Idea.author_id.in_(member_ids), Idea.withdrawn_at.is_(None), *in_window)
    )
    wanted = union(to_their_comments, on_their_ideas).subquery()
    query = (
        select(Comment, parent.author_id, Idea, Proposal)
        .join(wanted, wanted.c.id == Comment.id)
        .outerjoin(parent, Comment.parent_id == parent.id)
        .outerjoin(Idea, Comment.idea_id == Idea.id)
        .outerjoin(Proposal, Comment.proposal_id == Proposal.id)
        .where(
            Comment.moderation_state == ModerationState.PUBLISHED,
            Comment.deleted_at.is_(None),
        )
        .order_by(Comment.created_at, Comment.id)
    )
    found: dict[int, list[Reply]] = defaultdict(list)
    for comment, parent_author_id, idea, proposal in db.session.execute(query):
        on_their_idea = idea is not None and idea.withdrawn_at is None
        targets = {parent_author_id, idea.author_id if on_their_idea else None}
        targets -= {None, comment.author_id}
        for member_id in targets:
            found[member_id].append(
                Reply(
                    comment_id=comment.id,
                    author_name=comment.author.display_name if comment.author else "Former member",
                    excerpt=_excerpt(comment.body),
                    created_at=comment.created_at,
                    on_title=idea.title if idea else proposal.question,
                    idea=idea,
                    proposal=proposal,
                    to_your_comment=member_id == parent_author_id,
                )
            )
    return found


def _excerpt(text: str, length: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
