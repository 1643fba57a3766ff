"""Imports every model so that the metadata (and Alembic) sees all tables."""

from coop.accounts.models import Member
from coop.audit.models import AuditEntry
from coop.comments.models import Comment, CommentRevision
from coop.ideas.models import Idea, IdeaRevision, Reaction, Topic
from coop.mail.models import OutboundEmail
from coop.privacy.models import ConsentRecord
from coop.proposals.models import Proposal, Vote

__all__ = [
    "AuditEntry",
    "Comment",
    "CommentRevision",
    "ConsentRecord",
    "Idea",
    "IdeaRevision",
    "Member",
    "OutboundEmail",
    "Proposal",
    "Reaction",
    "Topic",
    "Vote",
]
