"""Moderation states shared by ideas and comments, and the reasons moderators give."""

from enum import StrEnum


class ModerationState(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"  # a newcomer's contribution waiting for its first review
    HELD = "held"  # reported by enough members: hidden until an organiser reviews it
    HIDDEN = "hidden"  # hidden by a moderator, with a reason


STATE_VALUES = ", ".join(f"'{state.value}'" for state in ModerationState)

REASONS = {
    "spam": "Spam",
    "abuse": "Abuse or harassment",
    "personal_data": "Personal data about someone",
    "off_topic": "Off topic",
    "other": "Other",
}
