"""Imports every model so that the metadata (and Alembic) sees all tables."""

from coop.accounts.models import Member
from coop.mail.models import OutboundEmail
from coop.privacy.models import ConsentRecord

__all__ = ["ConsentRecord", "Member", "OutboundEmail"]
