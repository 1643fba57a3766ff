"""Comments on ideas and proposals, one level of replies. Callers commit."""

from dataclasses import dataclass, field

from sqlalchemy import delete, exists, select, update

from coop.accounts.models import Member
from coop.accounts.permissions import require_contributor
from coop.comments.models import COMMENT_MAX, Comment, CommentRevision
from coop.errors import Conflict, NotAllowed, NotFound
from coop.extensions import db
from coop.ideas.models import Idea, Stage
from coop.ideas.services import visible_idea
from coop.markdown import render_markdown
from coop.moderation.rules import initial_state, is_listed
from coop.moderation.states import ModerationState
from coop.proposals.models import Proposal
from coop.proposals.services import visible_proposal
from coop.uktime import utcnow
from coop.validation import required_text

CLOSED_IDEA_STAGES = {Stage.WITHDRAWN, Stage.DECLINED}
NOT_IN_DISCUSSION = "The comment you replied to is not in this discussion."


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def target_column(target: Idea | Proposal):
    return Comment.idea_id if isinstance(target, Idea) else Comment.proposal_id


def wrote_in(threads: list[Thread], member_id: int) -> bool:
    return any(
        comment.author_id == member_id
        for thread in threads
        for comment in (thread.comment, *thread.replies)
    )


def shared_reading(reader: Member | None, target: Idea | Proposal) -> tuple:
    """Who else sees the discussion exactly as `reader` does, so that it can be kept for
    them (coop/fragments.py): every visitor; every member who wrote none of it and does not
    moderate, by whether they may take part; and otherwise the reader alone (their own
    comments carry their own controls, a moderator sees more)."""
    if reader is None or not reader.is_authenticated:
        return ("visitor",)
    if reader.is_organiser:
        return ("moderator", reader.id)
    wrote = getattr(target, "reader_commented", None)  # loaded with an idea for its reader
    if wrote is None:
        wrote = db.session.scalar(
            select(
                exists().where(target_column(target) == target.id, Comment.author_id == reader.id)
            )
        )
    return ("writer", reader.id) if wrote else ("member", reader.can_contribute)


def add_comment(
    actor: Member, target: Idea | Proposal, body: str, parent_id: int | None = None
) -> Comment:
    require_contributor(actor)
    if isinstance(target, Idea) and target.stage in CLOSED_IDEA_STAGES:
        raise Conflict("This idea is closed to new comments.")
    if isinstance(target, Idea) and not target.is_published:
        raise Conflict("This idea is not open to comments while it is under review.")
    if target.comments_locked:
        raise Conflict("Moderators have closed this discussion to new comments.")
    body = required_text(body, "body", COMMENT_MAX, "your comment")
    parent = _parent(actor, target, parent_id) if parent_id else None
    comment = Comment(
        author=actor,
        body=body,
        body_html=render_markdown(body),
        parent_id=parent.parent_id or parent.id if parent else None,
        moderation_state=initial_state(actor),
    )
    if isinstance(target, Idea):
        comment.idea_id = target.id
    else:
        comment.proposal_id = target.id
    db.session.add(comment)
    if comment.is_published:
        change_comment_count(target, +1)
    db.session.flush()
    return comment


def _parent(actor: Member, target: Idea | Proposal, parent_id: int) -> Comment:
    parent = db.session.get(Comment, parent_id)
    on_target = parent is not None and getattr(parent, target_column(target).key) == target.id
    if not on_target or not is_listed(actor, parent) or parent.is_deleted:
        raise NotFound(NOT_IN_DISCUSSION)
    return parent


def change_comment_count(target: Idea | Proposal, change: int) -> None:
    """The count shown publicly: comments that are out of review (tombstones included)."""
    model = type(target)
    db.session.execute(
        update(model)
        .where(model.id == target.id)
        .values(comment_count=model.comment_count + change)
    )
    db.session.expire(target, ["comment_count"])


def get_comment(comment_id: int, deleted_too: bool = False) -> Comment:
    """The comment; a deleted one (a tombstone in its thread) only when asked for."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or (comment.is_deleted and not deleted_too):
        raise NotFound("We could not find that comment.")
    return comment


def visible_target(reader: Member | None, comment: Comment) -> Idea | Proposal:
    """The idea or proposal a comment is on, if this reader may open its page."""
    if comment.idea_id is not None:
        return visible_idea(reader, comment.idea_id)
    return visible_proposal(reader, comment.proposal_id, with_idea=False)


def check_can_change(actor: Member, comment: Comment) -> None:
    require_contributor(actor)
    if comment.author_id != actor.id:
        raise NotAllowed("Only the author can change this comment.")


def edit_comment(actor: Member, comment_id: int, body: str) -> Comment:
    comment = get_comment(comment_id)
    check_can_change(actor, comment)
    body = required_text(body, "body", COMMENT_MAX, "your comment")
    if body == comment.body:
        return comment
    db.session.add(CommentRevision(comment_id=comment.id, body=comment.body))
    comment.body, comment.body_html, comment.edited_at = body, render_markdown(body), utcnow()
    return comment


def delete_comment(actor: Member, comment_id: int) -> Comment:
    """Leave a tombstone so the thread stays readable; the words and revisions go."""
    comment = get_comment(comment_id)
    check_can_change(actor, comment)
    comment.deleted_at = utcnow()
    comment.body = comment.body_html = ""
    db.session.execute(delete(CommentRevision).where(CommentRevision.comment_id == comment.id))
    if comment.moderation_state != ModerationState.PENDING:
        change_comment_count(comment_target(comment), -1)
    return comment


def comment_target(comment: Comment) -> Idea | Proposal:
    if comment.idea_id is not None:
        return db.session.get(Idea, comment.idea_id)
    return db.session.get(Proposal, comment.proposal_id)
