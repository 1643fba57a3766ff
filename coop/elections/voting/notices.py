"""Telling members when nominations have closed: who the candidates are (in the ballot
paper's order), and when and how to vote; or that they were elected unopposed. Through the
email outbox (sent after the commit) and an in-app notice, to every current member of the
co-operative, at the address they gave for notices, as a meeting's notice goes."""

from coop.elections.models import Election
from coop.elections.voting.models import Candidate, ElectionVote, Runner, VoteState
from coop.mail.services import queue_email
from coop.meetings import queries as meeting_queries
from coop.notifications.services import notify
from coop.uktime import uk_today
from coop.uktime import uk_when as when
from coop.web import absolute_url


def tell_members(election: Election, title: str, vote: ElectionVote,
                 candidates: list[Candidate]) -> int:  # fmt: skip
    """How many members were emailed."""
    link = absolute_url("election_voting.ballot", election_id=election.id)
    unopposed = vote.state == VoteState.UNOPPOSED
    subject = f"{title}: {'the result' if unopposed else 'the candidates'}"[:200]
    if unopposed:
        names = "; ".join(c.name for c in candidates) or "nobody"
        message = f"Nominations for “{title}” have closed. Elected unopposed: {names}."
    elif vote.runner == Runner.SCRUTINEER:
        message = (
            f"Nominations for “{title}” have closed: {len(candidates)} candidates. The "
            "independent scrutineer will send you your ballot."
        )
    else:
        message = (
            f"Nominations for “{title}” have closed: {len(candidates)} candidates. Voting "
            f"opens on {when(vote.voting_opens_at)}."
        )
    recipients = meeting_queries.members_to_notify(uk_today())
    for recipient in recipients:
        member = recipient.member
        queue_email(
            recipient.address, subject, "elections/voting/candidates",
            member_id=member.id if member else None, name=recipient.name, title=title,
            election=election, vote=vote, candidates=candidates, unopposed=unopposed,
            scrutineer=vote.runner == Runner.SCRUTINEER, link=link, when=when,
        )  # fmt: skip
        if member is not None:
            notify(member, message, "election_voting.ballot", email=False,
                   election_id=election.id)  # fmt: skip
    return len(recipients)
