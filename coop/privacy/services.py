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
