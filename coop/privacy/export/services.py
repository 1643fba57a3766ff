"""The right of access: a member asks for a copy of everything the platform keeps about them.

The request re-checks the password and is built by Celery (`build_export`, ids only); the
archive is a ZIP of JSON files and a README, downloadable by that member only, for 7 days.
Ballots are opinions the platform forgets when a vote closes, so an archive holding one
expires when the first such vote closes; the purge deletes it from the disk soon after.
"""

import json
import os
import secrets
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import and_, case, delete, or_, select

from coop.accounts.models import Member
from coop.audit.models import AuditEntry
from coop.ballots.models import Ballot, BoxVoter
from coop.ballots.record import format_tracker
from coop.celery_app import enqueue_after_commit
from coop.comments.models import Comment, CommentRevision
from coop.digests.models import Digest
from coop.donations.models import Gift, Recipient
from coop.donations.online.models import Checkout
from coop.errors import Conflict, Invalid, NotFound
from coop.extensions import db
from coop.ideas.models import Idea, IdeaRevision, Reaction, Topic
from coop.mail.models import OutboundEmail
from coop.mail.services import queue_email
from coop.membership.models import (
    Application,
    Inspection,
    Membership,
    OfficerEntry,
    OfficeTerm,
    RegisterEntry,
)
from coop.moderation.models import Appeal, ModerationAction, Report
from coop.notifications.models import Notification
from coop.privacy.models import ConsentKind, ConsentRecord, DataExport, ExportStatus
from coop.proposals.models import Proposal
from coop.security import verify_password
from coop.uktime import utcnow
from coop.updates.models import Update
from coop.web import absolute_url

KEPT_FOR = timedelta(days=7)
REQUESTS_PER_DAY = 3
# A request still pending after this long lost its task (broker outage): ask again.
STALE_AFTER = timedelta(hours=1)
# Files no row points to (a build that died before its commit, a deleted account).
ORPHAN_AFTER = timedelta(hours=1)


def request_export(actor: Member, password: str, now: datetime | None = None) -> DataExport:
    """Record a member's request, after they proved it is them, and build it after the commit."""
    now = now or utcnow()
    if not verify_password(actor.password_hash, password or ""):
        raise Invalid(
            "Your password is not right. Enter the password you sign in with.", "password"
        )
    recent = db.session.execute(
        select(DataExport.status, DataExport.requested_at).where(
            DataExport.member_id == actor.id, DataExport.requested_at > now - timedelta(days=1)
        )
    ).all()
    if any(status == ExportStatus.PENDING and at > now - STALE_AFTER for status, at in recent):
        raise Conflict("We are still preparing your last copy. We will email you when it is ready.")
    if len(recent) >= REQUESTS_PER_DAY:
        raise Conflict(
            f"You have asked for a copy {REQUESTS_PER_DAY} times today. "
            "Please use the link we emailed you, or ask again tomorrow."
        )
    export = DataExport(member_id=actor.id, token=secrets.token_urlsafe(32), requested_at=now)
    db.session.add(export)
    db.session.flush()
    enqueue_after_commit(db.session, "coop.privacy.build_export", export.id)
    return export


def build_export(export_id: int, now: datetime | None = None) -> DataExport | None:
    """Collect the member's data, write the archive and email the link. Does nothing for a
    row that is gone or already built, so a task delivered twice builds once."""
    export = db.session.scalar(
        select(DataExport).where(DataExport.id == export_id).with_for_update()
    )
    if export is None or export.status != ExportStatus.PENDING:
        return None
    member = db.session.get(Member, export.member_id)
    now = now or utcnow()
    files = collect(member)
    files["README.txt"] = render_template(
        "privacy/export_readme.txt", member=member, made_at=now, files=FILES, kept_for=KEPT_FOR
    )
    file_name = f"{secrets.token_urlsafe(24)}.zip"
    export.size_bytes = _write_archive(export_folder() / file_name, files)
    export.file_name = file_name
    export.status = ExportStatus.READY
    export.ready_at = now
    export.expires_at = now + KEPT_FOR
    queue_email(
        member.email,
        "Your copy of your data is ready",
        "privacy/export_email",
        member_id=member.id,
        member=member,
        link=absolute_url("data_export.ready"),
        expires_at=export.expires_at,
    )
    return export


def mark_failed(export_id: int) -> None:
    export = db.session.get(DataExport, export_id)
    if export is not None and export.status == ExportStatus.PENDING:
        export.status = ExportStatus.FAILED


def find_export(member: Member, token: str) -> DataExport:
    """The member's own export with this token; anyone else's is as good as missing."""
    export = db.session.scalar(select(DataExport).where(DataExport.token == token))
    if export is None or export.member_id != member.id:
        raise NotFound(
            "This download link is not valid or has been deleted. Check you copied all of it, "
            "or ask for a new copy on your account page."
        )
    return export


def archive_path(export: DataExport, now: datetime | None = None) -> Path | None:
    """The file to download, or None when the export has expired or was deleted."""
    now = now or utcnow()
    if export.status != ExportStatus.READY or export.expires_at is None:
        return None
    if export.expires_at <= now:
        return None
    if db.session.scalar(select(_withdrawal(export.member_id, export.requested_at).exists())):
        return None
    path = export_folder() / export.file_name
    return path if path.is_file() else None


def progress(export: DataExport, now: datetime | None = None) -> str:
    """What the member is told: preparing, lost (ask again), failed, ready or expired."""
    now = now or utcnow()
    if export.status == ExportStatus.PENDING:
        return "preparing" if export.requested_at > now - STALE_AFTER else "lost"
    if export.status == ExportStatus.FAILED:
        return "failed"
    return "ready" if archive_path(export, now) is not None else "expired"


def latest_export(member: Member) -> DataExport | None:
    return db.session.scalar(
        select(DataExport)
        .where(DataExport.member_id == member.id)
        .order_by(DataExport.requested_at.desc(), DataExport.id.desc())
        .limit(1)
    )


def purge_expired_exports(now: datetime | None = None) -> int:
    """Delete the files and rows of expired exports, of failed or lost ones after 7 days, of
    copies of opinions the member has since withdrawn, and files no row points to."""
    now = now or utcnow()
    doomed = db.session.execute(
        select(DataExport.id, DataExport.file_name).where(
            or_(
                DataExport.expires_at <= now,
                and_(
                    DataExport.status != ExportStatus.READY,
                    DataExport.requested_at <= now - KEPT_FOR,
                ),
                and_(
                    DataExport.status == ExportStatus.READY,
                    _withdrawal(DataExport.member_id, DataExport.requested_at).exists(),
                ),
            )
        )
    ).all()
    if doomed:
        db.session.execute(delete(DataExport).where(DataExport.id.in_([row.id for row in doomed])))
    folder = export_folder()
    for row in doomed:
        if row.file_name:
            (folder / row.file_name).unlink(missing_ok=True)
    kept = set(
        db.session.scalars(select(DataExport.file_name).where(DataExport.file_name.is_not(None)))
    )
    cutoff = (now - ORPHAN_AFTER).timestamp()
    for path in folder.iterdir():
        if path.name not in kept and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
    return len(doomed)


def export_folder() -> Path:
    folder = Path(current_app.config["INSTANCE_DIR"]).resolve() / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _withdrawal(member_id, since):
    """The member withdrew consent to keeping their opinions at or after `since`: a copy
    made before then holds supports and ballots the platform has since deleted."""
    return select(ConsentRecord.id).where(
        ConsentRecord.member_id == member_id,
        ConsentRecord.kind == ConsentKind.POLITICAL_OPINIONS,
        ConsentRecord.granted.is_(False),
        ConsentRecord.recorded_at >= since,
    )


def _write_archive(path: Path, files: dict[str, str]) -> int:
    """Write the ZIP under a temporary name, readable by this process's user only, and move it
    into place whole."""
    part = path.with_suffix(".part")
    try:
        with (
            open(part, "xb", opener=_private) as raw,
            zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            for name, text in files.items():
                archive.writestr(name, text)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path.stat().st_size


def _private(name: str, flags: int) -> int:
    return os.open(name, flags, 0o600)


# What each file holds, in the words of the README; one query each (`_STATEMENTS`).
FILES = {
    "profile.json": "Your account: name, email address, role, when you joined and last signed "
    "in, your current consents, digest choice, whether two-step sign-in is on, any suspension.",
    "consents.json": "Every consent you gave or withdrew, with the version of the privacy "
    "notice and the time.",
    "ideas.json": "Your ideas as they are now, with their stage, moderation and totals.",
    "idea_revisions.json": "Earlier versions of your ideas, kept each time you edited one.",
    "comments.json": "Your comments and replies, and what they were on. A comment you deleted "
    "is kept empty so that the replies to it still make sense.",
    "comment_revisions.json": "Earlier versions of your comments, kept each time you edited one.",
    "reactions.json": "Your supports and oppositions of ideas.",
    "votes.json": "The votes you took part in, with your ballot's tracker (to find it on the "
    "vote's public list of ballots). Never how you voted: your ballot is encrypted and only "
    "each vote's total is ever decrypted, so nobody, us included, can read it back.",
    "reports.json": "Contributions you reported to the moderators, with your reason and note.",
    "moderation.json": "What moderators did to your contributions or account, with their "
    "reasons, and your appeals and how they were decided.",
    "notifications.json": "The messages shown to you under Notifications.",
    "digests.json": "Digest emails planned or sent to you: when, and whether they went out. "
    "Their content is never kept.",
    "emails.json": "Emails we sent you or are about to send you: subject and time only.",
    "updates.json": "Organisers' updates you wrote.",
    "audit.json": "Actions you took as an organiser or admin, as the audit log records them.",
    "data_exports.json": "Your requests for a copy of your data.",
    "membership_applications.json": "Your applications to become a member of the co-operative, "
    "with the payment recorded for your share and the board's decision.",
    "register_of_members.json": "Every entry the register of members holds about you (the law "
    "requires it: Co-operative and Community Benefit Societies Act 2014, s.30). It is kept "
    "even if you delete your account: see the privacy notice.",
    "register_of_officers.json": "Every entry the register of officers holds about you, if "
    "you held an office of the society.",
    "register_inspections.json": "Your requests to inspect the register of members (s.103).",
    "gifts.json": "Gifts recorded as yours, with the declaration you made and what the "
    "treasurer decided (kept as political-finance law requires, even after you delete your "
    "account: see the privacy notice).",
    "donation_checkouts.json": "What you declared when you gave online, for each gift you "
    "started while signed in (one never paid is removed after a week).",
}


def collect(member: Member) -> dict[str, str]:
    """The member's data as JSON texts by file name. Only rows that are the member's own:
    no other member is named."""
    data = {name: _dicts(statement(member.id)) for name, statement in _STATEMENTS.items()}
    data["profile.json"] = _profile(member)
    return {name: json.dumps(data[name], ensure_ascii=False, indent=2) + "\n" for name in FILES}


def _plain(value):
    if isinstance(value, bytes):  # a ballot's tracker
        return format_tracker(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat() if isinstance(value, date) else value


def _dicts(statement) -> list[dict]:
    rows = db.session.execute(statement).mappings()
    return [{key: _plain(value) for key, value in row.items()} for row in rows]


def _profile(member: Member) -> dict:
    return {
        "id": member.id,
        "display_name": member.display_name,
        "email": member.email,
        "role": member.role,
        "joined_at": _plain(member.created_at),
        "email_confirmed_at": _plain(member.email_verified_at),
        "last_sign_in_at": _plain(member.last_sign_in_at),
        "privacy_notice_version": member.privacy_notice_version,
        "consent_political_opinions": member.political_opinions_consent,
        "consent_email_updates": member.email_updates_consent,
        "digest_frequency": member.digest_frequency,
        "two_step_sign_in": bool(member.totp_secret),
        "approved_contributions": member.approved_contributions,
        "suspended_until": _plain(member.suspended_until),
        "banned_at": _plain(member.banned_at),
    }


# One statement per file, given the member's id; only rows that are the member's own.
_STATEMENTS = {
    "consents.json": lambda m: select(
        ConsentRecord.kind, ConsentRecord.granted, ConsentRecord.notice_version,
        ConsentRecord.recorded_at,
    ).where(ConsentRecord.member_id == m).order_by(ConsentRecord.recorded_at, ConsentRecord.id),
    "ideas.json": lambda m: select(
        Idea.id, Idea.title, Idea.body, Topic.name.label("topic"), Idea.stage, Idea.created_at,
        Idea.edited_at, Idea.withdrawn_at, Idea.moderation_state, Idea.moderation_reason,
        Idea.support_count.label("supports"), Idea.oppose_count.label("oppositions"),
        Idea.comment_count.label("comments"),
    ).join(Topic, Topic.id == Idea.topic_id).where(Idea.author_id == m).order_by(Idea.id),
    "idea_revisions.json": lambda m: select(
        IdeaRevision.idea_id.label("idea"), IdeaRevision.title, IdeaRevision.body,
        Topic.name.label("topic"), IdeaRevision.created_at.label("replaced_at"),
    ).join(Idea, Idea.id == IdeaRevision.idea_id).join(Topic, Topic.id == IdeaRevision.topic_id)
    .where(Idea.author_id == m).order_by(IdeaRevision.created_at, IdeaRevision.id),
    "comments.json": lambda m: select(
        Comment.id, Comment.idea_id.label("on_idea"), Idea.title.label("idea_title"),
        Comment.proposal_id.label("on_proposal"), Proposal.question.label("proposal_question"),
        Comment.parent_id.label("reply_to_comment"), Comment.body, Comment.created_at,
        Comment.edited_at, Comment.deleted_at, Comment.moderation_state,
        Comment.moderation_reason,
    ).outerjoin(Idea, Idea.id == Comment.idea_id)
    .outerjoin(Proposal, Proposal.id == Comment.proposal_id)
    .where(Comment.author_id == m).order_by(Comment.id),
    "comment_revisions.json": lambda m: select(
        CommentRevision.comment_id.label("comment"), CommentRevision.body,
        CommentRevision.created_at.label("replaced_at"),
    ).join(Comment, Comment.id == CommentRevision.comment_id)
    .where(Comment.author_id == m).order_by(CommentRevision.created_at, CommentRevision.id),
    "reactions.json": lambda m: select(
        Reaction.idea_id.label("idea"), Idea.title,
        case((Reaction.value > 0, "support"), else_="oppose").label("reaction"),
        Reaction.created_at,
    ).join(Idea, Idea.id == Reaction.idea_id)
    .where(Reaction.member_id == m).order_by(Reaction.created_at, Reaction.id),
    "votes.json": lambda m: select(
        Proposal.id.label("proposal"), Proposal.question, Proposal.closes_at, Proposal.outcome,
        Ballot.tracker.label("ballot_tracker"),
    ).join(BoxVoter, BoxVoter.box_id == Proposal.ballot_box_id)
    .outerjoin(Ballot, Ballot.id == BoxVoter.ballot_id)
    .where(BoxVoter.member_id == m).order_by(Proposal.closes_at, Proposal.id),
    "reports.json": lambda m: select(
        Report.target_type.label("item_type"), Report.target_id.label("item_id"),
        Report.reason, Report.note, Report.created_at, Report.resolved_at,
    ).where(Report.reporter_id == m).order_by(Report.id),
    "moderation.json": lambda m: select(
        ModerationAction.action, ModerationAction.target_type.label("item_type"),
        ModerationAction.target_id.label("item_id"), ModerationAction.category,
        ModerationAction.reason, ModerationAction.days, ModerationAction.created_at,
        Appeal.statement.label("appeal"), Appeal.created_at.label("appealed_at"),
        Appeal.outcome.label("appeal_outcome"), Appeal.decision_reason.label("appeal_reason"),
        Appeal.decided_at.label("appeal_decided_at"),
    ).outerjoin(Appeal, Appeal.action_id == ModerationAction.id)
    .where(or_(ModerationAction.member_id == m, Appeal.appellant_id == m))
    .order_by(ModerationAction.created_at, ModerationAction.id),
    "notifications.json": lambda m: select(
        Notification.message, Notification.link, Notification.created_at, Notification.read_at,
    ).where(Notification.member_id == m).order_by(Notification.created_at, Notification.id),
    "digests.json": lambda m: select(
        Digest.frequency, Digest.period_start, Digest.status, Digest.sent_at,
    ).where(Digest.member_id == m).order_by(Digest.period_start, Digest.id),
    "emails.json": lambda m: select(
        OutboundEmail.subject, OutboundEmail.created_at, OutboundEmail.sent_at,
    ).where(OutboundEmail.member_id == m).order_by(OutboundEmail.created_at, OutboundEmail.id),
    "updates.json": lambda m: select(
        Update.id, Update.title, Update.body, Update.published_at, Update.edited_at,
    ).where(Update.author_id == m).order_by(Update.published_at, Update.id),
    "audit.json": lambda m: select(
        AuditEntry.action, AuditEntry.target_type.label("item_type"),
        AuditEntry.target_id.label("item_id"), AuditEntry.reason, AuditEntry.details,
        AuditEntry.created_at,
    ).where(AuditEntry.actor_id == m).order_by(AuditEntry.created_at, AuditEntry.id),
    "data_exports.json": lambda m: select(
        DataExport.requested_at, DataExport.status, DataExport.ready_at, DataExport.expires_at,
    ).where(DataExport.member_id == m).order_by(DataExport.requested_at, DataExport.id),
    "membership_applications.json": lambda m: select(
        Application.legal_name, Application.postal_address, Application.notices_by_email,
        Application.rules_version, Application.shares, Application.amount_due_pence,
        Application.state, Application.submitted_at, Application.payment_method,
        Application.amount_paid_pence, Application.paid_on, Application.decided_at,
        Application.reason,
    ).where(Application.account_id == m).order_by(Application.id),
    "register_of_members.json": lambda m: select(
        RegisterEntry.membership_id.label("membership_number"), RegisterEntry.kind,
        RegisterEntry.name, RegisterEntry.postal_address, RegisterEntry.electronic_address,
        RegisterEntry.electronic_purposes, RegisterEntry.shares, RegisterEntry.paid_pence,
        RegisterEntry.other_property, RegisterEntry.admitted_on,
        RegisterEntry.resignation_notice_on, RegisterEntry.ceased_on,
        RegisterEntry.ceased_reason, RegisterEntry.note, RegisterEntry.recorded_at,
    ).join(Membership, Membership.id == RegisterEntry.membership_id)
    .where(Membership.account_id == m).order_by(RegisterEntry.id),
    "register_of_officers.json": lambda m: select(
        OfficerEntry.kind, OfficerEntry.name, OfficerEntry.postal_address,
        OfficerEntry.electronic_address, OfficerEntry.office, OfficerEntry.took_office_on,
        OfficerEntry.left_office_on, OfficerEntry.note, OfficerEntry.recorded_at,
    ).join(OfficeTerm, OfficeTerm.id == OfficerEntry.term_id)
    .where(OfficeTerm.account_id == m).order_by(OfficerEntry.id),
    "register_inspections.json": lambda m: select(
        Inspection.requested_at, Inspection.fulfilled_at, Inspection.open_until,
    ).where(Inspection.account_id == m).order_by(Inspection.id),
    "gifts.json": lambda m: select(
        Recipient.name.label("for"), Gift.donor_kind, Gift.donor_name, Gift.donor_address,
        Gift.company_number, Gift.declarations, Gift.amount_pence, Gift.received_on,
        Gift.method, Gift.status, Gift.decided_on, Gift.returned_to,
    ).join(Recipient, Recipient.id == Gift.recipient_id)
    .where(Gift.account_id == m).order_by(Gift.id),
    "donation_checkouts.json": lambda m: select(
        Recipient.name.label("for"), Checkout.frequency, Checkout.amount_pence,
        Checkout.donor_kind, Checkout.donor_name, Checkout.donor_address,
        Checkout.company_number, Checkout.declarations, Checkout.email, Checkout.state,
        Checkout.created_at,
    ).join(Recipient, Recipient.id == Checkout.recipient_id)
    .where(Checkout.account_id == m).order_by(Checkout.id),
}  # fmt: skip
