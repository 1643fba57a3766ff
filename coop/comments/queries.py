"""A discussion read a page at a time, so that an item with thousands of comments costs the
same to show as one with fifty: two statements at most (the page's comments with the total,
and the comment a page's first replies answer when it began on an earlier page).

Comments are in thread order, oldest thread first, each reply under its thread: the key is
(thread, id), thread being the comment's parent or itself. Pages cut that order every
COMMENTS_PER_PAGE comments, whoever reads, so a comment's page is the same for every reader
and a link to it (`/comments/<id>`) finds it; the newest threads are on the last page.
Comments waiting for review are counted on every page but shown only to their author and
moderators, as before."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, func, or_, select

from coop.accounts.models import Member
from coop.comments.models import Comment
from coop.comments.services import Thread, target_column
from coop.extensions import db
from coop.ideas.models import Idea
from coop.moderation.rules import is_listed
from coop.proposals.models import Proposal

PER_PAGE = 50
thread_key = func.coalesce(Comment.parent_id, Comment.id)


def per_page() -> int:
    return current_app.config.get("COMMENTS_PER_PAGE", PER_PAGE)


@dataclass
class DiscussionPage:
    threads: list[Thread]
    number: int
    pages: int
    continued: bool  # the first thread began on an earlier page


def discussion_page(
    target: Idea | Proposal, reader: Member | None, number: int
) -> DiscussionPage | None:
    """Page `number` of the discussion as `reader` sees it; None when there is no such
    page (beyond the last, an empty discussion having one empty page)."""
    size = per_page()
    rows = db.session.execute(
        select(Comment, func.count().over().label("total"))
        .where(target_column(target) == target.id)
        .order_by(thread_key, Comment.id)
        .limit(size)
        .offset((number - 1) * size)
    ).all()
    if not rows:
        return DiscussionPage([], 1, 1, False) if number == 1 else None
    comments = [row[0] for row in rows]
    pages = -(-rows[0].total // size)
    threads: dict[int, Thread] = {}
    first = comments[0]
    continued = first.parent_id is not None
    if continued:
        root = db.session.get(Comment, first.parent_id)
        if root is not None and is_listed(reader, root):
            threads[root.id] = Thread(root)
    for comment in (c for c in comments if is_listed(reader, c)):
        if comment.parent_id is None:
            threads[comment.id] = Thread(comment)
        elif comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    return DiscussionPage(list(threads.values()), number, pages, continued)


def page_of(comment: Comment) -> int:
    """The page of its discussion a comment is on, for every reader alike."""
    thread = comment.parent_id or comment.id
    column = Comment.idea_id if comment.idea_id is not None else Comment.proposal_id
    before = db.session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(
            column == (comment.idea_id or comment.proposal_id),
            or_(thread_key < thread, and_(thread_key == thread, Comment.id < comment.id)),
        )
    )
    return before // per_page() + 1
