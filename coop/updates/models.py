from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db.types import UTCDateTime
from coop.extensions import db
from coop.uktime import utcnow

if TYPE_CHECKING:
    from coop.accounts.models import Member

UPDATE_TITLE_MAX = 140
UPDATE_BODY_MAX = 20_000


class Update(db.Model):
    """An organisers' news post. Public as soon as it is published."""

    __tablename__ = "updates"
    __table_args__ = (
        CheckConstraint(f"length(title) BETWEEN 1 AND {UPDATE_TITLE_MAX}", name="title_length"),
        CheckConstraint(f"length(body) <= {UPDATE_BODY_MAX}", name="body_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(UPDATE_TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped["Member | None"] = relationship(lazy="joined")
