"""Who sees what while moderation is under way. Imported by ideas and comments, so it
depends on nothing of theirs."""

from flask import current_app

from coop.moderation.states import ModerationState


def initial_state(author) -> ModerationState:
    """A newcomer's first contributions wait for review; organisers are trusted."""
    trusted_after = current_app.config["PREMODERATION_COUNT"]
    if author.is_organiser or author.approved_contributions >= trusted_after:
        return ModerationState.PUBLISHED
    return ModerationState.PENDING


def can_see(reader, item) -> bool:
    """Whether a reader may see an idea's or comment's content, not only its tombstone."""
    if item.moderation_state == ModerationState.PUBLISHED:
        return True
    if reader is None or not getattr(reader, "is_authenticated", False):
        return False
    return reader.is_organiser or item.author_id == reader.id


def is_listed(reader, item) -> bool:
    """Pending contributions exist only for their author and moderators."""
    return item.moderation_state != ModerationState.PENDING or can_see(reader, item)
