from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.uktime import utcnow

if TYPE_CHECKING:
    from coop.accounts.models import Member


class ConsentKind(StrEnum):
    PRIVACY_NOTICE = "privacy_notice"
    POLITICAL_OPINIONS = "political_opinions"
    EMAIL_UPDATES = "email_updates"
    DIGEST_EMAILS = "digest_emails"


class ConsentRecord(db.Model):
    """Append-only history of what each member agreed to, and when."""

    __tablename__ = "consent_records"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('privacy_notice', 'political_opinions', 'email_updates', 'digest_emails')",
            name="kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool]
    notice_version: Mapped[str | None] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped["Member"] = relationship()


class ExportStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class DataExport(db.Model):
    """A member's request for a copy of their data, and the archive built for it. The
    archive is downloadable by that member only, for 7 days, then deleted."""

    __tablename__ = "data_exports"
    __table_args__ = (CheckConstraint("status IN ('pending', 'ready', 'failed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # in the download link
    status: Mapped[str] = mapped_column(String(8), default=ExportStatus.PENDING)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    file_name: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None]
