from sqlalchemy import delete, select, update

from coop.accounts.models import Member
from coop.extensions import db
from coop.privacy.models import ConsentKind, ConsentRecord


def record_joining_consents(
    member: Member, notice_version: str, political_opinions: bool, email_updates: bool
) -> None:
    """Set the member's current consents and append them to the history."""
    member.privacy_notice_version = notice_version
    member.political_opinions_consent = political_opinions
    member.email_updates_consent = email_updates
    db.session.add_all(
        [
            ConsentRecord(
                member=member,
                kind=ConsentKind.PRIVACY_NOTICE,
                granted=True,
                notice_version=notice_version,
            ),
            ConsentRecord(
                member=member, kind=ConsentKind.POLITICAL_OPINIONS, granted=political_opinions
            ),
            ConsentRecord(member=member, kind=ConsentKind.EMAIL_UPDATES, granted=email_updates),
        ]
    )


def accept_notice(member: Member, version: str) -> None:
    if member.privacy_notice_version == version:
        return
    member.privacy_notice_version = version
    db.session.add(
        ConsentRecord(
            member=member, kind=ConsentKind.PRIVACY_NOTICE, granted=True, notice_version=version
        )
    )


def change_consents(member: Member, political_opinions: bool, email_updates: bool) -> list[str]:
    """Record each consent that changes. Withdrawing consent to political opinions stops
    their processing at once: the member's supports and oppositions are removed from the
    totals and their ballots in open votes are deleted. Returns what changed."""
    changed = []
    if political_opinions != member.political_opinions_consent:
        member.political_opinions_consent = political_opinions
        db.session.add(
            ConsentRecord(
                member=member, kind=ConsentKind.POLITICAL_OPINIONS, granted=political_opinions
            )
        )
        if not political_opinions:
            forget_opinions(member.id)
        changed.append(ConsentKind.POLITICAL_OPINIONS)
    if email_updates != member.email_updates_consent:
        member.email_updates_consent = email_updates
        db.session.add(
            ConsentRecord(member=member, kind=ConsentKind.EMAIL_UPDATES, granted=email_updates)
        )
        changed.append(ConsentKind.EMAIL_UPDATES)
    return changed


def record_digest_choice(member: Member, frequency: str) -> None:
    granted = frequency != "none"
    latest = db.session.scalar(
        select(ConsentRecord.granted)
        .where(
            ConsentRecord.member_id == member.id, ConsentRecord.kind == ConsentKind.DIGEST_EMAILS
        )
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )
    if latest is None or latest != granted:
        db.session.add(
            ConsentRecord(member=member, kind=ConsentKind.DIGEST_EMAILS, granted=granted)
        )


def forget_opinions(member_id: int) -> None:
    """Remove a member's supports and oppositions (and their weight in the totals) and their
    ballots in votes still open."""
    from coop.ideas.models import Idea, Reaction
    from coop.meetings.voting.services import remove_ballots as forget_meeting_ballots
    from coop.proposals.services import remove_ballots

    for value, column in ((1, "support_count"), (-1, "oppose_count")):
        theirs = select(Reaction.idea_id).where(
            Reaction.member_id == member_id, Reaction.value == value
        )
        db.session.execute(
            update(Idea)
            .where(Idea.id.in_(theirs))
            .values({column: getattr(Idea, column) - 1})
            .execution_options(synchronize_session=False)
        )
    db.session.execute(delete(Reaction).where(Reaction.member_id == member_id))
    forget_meeting_ballots(member_id)  # and who cast them, so they no longer count to quorum
    remove_ballots(member_id)  # every other open box: proposals' and elections'


CONSENT_LABELS = {
    ConsentKind.PRIVACY_NOTICE: ("Read the privacy notice", "Read the privacy notice"),
    ConsentKind.POLITICAL_OPINIONS: (
        "Agreed that we keep the views you express",
        "Withdrew consent to keeping the views you express",
    ),
    ConsentKind.EMAIL_UPDATES: ("Asked for news by email", "Stopped news by email"),
    ConsentKind.DIGEST_EMAILS: ("Asked for digest emails", "Stopped digest emails"),
}
HISTORY_SHOWN = 50


def consent_history(member_id: int) -> list[tuple[ConsentRecord, str]]:
    """What the member agreed to or withdrew, newest first, each with its words; the whole
    history is in their data export."""
    rows = db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.member_id == member_id)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
        .limit(HISTORY_SHOWN)
    )
    return [(row, CONSENT_LABELS[ConsentKind(row.kind)][0 if row.granted else 1]) for row in rows]
