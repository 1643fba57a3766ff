"""Stored common-ground scores of ideas. Only ideas are stored: a member's position on the
divide is a political opinion and is never written anywhere (see scorer.py)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from coop.common_ground.scorer import Status
from coop.db.types import UTCDateTime
from coop.extensions import db

STATUS_LABELS = {
    Status.COMMON_GROUND: "Common ground",
    Status.NEEDS_MORE_VOTES: "Needs more votes",
    Status.NOT_SUPPORTED: "Not supported across the divide",
}
STATUS_VALUES = ", ".join(f"'{status.value}'" for status in Status)


class IdeaScore(db.Model):
    """The latest common-ground score of an idea, written by each run of the scorer."""

    __tablename__ = "idea_scores"
    __table_args__ = (
        CheckConstraint(f"status IN ({STATUS_VALUES})", name="status"),
        CheckConstraint("votes >= 0", name="votes"),
        CheckConstraint(
            "(side_a_support IS NULL OR side_a_support BETWEEN 0 AND 1) AND "
            "(side_b_support IS NULL OR side_b_support BETWEEN 0 AND 1)",
            name="shares",
        ),
        Index("ix_idea_scores_computed_at", "computed_at"),
    )

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    # The idea intercept on the 0-1 scale: support left once the divide is explained away.
    score: Mapped[float] = mapped_column(Float)
    # The idea's position on the main divide (its factor); near 0 means it does not split.
    divide: Mapped[float] = mapped_column(Float)
    votes: Mapped[int] = mapped_column()
    # Share of support among the counted votes from each side of the divide (None when that
    # side cast too few votes to say). The sides have no names: they are not parties.
    side_a_support: Mapped[float | None] = mapped_column(Float)
    side_b_support: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[Status(self.status)]

    @property
    def is_common_ground(self) -> bool:
        return self.status == Status.COMMON_GROUND
