"""The OpenAPI 3.1 description of the API, served at /api/v1/openapi.json. The enums and
limits come from the code that enforces them, and tests/api/test_schema.py checks every
operation against this document with Schemathesis, so it cannot drift from the truth."""

from functools import cache

from coop.api import params
from coop.api.queries import PROPOSAL_STATUSES
from coop.api.schemas import SCHEMAS, SLUG, TEXT, ref
from coop.ideas.models import Stage
from coop.ideas.queries import SORTS

DESCRIPTION = """\
Everything the public can read on the site of The Independents, as JSON: ideas with their \
support, proposals put to the members with their published results, the comments on both, \
topics and organisers' updates.

**Only public content.** Ideas waiting for review or hidden by moderators, deleted or hidden \
comments and members-only proposals do not exist here (their ids answer 404). Authors appear \
by display name only, or as null for a former member. No email address appears, nor any \
member's own support, opposition or vote: only totals, and a vote's totals only once it has \
closed.

**Lists** come a page at a time: `page` (from 1) and `per_page` (1 to 100, default 20). \
`links.next` and `links.prev` give the neighbouring pages (null at either end); `meta` gives \
the total. Unknown or repeated query parameters and values out of range are refused.

**Errors** are JSON: `{"error": {"code": 400, "title": "...", "message": "..."}}` for 400 \
(a malformed query: the message names the parameter), 404, 405 (anything but GET, HEAD or \
OPTIONS) and 429.

**Caching**: responses may be cached for 60 seconds by anyone. Each has a weak `ETag`; send \
it back in `If-None-Match` and an unchanged response is a bodiless 304.

**From a browser**: CORS is open to every origin, for GET only. The API reads no cookie, \
so it answers every caller alike.

**Rate limit**: per IP address across the whole API (by default 120 requests a minute); over \
it, 429 with `Retry-After` in seconds.
"""


def _query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _path_id(name: str, what: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": params.MAX_ID},
        "description": f"The {what}'s id.",
    }


PAGE_PARAMETERS = [
    _query(
        "page",
        {"type": "integer", "minimum": 1, "maximum": params.MAX_PAGE, "default": 1},
        "The page, from 1. A page past the last is empty.",
    ),
    _query(
        "per_page",
        {
            "type": "integer",
            "minimum": 1,
            "maximum": params.MAX_PER_PAGE,
            "default": params.PER_PAGE,
        },
        "How many items a page.",
    ),
]
IDEA_PARAMETERS = [
    *PAGE_PARAMETERS,
    _query(
        "sort",
        {"type": "string", "enum": list(SORTS), "default": "newest"},
        "newest; common (common ground: support across the main divide, see /common-ground "
        "on the site); supported (most supported); trending (supports gained in the last 7 "
        "days); discussed (most comments).",
    ),
    _query("topic", SLUG, "Only ideas under this topic (its slug; see /topics)."),
    _query(
        "stage",
        {"type": "string", "enum": [stage.value for stage in Stage]},
        "Only ideas at this stage.",
    ),
    _query(
        "q",
        {"type": "string", "maxLength": params.QUERY_MAX, "pattern": params.TEXT_PATTERN},
        "Full-text search in titles and texts, as in the search box of the site.",
    ),
]
PROPOSAL_PARAMETERS = [
    *PAGE_PARAMETERS,
    _query(
        "status",
        {"type": "string", "enum": list(PROPOSAL_STATUSES)},
        "open: not decided yet (voting, or opening later); closed: result published.",
    ),
]


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "headers": {"ETag": {"schema": TEXT, "description": "A weak validator of the body."}},
        "content": {"application/json": {"schema": ref(schema_name)}},
    }


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


ERRORS = {
    "400": _error("A query parameter is unknown, repeated, malformed or out of range."),
    "429": {
        **_error("Too many requests from this address: wait as long as Retry-After says."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}},
    },
}
NOT_MODIFIED = {"304": {"description": "Unchanged since the ETag sent in If-None-Match."}}
NOT_FOUND = {"404": _error("No public item has this id.")}


def _get(operation_id: str, summary: str, ok: dict, parameters=(), not_found=False) -> dict:
    responses = {"200": ok, **NOT_MODIFIED, **ERRORS, **(NOT_FOUND if not_found else {})}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": list(parameters),
            "responses": responses,
        }
    }


IDEA_ID = _path_id("idea_id", "idea")
PROPOSAL_ID = _path_id("proposal_id", "proposal")
UPDATE_ID = _path_id("update_id", "update")

PATHS = {
    "/ideas": _get(
        "listIdeas",
        "Published ideas, with the filters, sorts and search of the site's list",
        _json("IdeaPage", "A page of ideas."),
        IDEA_PARAMETERS,
    ),
    "/ideas/{idea_id}": _get(
        "getIdea", "One published idea", _json("IdeaItem", "The idea."), [IDEA_ID], True
    ),
    "/ideas/{idea_id}/comments": _get(
        "listIdeaComments",
        "The published comments on an idea, oldest first",
        _json("CommentPage", "A page of comments."),
        [IDEA_ID, *PAGE_PARAMETERS],
        True,
    ),
    "/proposals": _get(
        "listProposals",
        "Public proposals (not withdrawn), newest vote first, with results once closed",
        _json("ProposalPage", "A page of proposals."),
        PROPOSAL_PARAMETERS,
    ),
    "/proposals/{proposal_id}": _get(
        "getProposal",
        "One public proposal, with its result once voting has closed",
        _json("ProposalItem", "The proposal."),
        [PROPOSAL_ID],
        True,
    ),
    "/proposals/{proposal_id}/comments": _get(
        "listProposalComments",
        "The published comments on a public proposal, oldest first",
        _json("CommentPage", "A page of comments."),
        [PROPOSAL_ID, *PAGE_PARAMETERS],
        True,
    ),
    "/proposals/{proposal_id}/ballots": _get(
        "listProposalBallots",
        "A public proposal's list of ballots, in the order accepted: trackers as a hash chain "
        "while voting is open; also each encrypted ballot and its proof once it has closed",
        _json("BallotPage", "A page of the list."),
        [PROPOSAL_ID, *PAGE_PARAMETERS],
        True,
    ),
    "/topics": _get(
        "listTopics", "Every topic, archived ones last", _json("TopicList", "The topics.")
    ),
    "/updates": _get(
        "listUpdates",
        "Organisers' updates, newest first",
        _json("UpdatePage", "A page of updates."),
        PAGE_PARAMETERS,
    ),
    "/updates/{update_id}": _get(
        "getUpdate", "One organisers' update", _json("UpdateItem", "The update."), [UPDATE_ID], True
    ),
    "/openapi.json": _get(
        "getOpenApi",
        "This description",
        {
            "description": "The OpenAPI 3.1 description of this API.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    ),
}


@cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "The Independents: public API",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/api/v1"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
