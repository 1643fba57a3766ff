"""The feeds and downloads themselves: public rows turned into Atom, CSV and JSON, every
link absolute on BASE_URL. Authors appear by display name only."""

import csv
import io
from dataclasses import replace

from flask import current_app
from markupsafe import Markup

from coop.ballots import queries as ballot_queries
from coop.ballots.record import format_tracker
from coop.feeds import services
from coop.feeds.atom import Entry, Feed
from coop.ideas.models import Idea, Stage, Topic
from coop.proposals.models import CHOICES, Proposal
from coop.uktime import iso, uk_datetime
from coop.updates.models import Update
from coop.validation import spreadsheet_safe
from coop.web import absolute_url

RESULT_FIELDS = ["id", "question", "url", "opened_at", "closed_at", "rule", "quorum_percent",
                 "quorum_met", "electorate", "turnout", "votes_for", "votes_against",
                 "votes_abstain", "outcome"]  # fmt: skip


def _site() -> str:
    return current_app.config["SITE_NAME"]


def _feed(
    endpoint: str, alternate: str, title: str, subtitle: str, entries: list[Entry], **values
) -> Feed:
    """A feed about this site; its id is its own address."""
    return Feed(
        self_url=absolute_url(endpoint, **values),
        alternate_url=alternate,
        base_url=absolute_url("site.home"),
        title=f"{_site()}: {title}",
        subtitle=subtitle,
        author=_site(),
        entries=entries,
    )


def ideas_feed(topic: Topic | None = None) -> Feed:
    entries = [_idea_entry(idea) for idea in services.latest_ideas(topic)]
    if topic is None:
        return _feed(
            "feeds.ideas",
            absolute_url("ideas.index"),
            "New ideas",
            "The newest ideas members have shared.",
            entries,
        )
    feed = _feed(
        "feeds.topic_ideas",
        absolute_url("ideas.index", topic=topic.slug),
        f"New ideas on {topic.name}",
        topic.description or f"The newest ideas on {topic.name}.",
        entries,
        topic_slug=topic.slug,
    )
    return replace(feed, updated_when_empty=topic.created_at)


def _idea_entry(idea: Idea) -> Entry:
    return Entry(
        id=absolute_url("ideas.show", idea_id=idea.id),  # stable: the slug follows the title
        title=idea.title,
        link=absolute_url("ideas.show", idea_id=idea.id, slug=idea.slug),
        published=idea.created_at,
        updated=idea.edited_at or idea.created_at,
        author=idea.author.display_name if idea.author else "Former member",
        content_html=idea.body_html,
        category=(idea.topic.slug, idea.topic.name),
    )


def updates_feed() -> Feed:
    entries = [_update_entry(update) for update in services.latest_updates()]
    return _feed(
        "feeds.updates",
        absolute_url("updates.index"),
        "Updates from the organisers",
        "News about the co-operative from its organisers.",
        entries,
    )


def _update_entry(update: Update) -> Entry:
    return Entry(
        id=absolute_url("updates.show", update_id=update.id),
        title=update.title,
        link=absolute_url("updates.show", update_id=update.id, slug=update.slug),
        published=update.published_at,
        updated=update.edited_at or update.published_at,
        author=update.author.display_name if update.author else "Former organiser",
        content_html=update.body_html,
    )


def results_feed() -> Feed:
    proposals = services.public_results(limit=services.FEED_SIZE)
    entries = [_result_entry(proposal) for proposal in proposals]
    return _feed(
        "feeds.results",
        absolute_url("proposals.index"),
        "Vote results",
        "The results of the members' public votes, published when voting closes.",
        entries,
    )


def _result_entry(proposal: Proposal) -> Entry:
    return Entry(
        id=absolute_url("proposals.show", proposal_id=proposal.id),
        title=f"{Stage(proposal.outcome).label}: {proposal.question}",
        link=absolute_url("proposals.show", proposal_id=proposal.id, slug=proposal.slug),
        published=proposal.closed_at,
        updated=proposal.closed_at,
        author=_site(),
        content_html=_result_html(proposal),
    )


def _result_html(p: Proposal) -> str:
    turnout_share = round(100 * p.turnout / p.electorate) if p.electorate else 0
    quorum = (
        Markup(" Quorum of {}% {}.").format(p.quorum_percent, "met" if p.quorum_met else "not met")
        if p.quorum_percent
        else ""
    )
    summary = Markup(
        "<p><strong>{}</strong>. Voting closed {} (UK time). Rule: {}.</p>"
        "<ul><li>For: {}</li><li>Against: {}</li><li>Abstain: {}</li></ul>"
        "<p>Turnout: {} of {} members ({}%).{}</p>"
    ).format(
        Stage(p.outcome).label,
        uk_datetime(p.closes_at),
        p.rule_label,
        p.votes_for,
        p.votes_against,
        p.votes_abstain,
        p.turnout,
        p.electorate,
        turnout_share,
        quorum,
    )
    return str(summary) + p.body_html  # sanitised when it was written


def result_records() -> list[dict]:
    """One record per closed public vote: what the CSV and the JSON both hold."""
    return [_record(proposal) for proposal in services.public_results()]


def _record(p: Proposal) -> dict:
    return {
        "id": p.id,
        "question": p.question,
        "url": absolute_url("proposals.show", proposal_id=p.id, slug=p.slug),
        # The voting window, as the votes pages show it (closed_at is when it was counted).
        "opened_at": iso(p.opens_at),
        "closed_at": iso(p.closes_at),
        "rule": p.rule,
        "quorum_percent": p.quorum_percent,
        "quorum_met": p.quorum_met,
        "electorate": p.electorate,
        "turnout": p.turnout,
        "votes_for": p.votes_for,
        "votes_against": p.votes_against,
        "votes_abstain": p.votes_abstain,
        "outcome": p.outcome,
    }


def results_csv(records: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RESULT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({name: _cell(value) for name, value in record.items()})
    return buffer.getvalue()


def _cell(value: object) -> str:
    """Plain text a spreadsheet will not run as a formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_safe(str(value))


def ballots_feed(proposal: Proposal) -> Feed:
    box_id = proposal.ballot_box_id
    entries = [_ballot_entry(proposal, ballot) for ballot in ballot_queries.latest_entries(box_id)]
    feed = _feed(
        "feeds.ballots",
        absolute_url("proposals.ballots", proposal_id=proposal.id),
        f"Ballots: {proposal.question}",
        "Every ballot accepted in this vote, by its tracker, as a hash chain: each entry's "
        "chain value commits to every entry before it.",
        entries,
        proposal_id=proposal.id,
    )
    return replace(feed, updated_when_empty=proposal.created_at)


def _ballot_entry(proposal: Proposal, ballot) -> Entry:
    what = f"replaces entry {ballot.replaces}" if ballot.replaces else "a new ballot"
    if ballot.ciphertext is None and ballot.replaces:
        what = f"removes entry {ballot.replaces} (its member withdrew their consent)"
    html = Markup(
        "<p>Entry {}: tracker <code>{}</code>, {}.</p><p>Chain: <code>{}</code></p>"
    ).format(ballot.seq, format_tracker(ballot.tracker), what, ballot.chain.hex())
    return Entry(
        id=absolute_url("proposals.ballots", proposal_id=proposal.id) + f"#entry-{ballot.seq}",
        title=f"Entry {ballot.seq}: {format_tracker(ballot.tracker)[:17]}…",
        link=absolute_url(
            "proposals.ballots", proposal_id=proposal.id, tracker=ballot.tracker.hex()
        ),
        published=ballot.accepted_at,
        updated=ballot.accepted_at,
        author=_site(),
        content_html=str(html),
    )


def ballots_record(proposal: Proposal):
    """The record's JSON, in pieces."""
    about = {
        "proposal": proposal.id,
        "question": proposal.question,
        "url": absolute_url("proposals.show", proposal_id=proposal.id, slug=proposal.slug),
    }
    result = None
    if proposal.outcome is not None:
        counts = (proposal.votes_for, proposal.votes_against, proposal.votes_abstain)
        result = dict(zip([str(choice) for choice in CHOICES], counts, strict=True))
    choices = [str(choice) for choice in CHOICES]
    return ballot_queries.record_chunks(proposal.ballot_box, about, choices, result)
