"""The right to erasure (UK GDPR art. 17): a member deletes their own account, and accounts
never verified are purged 7 days after joining. Callers commit, once: any failure rolls the
whole erasure back.

Erased at once: the member row (name, email, password, two-step secret), and with it, by the
database's foreign keys, their reactions, reports, notifications, consent history, digests,
data exports, recovery codes and record of which closed votes they took part in; their
appeals, the sanctions on their account, and every email to or about them in the outbox.

What remains carries no name:
- supports, oppositions and votes only inside the counts: idea counters are not moved when
  the reaction rows go, a ballot in a vote still open loses its member and is counted when
  the vote closes;
- their ideas and comments, by the member's choice: kept, shown as by a "Former member",
  or emptied. An emptied comment becomes the same tombstone as a deleted comment. An emptied
  idea becomes a tombstone too (never deleted outright): its fixed title and text replace
  the author's, its earlier versions go, an idea still open for discussion is withdrawn,
  while other members' comments and supports, its proposal and its result stay;
- the audit log, where their entries now say "Former member" (migration 0008 lets exactly
  this update through) and the deletion itself is recorded without naming them.

Export archives on disk cannot join a database transaction: the service returns their file
names and the caller removes them after the commit (`remove_export_files`).

Beyond the tables, at the commit: the kept pages and fragments that could show the member
stop being served (the bulk delete moves the page cache's generation, coop/cache.py) and the
folder cache's files of older generations are deleted. After the commit the caller runs
`checkpoint_sqlite()`: SQLite has zeroed the deleted rows (secure_delete) and the WAL, which
still holds them, is emptied. Where it stops: PostgreSQL keeps dead rows in its pages until
vacuum and in its WAL, replicas and backups for as long as they are kept; Redis may hold an
out-of-date kept page for up to PAGE_CACHE_SECONDS; the filesystem may keep the blocks of
deleted files until they are reused.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, or_, select, text, update

from coop.accounts.models import Member, Role
from coop.accounts.permissions import is_member
from coop.audit.models import AuditEntry
from coop.comments.models import Comment, CommentRevision
from coop.db import dialects
from coop.errors import Conflict, Invalid, NotAllowed
from coop.extensions import db
from coop.ideas.models import Idea, IdeaRevision, Stage
from coop.mail.models import OutboundEmail
from coop.markdown import render_markdown
from coop.moderation.models import Appeal, ModerationAction
from coop.moderation.states import ModerationState
from coop.privacy.models import DataExport
from coop.proposals.models import Proposal
from coop.security import verify_password
from coop.uktime import utcnow

log = logging.getLogger(__name__)

FORMER_MEMBER = "Former member"  # the one name migration 0008 lets into an old audit entry
SCHEDULED_TASK = "scheduled task"
UNVERIFIED_FOR = timedelta(days=7)
PURGE_BATCH = 500
IDEA_TOMBSTONE_TITLE = "Removed by its author"
IDEA_TOMBSTONE_BODY = "The author deleted this idea, with their account."
IDEA_TOMBSTONE_SLUG = "removed"
WRONG_PASSWORD = "Your password is not right."  # noqa: S105 - a message, not a password
LAST_ADMIN = (
    "You are the only admin, and someone must remain able to administer the network. "
    "Make another member an admin first (Roles, in the admin pages), then delete your account."
)


@dataclass
class Erasure:
    """What an erasure did; the archive files are for the caller to remove after commit."""

    accounts: int = 0
    export_files: list[str] = field(default_factory=list)


def delete_account(actor: Member, password: str, keep_contributions: bool) -> Erasure:
    """The member deletes their own account, after giving their password again."""
    if not is_member(actor):
        raise NotAllowed("Please sign in to delete your account.")
    member = _lock_member_and_admins(actor.id)
    if member is None:
        raise Conflict("This account has already been deleted.")
    if not password or not verify_password(member.password_hash, password):
        raise Invalid(WRONG_PASSWORD, "password")
    if is_last_admin(member):
        raise Conflict(LAST_ADMIN)
    erasure = _erase([member.id], keep_contributions)
    db.session.add(
        AuditEntry(
            actor_id=None,
            actor_name=FORMER_MEMBER,
            action="account.delete",
            reason="Deleted their own account",
            details={"contributions": "kept" if keep_contributions else "deleted"},
        )
    )
    db.session.flush()
    # The row is gone; keep the signed-in object readable until the view has signed out.
    db.session.expunge(member)
    return erasure


def _lock_member_and_admins(member_id: int) -> Member | None:
    """Lock the member with every admin, always in id order: two last admins deleting at
    once wait for each other instead of both seeing the other one still there."""
    rows = db.session.scalars(
        select(Member)
        .where(or_(Member.id == member_id, Member.role == Role.ADMIN))
        .order_by(Member.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return next((row for row in rows if row.id == member_id), None)


def is_last_admin(member: Member) -> bool:
    """An admin nobody else could replace: every other admin account is banned (cannot sign
    in) or there is none. An admin without two-step sign-in yet can still set it up."""
    if member.role != Role.ADMIN:
        return False
    others = select(func.count()).where(
        Member.role == Role.ADMIN, Member.id != member.id, Member.banned_at.is_(None)
    )
    return db.session.scalar(others) == 0


def purge_unverified(now: datetime) -> Erasure:
    """Erase accounts whose address was never confirmed, 7 days after joining."""
    member_ids = list(
        db.session.scalars(
            select(Member.id)
            .where(
                Member.email_verified_at.is_(None),
                Member.created_at <= now - UNVERIFIED_FOR,
                Member.role == Role.MEMBER,  # staff accounts are made verified, by hand
            )
            .order_by(Member.id)
            .with_for_update()
        )
    )
    erasure = Erasure()
    for start in range(0, len(member_ids), PURGE_BATCH):
        batch = _erase(member_ids[start : start + PURGE_BATCH], keep_contributions=False)
        erasure.accounts += batch.accounts
        erasure.export_files += batch.export_files
    if erasure.accounts:
        db.session.add(
            AuditEntry(
                actor_id=None,
                actor_name=SCHEDULED_TASK,
                action="account.purge_unverified",
                reason="Email address never confirmed within 7 days",
                details={"accounts": erasure.accounts},
            )
        )
    db.session.flush()
    return erasure


def _erase(member_ids: list[int], keep_contributions: bool) -> Erasure:
    if not member_ids:
        return Erasure()
    export_files = list(
        db.session.scalars(
            select(DataExport.file_name).where(
                DataExport.member_id.in_(member_ids), DataExport.file_name.is_not(None)
            )
        )
    )
    emails = list(db.session.scalars(select(Member.email).where(Member.id.in_(member_ids))))
    if not keep_contributions:
        _empty_comments(member_ids)
        _empty_ideas(member_ids)
    # Letters to the moderators, not contributions; nobody is left to answer them.
    _run(delete(Appeal).where(Appeal.appellant_id.in_(member_ids)))
    # Sanctions on the person (their content's moderation stays with the content). Their ids
    # have no foreign key, and SQLite may give a deleted member's id to the next one.
    _run(
        delete(ModerationAction).where(
            ModerationAction.target_type == "member", ModerationAction.target_id.in_(member_ids)
        )
    )
    _run(
        delete(OutboundEmail).where(
            or_(OutboundEmail.member_id.in_(member_ids), OutboundEmail.to_address.in_(emails))
        )
    )
    _anonymise_audit(member_ids)
    # The foreign keys do the rest: CASCADE for what is theirs alone (reactions, reports,
    # notifications, consents, digests, exports, recovery codes, vote participation), SET
    # NULL for what stays (ideas, comments, updates, proposals, moderation by them, ballots
    # in open votes). No trigger moves the idea counters, so the counts stay as they were.
    deleted = _run(delete(Member).where(Member.id.in_(member_ids)))
    return Erasure(accounts=deleted, export_files=export_files)


def _run(statement) -> int:
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount


def _empty_comments(member_ids: list[int]) -> None:
    """The tombstone of coop.comments.services.delete_comment, for all of them at once."""
    theirs = select(Comment.id).where(Comment.author_id.in_(member_ids))
    _run(delete(CommentRevision).where(CommentRevision.comment_id.in_(theirs)))
    live = (Comment.author_id.in_(member_ids), Comment.deleted_at.is_(None))
    counted = (*live, Comment.moderation_state != ModerationState.PENDING)
    for column, model in ((Comment.idea_id, Idea), (Comment.proposal_id, Proposal)):
        per_target = db.session.execute(
            select(column, func.count()).where(*counted, column.is_not(None)).group_by(column)
        ).all()
        for target_id, count in per_target:
            _run(
                update(model)
                .where(model.id == target_id)
                .values(comment_count=model.comment_count - count)
            )
    _run(update(Comment).where(*live).values(deleted_at=utcnow(), body="", body_html=""))


def _empty_ideas(member_ids: list[int]) -> None:
    theirs = Idea.author_id.in_(member_ids)
    _run(delete(IdeaRevision).where(IdeaRevision.idea_id.in_(select(Idea.id).where(theirs))))
    _run(
        update(Idea)
        .where(theirs, Idea.stage == Stage.DISCUSSION)
        .values(stage=Stage.WITHDRAWN, withdrawn_at=utcnow())
    )
    changed = _run(
        update(Idea)
        .where(theirs)
        .values(
            title=IDEA_TOMBSTONE_TITLE,
            slug=IDEA_TOMBSTONE_SLUG,
            body=IDEA_TOMBSTONE_BODY,
            body_html=render_markdown(IDEA_TOMBSTONE_BODY),
            edited_at=None,
        )
    )
    if changed:
        _forget_search_terms()


def _forget_search_terms() -> None:
    """PostgreSQL's search index follows the rows. SQLite's FTS5 index marks replaced text
    as deleted but keeps its words in its pages until they are merged: merge them now."""
    if dialects.search_index_keeps_replaced_words():
        db.session.execute(text("INSERT INTO ideas_fts(ideas_fts) VALUES ('optimize')"))


def _anonymise_audit(member_ids: list[int]) -> None:
    """The only update the audit log accepts (migration 0008). Details and reasons are not
    rewritten: no audit record names a member there (they hold roles, categories, titles,
    ids), and a reason is what an organiser wrote about an action, kept as written."""
    _run(
        update(AuditEntry)
        .where(AuditEntry.actor_id.in_(member_ids))
        .values(actor_id=None, actor_name=FORMER_MEMBER)
    )
    _run(
        update(AuditEntry)
        .where(AuditEntry.target_type == "member", AuditEntry.target_id.in_(member_ids))
        .values(target_id=None)
    )


def remove_export_files(file_names: Iterable[str]) -> None:
    """After the commit: delete the erased members' export archives from disk. A file left
    behind by a failure here is logged (by name only)."""
    folder = Path(current_app.config["INSTANCE_DIR"]) / "exports"
    for name in file_names:
        path = folder / name
        if path.name != name:  # only a plain file name inside the exports folder
            log.warning("refused to remove an export file outside the folder: %r", name)
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("could not remove the export file %s", name)
