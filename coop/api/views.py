"""The read-only public API, version 1: GET only, answered as to an anonymous visitor."""

from flask import Blueprint, Response, current_app, jsonify, request
from flask_sqlalchemy.pagination import Pagination

from coop.api import openapi, params, queries, serializers
from coop.extensions import limiter
from coop.ideas.models import Stage
from coop.ideas.queries import SORTS, IdeaFilters, list_ideas
from coop.read_only import read_only
from coop.uktime import utcnow
from coop.web import absolute_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# One budget per address for the whole API, whatever the endpoint.
limiter.shared_limit(lambda: current_app.config["LIMIT_API"], scope="api")(bp)

PAGE = ("page", "per_page")
IDEA_PARAMETERS = (*PAGE, "sort", "topic", "stage", "q")
PROPOSAL_PARAMETERS = (*PAGE, "status")
STAGES = tuple(stage.value for stage in Stage)


@bp.get("/openapi.json")
def openapi_document():
    params.checked(request.args, ())
    return jsonify(openapi.document())


@bp.get("/ideas")
@read_only
def ideas():
    args = params.checked(request.args, IDEA_PARAMETERS)
    page = params.page(args)
    filters = IdeaFilters(
        sort=params.choice(args, "sort", tuple(SORTS)) or "newest",
        topic=params.slug(args, "topic"),
        stage=params.choice(args, "stage", STAGES),
        query=params.search_text(args, "q"),
    )
    found = list_ideas(filters, page.number, page.size)
    return _listing(found, [serializers.idea(idea) for idea in found.items], "api.ideas", args)


@bp.get("/ideas/<int:idea_id>")
@read_only
def idea(idea_id: int):
    params.checked(request.args, ())
    return jsonify(data=serializers.idea(queries.public_idea(idea_id)))


@bp.get("/ideas/<int:idea_id>/comments")
@read_only
def idea_comments(idea_id: int):
    args = params.checked(request.args, PAGE)
    target = queries.public_idea(idea_id)
    found = queries.public_comments(target, params.page(args))
    items = [serializers.comment(comment, target) for comment in found.items]
    return _listing(found, items, "api.idea_comments", args, idea_id=idea_id)


@bp.get("/proposals")
def proposals():
    args = params.checked(request.args, PROPOSAL_PARAMETERS)
    status = params.choice(args, "status", queries.PROPOSAL_STATUSES)
    found = queries.public_proposals(status, params.page(args))
    now = utcnow()
    items = [serializers.proposal(proposal, now) for proposal in found.items]
    return _listing(found, items, "api.proposals", args)


@bp.get("/proposals/<int:proposal_id>")
def proposal(proposal_id: int):
    params.checked(request.args, ())
    return jsonify(data=serializers.proposal(queries.public_proposal(proposal_id), utcnow()))


@bp.get("/proposals/<int:proposal_id>/comments")
def proposal_comments(proposal_id: int):
    args = params.checked(request.args, PAGE)
    target = queries.public_proposal(proposal_id)
    found = queries.public_comments(target, params.page(args))
    items = [serializers.comment(comment, target) for comment in found.items]
    return _listing(found, items, "api.proposal_comments", args, proposal_id=proposal_id)


@bp.get("/proposals/<int:proposal_id>/ballots")
def proposal_ballots(proposal_id: int):
    """The vote's public list of ballots: trackers as a hash chain; the encrypted ballots
    and their proofs once voting has closed."""
    args = params.checked(request.args, PAGE)
    target = queries.public_proposal(proposal_id)
    found = queries.ballots(target, params.page(args))
    items = [serializers.ballot(entry, target) for entry in found.items]
    return _listing(found, items, "api.proposal_ballots", args, proposal_id=proposal_id)


@bp.get("/topics")
@read_only
def topics():
    params.checked(request.args, ())
    return jsonify(
        data=[serializers.topic(topic) for topic in queries.topics()],
        links={"self": absolute_url("api.topics")},
    )


@bp.get("/updates")
@read_only
def updates():
    args = params.checked(request.args, PAGE)
    found = queries.updates(params.page(args))
    items = [serializers.update(update) for update in found.items]
    return _listing(found, items, "api.updates", args)


@bp.get("/updates/<int:update_id>")
@read_only
def update(update_id: int):
    params.checked(request.args, ())
    return jsonify(data=serializers.update(queries.update(update_id)))


def _listing(
    found: Pagination, items: list[dict], endpoint: str, args: dict[str, str], **path
) -> Response:
    """A page of a list with links to its neighbours; the links keep the filters."""
    query = {name: args[name] for name in sorted(args) if name != "page"}

    def at(number: int) -> str:
        return absolute_url(endpoint, **path, **query, page=number)

    return jsonify(
        data=items,
        links={
            "self": at(found.page),
            "next": at(found.page + 1) if found.page < found.pages else None,
            "prev": at(min(found.page - 1, max(found.pages, 1))) if found.page > 1 else None,
        },
        meta={
            "page": found.page,
            "per_page": found.per_page,
            "total": found.total,
            "pages": found.pages,
        },
    )
