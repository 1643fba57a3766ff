"""General meetings, their agenda and their documents.

Once notice is given, what the notice said is fixed: the meeting's title, kind, time and
place and every agenda item. The services refuse a change (409) and the database refuses
it too (triggers, migration 0015), so no other door (a console, a later feature's bug)
changes a resolution after members were told of it. Amendments are new items."""

from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db.types import UTCDateTime, one_of
from coop.extensions import db
from coop.uktime import utcnow

TITLE_MAX = 200
PLACE_MAX = 500
URL_MAX = 500
TEXT_MAX = 20_000
FILENAME_MAX = 120


class MeetingKind(StrEnum):
    ANNUAL = "annual"
    SPECIAL = "special"


KIND_LABELS = {
    MeetingKind.ANNUAL: "Annual general meeting",
    MeetingKind.SPECIAL: "Special general meeting",
}


class MeetingState(StrEnum):
    DRAFT = "draft"
    NOTICED = "noticed"  # notice given: what it said is fixed


class ItemKind(StrEnum):
    REPORT = "report"
    ORDINARY = "ordinary"
    SPECIAL = "special"
    ELECTION = "election"
    MINUTES = "minutes"


ITEM_LABELS = {
    ItemKind.REPORT: "Report (no vote)",
    ItemKind.ORDINARY: "Ordinary resolution",
    ItemKind.SPECIAL: "Special resolution",
    ItemKind.ELECTION: "Election",
    ItemKind.MINUTES: "Approval of the minutes of the previous general meeting",
}
RESOLUTIONS = (ItemKind.ORDINARY, ItemKind.SPECIAL, ItemKind.MINUTES)  # items with a majority
WITH_TEXT = (ItemKind.ORDINARY, ItemKind.SPECIAL)  # the exact text members vote on


class Meeting(db.Model):
    __tablename__ = "general_meetings"
    __table_args__ = (
        CheckConstraint(one_of("kind", MeetingKind), name="kind"),
        CheckConstraint(one_of("state", MeetingState), name="state"),
        CheckConstraint("place <> '' OR online_url <> ''", name="where"),
        CheckConstraint(
            "state = 'draft' OR (notice_given_on IS NOT NULL AND notice_issued_at IS NOT NULL)",
            name="notice",
        ),
        Index("ix_general_meetings_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(Text, default="")
    online_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    state: Mapped[str] = mapped_column(String(16), default=MeetingState.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None]  # kept when the account goes, like the audit log
    notice_given_on: Mapped[date | None] = mapped_column(Date)  # the UK day it was issued
    notice_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_issued_by_id: Mapped[int | None]
    notice_issued_by_name: Mapped[str] = mapped_column(String(80), default="")

    @property
    def is_draft(self) -> bool:
        return self.state == MeetingState.DRAFT


class AgendaItem(db.Model):
    """One item of business, in order. A resolution carries its exact text and the majority
    that passes it, fixed from the settings when the item is written (docs/meetings.md).
    A special resolution may be the first stage of a two-stage resolution (ss.109-111 of the
    Act) or the confirmation of one: `confirms_id` links the confirmation to the first."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint(one_of("kind", ItemKind), name="kind"),
        CheckConstraint(
            "(majority_numerator IS NULL) = (majority_denominator IS NULL)", name="majority"
        ),
        CheckConstraint(
            "majority_numerator IS NULL OR "
            "(majority_numerator > 0 AND majority_numerator <= majority_denominator)",
            name="majority_range",
        ),
        CheckConstraint(
            "confirms_id IS NULL OR (kind = 'special' AND NOT two_stage)", name="confirms"
        ),
        CheckConstraint("NOT two_stage OR kind = 'special'", name="two_stage"),
        UniqueConstraint("meeting_id", "position"),
        Index("uq_agenda_items_confirms", "confirms_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("general_meetings.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    text: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    two_stage: Mapped[bool] = mapped_column(default=False)
    confirms_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="RESTRICT")
    )
    majority_numerator: Mapped[int | None]
    majority_denominator: Mapped[int | None]
    majority_more_than: Mapped[bool] = mapped_column(default=True)  # else "at least"

    @property
    def majority(self) -> Fraction | None:
        if self.majority_numerator is None:
            return None
        return Fraction(self.majority_numerator, self.majority_denominator)


class MeetingDocument(db.Model):
    """A PDF for a meeting (the accounts, a report), stored outside the database and outside
    static/ (COOP_MEETING_DOCUMENTS_DIR) under a random name; the name members see is the
    sanitised one the secretary uploaded."""

    __tablename__ = "meeting_documents"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("general_meetings.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None]


MINUTES_MAX = 50_000


class MeetingMinutes(db.Model):
    """The minutes of a held meeting, as the secretary records them (Markdown, rendered
    sanitised), published to members or, if `public`, to anyone. A "minutes" item of a
    later meeting approves them (`approval_item_id`, linked before that meeting's notice).
    From the notice members vote on this text, so it is fixed (unless that vote closes
    without carrying them); once carried they are approved and fixed for good: the services
    refuse a change and the database's triggers too (migration 0018)."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (
        CheckConstraint(f"length(text) BETWEEN 1 AND {MINUTES_MAX}", name="text_length"),
        CheckConstraint("approved_at IS NULL OR approval_item_id IS NOT NULL", name="approval"),
    )

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("general_meetings.id", ondelete="RESTRICT"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None]
    approval_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="RESTRICT"), unique=True
    )
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
