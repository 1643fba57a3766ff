"""Feeds and downloads for anyone: the same public bytes whoever asks, so they carry an ETag
(a repeat request gets 304) and, for readers without cookies, a public cache lifetime."""

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from flask_login import current_user

from coop.extensions import limiter
from coop.feeds import documents, services
from coop.feeds.atom import Feed, render
from coop.proposals import services as proposal_services
from coop.read_only import read_only

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"
CSV = "text/csv; charset=utf-8"
MAX_AGE = 300


@bp.get("/ideas.atom")
@read_only
def ideas():
    return _atom(documents.ideas_feed())


@bp.get("/topics/<topic_slug>/ideas.atom")
@read_only
def topic_ideas(topic_slug: str):
    return _atom(documents.ideas_feed(services.feed_topic(topic_slug)))


@bp.get("/updates.atom")
@read_only
def updates():
    return _atom(documents.updates_feed())


@bp.get("/proposals/results.atom")
def results():
    return _atom(documents.results_feed())


@bp.get("/proposals/results.csv")
def results_csv():
    body = documents.results_csv(documents.result_records())
    headers = {"Content-Disposition": "attachment; filename=vote-results.csv"}
    return _public(Response(body, content_type=CSV, headers=headers))


@bp.get("/proposals/results.json")
def results_json():
    return _public(jsonify(results=documents.result_records()))


@bp.get("/proposals/<int:proposal_id>/ballots.atom")
def ballots(proposal_id: int):
    """The latest entries of a vote's list of ballots, so anyone can keep the chain's head."""
    proposal = proposal_services.visible_proposal(current_user, proposal_id, with_idea=False)
    return _atom(documents.ballots_feed(proposal))


@bp.get("/proposals/<int:proposal_id>/ballots.json")
@limiter.limit(lambda: current_app.config["LIMIT_BALLOT_RECORDS"])
def ballots_record(proposal_id: int):
    """A vote's full record, for `python -m coop.ballots.verify` (streamed: a large vote's
    runs to tens of megabytes)."""
    proposal = proposal_services.visible_proposal(current_user, proposal_id, with_idea=False)
    headers = {"Content-Disposition": f"attachment; filename=vote-{proposal.id}-ballots.json"}
    chunks = stream_with_context(documents.ballots_record(proposal))
    return Response(chunks, content_type="application/json", headers=headers)


def _atom(feed: Feed) -> Response:
    return _public(Response(render(feed), content_type=ATOM))


def _public(response: Response) -> Response:
    """An ETag from the body itself, so any change (an edit, a hidden idea) is a new version.
    A request with cookies may get a refreshed session cookie back, which no shared cache
    may keep: those responses are left private (see coop.security)."""
    response.add_etag()
    if not request.cookies:
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE
    return response.make_conditional(request)
