"""Imports every model so that the metadata (and Alembic) sees all tables."""

from coop.accounts.models import Member, RecoveryCode
from coop.audit.models import AuditEntry
from coop.ballots.models import Ballot, BallotBox, BoxVoter
from coop.comments.models import Comment, CommentRevision
from coop.common_ground.models import IdeaScore
from coop.digests.models import Digest
from coop.donations.models import Gift, GiftEvent, Recipient, Threshold
from coop.donations.online.models import Checkout, PaymentEvent
from coop.elections.models import Election, Nomination, Seconding
from coop.elections.voting.models import Candidate, ElectionVote, MixedBallot
from coop.ideas.models import Idea, IdeaRevision, Reaction, Topic
from coop.mail.models import OutboundEmail
from coop.meetings.models import AgendaItem, Meeting, MeetingDocument, MeetingMinutes
from coop.meetings.voting.models import (
    Attendance,
    MeetingBallot,
    MeetingVoting,
    Proxy,
    ResolutionVote,
)
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
from coop.privacy.models import ConsentRecord, DataExport
from coop.proposals.models import Proposal
from coop.updates.models import Update

__all__ = [
    "AgendaItem",
    "Appeal",
    "Application",
    "Attendance",
    "AuditEntry",
    "Ballot",
    "BallotBox",
    "BoxVoter",
    "Candidate",
    "Checkout",
    "Comment",
    "CommentRevision",
    "ConsentRecord",
    "DataExport",
    "Digest",
    "Election",
    "ElectionVote",
    "Gift",
    "GiftEvent",
    "Idea",
    "IdeaRevision",
    "IdeaScore",
    "Inspection",
    "Meeting",
    "MeetingBallot",
    "MeetingDocument",
    "MeetingMinutes",
    "MeetingVoting",
    "Member",
    "Membership",
    "MixedBallot",
    "ModerationAction",
    "Nomination",
    "Notification",
    "OfficeTerm",
    "OfficerEntry",
    "OutboundEmail",
    "PaymentEvent",
    "Proposal",
    "Proxy",
    "Reaction",
    "Recipient",
    "RecoveryCode",
    "RegisterEntry",
    "Report",
    "ResolutionVote",
    "Seconding",
    "Threshold",
    "Topic",
    "Update",
]
