"""Public objects as plain dicts for JSON. Only what the public web pages show: no email
address, no moderation note, no member's own reaction or vote; authors by display name.
Links are absolute, built on BASE_URL (never on the request's Host header)."""

from datetime import datetime

from coop.ballots.models import Ballot
from coop.comments.models import Comment
from coop.ideas.models import Idea, Topic
from coop.proposals.models import Proposal
from coop.uktime import iso
from coop.updates.models import Update
from coop.web import absolute_url


def author(member) -> dict | None:
    """Null for a former member (an account deleted since)."""
    return {"display_name": member.display_name} if member is not None else None


def topic(topic: Topic) -> dict:
    return {
        "id": topic.id,
        "name": topic.name,
        "slug": topic.slug,
        "description": topic.description,
        "archived": topic.archived,
        "ideas_url": absolute_url("api.ideas", topic=topic.slug),
    }


def idea(idea: Idea) -> dict:
    return {
        "id": idea.id,
        "title": idea.title,
        "slug": idea.slug,
        "topic": {"id": idea.topic.id, "name": idea.topic.name, "slug": idea.topic.slug},
        "stage": idea.stage,
        "stage_label": idea.stage_label,
        "author": author(idea.author),
        "body": idea.body,
        "body_html": idea.body_html,
        "support_count": idea.support_count,
        "oppose_count": idea.oppose_count,
        "comment_count": idea.comment_count,
        "comments_locked": idea.comments_locked,
        "created_at": iso(idea.created_at),
        "edited_at": iso(idea.edited_at),
        "withdrawn_at": iso(idea.withdrawn_at),
        "url": absolute_url("ideas.show", idea_id=idea.id, slug=idea.slug),
        "api_url": absolute_url("api.idea", idea_id=idea.id),
        "comments_url": absolute_url("api.idea_comments", idea_id=idea.id),
    }


def proposal_status(proposal: Proposal, now: datetime) -> str:
    if proposal.withdrawn_at is not None:
        return "withdrawn"
    if proposal.outcome is not None:
        return "closed"
    if proposal.closes_at <= now:
        return "counting"
    return "voting" if proposal.opens_at <= now else "upcoming"


def result(proposal: Proposal) -> dict | None:
    """Published when the vote closes; until then even the organisers see no totals."""
    if proposal.closed_at is None or proposal.outcome is None:
        return None
    return {
        "outcome": proposal.outcome,
        "carried": proposal.outcome == "carried",
        "votes_for": proposal.votes_for,
        "votes_against": proposal.votes_against,
        "votes_abstain": proposal.votes_abstain,
        "turnout": proposal.turnout,
        "electorate": proposal.electorate,
        "quorum_met": proposal.quorum_met,
        "closed_at": iso(proposal.closed_at),
    }


def proposal(proposal: Proposal, now: datetime) -> dict:
    source = proposal.idea
    return {
        "id": proposal.id,
        "question": proposal.question,
        "slug": proposal.slug,
        "body": proposal.body,
        "body_html": proposal.body_html,
        "status": proposal_status(proposal, now),
        "rule": proposal.rule,
        "rule_label": proposal.rule_label,
        "electorate": proposal.electorate_kind,
        "quorum_percent": proposal.quorum_percent,
        "opens_at": iso(proposal.opens_at),
        "closes_at": iso(proposal.closes_at),
        "withdrawn_at": iso(proposal.withdrawn_at),
        "withdrawn_reason": proposal.withdrawn_reason if proposal.withdrawn_at else None,
        "result": result(proposal),
        "idea": _idea_link(source) if source is not None and source.is_published else None,
        "comment_count": proposal.comment_count,
        "comments_locked": proposal.comments_locked,
        "created_at": iso(proposal.created_at),
        "url": absolute_url("proposals.show", proposal_id=proposal.id, slug=proposal.slug),
        "api_url": absolute_url("api.proposal", proposal_id=proposal.id),
        "comments_url": absolute_url("api.proposal_comments", proposal_id=proposal.id),
    }


def _idea_link(idea: Idea) -> dict:
    return {
        "id": idea.id,
        "title": idea.title,
        "url": absolute_url("ideas.show", idea_id=idea.id, slug=idea.slug),
        "api_url": absolute_url("api.idea", idea_id=idea.id),
    }


def ballot(entry: Ballot, proposal: Proposal) -> dict:
    """An entry of a vote's public list; the ciphertext and proof only once it has closed."""
    closed = proposal.closed_at is not None
    return {
        "seq": entry.seq,
        "tracker": entry.tracker.hex(),
        "chain": entry.chain.hex(),
        "replaces": entry.replaces,
        "removal": entry.ciphertext is None and entry.replaces is not None and closed,
        "ciphertext": entry.ciphertext.hex() if closed and entry.ciphertext else None,
        "proof": entry.proof.hex() if closed and entry.proof else None,
        "accepted_at": iso(entry.accepted_at),
    }


def comment(comment: Comment, target: Idea | Proposal) -> dict:
    """`target` is the idea or proposal the comment is on (its page holds the comment)."""
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": author(comment.author),
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
        "url": absolute_url("comments.show", comment_id=comment.id),
    }


def update(update: Update) -> dict:
    return {
        "id": update.id,
        "title": update.title,
        "slug": update.slug,
        "author": author(update.author),
        "body": update.body,
        "body_html": update.body_html,
        "published_at": iso(update.published_at),
        "edited_at": iso(update.edited_at),
        "url": absolute_url("updates.show", update_id=update.id, slug=update.slug),
        "api_url": absolute_url("api.update", update_id=update.id),
    }
