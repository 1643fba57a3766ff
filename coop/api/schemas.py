"""JSON Schemas of the API's objects, the components of its OpenAPI description. Every
object is closed (no property beyond those listed), so the schema test would catch a field
that is not meant to be public."""

from coop.api import params
from coop.ideas.models import Stage
from coop.proposals.models import Rule


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, description: str | None = None) -> dict:
    schema = {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


ID = {"type": "integer", "minimum": 1}
TEXT = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}
BOOL = {"type": "boolean"}
URL = {"type": "string", "format": "uri"}
WHEN = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601."}
HTML = {"type": "string", "description": "The Markdown rendered as sanitised HTML."}
MARKDOWN = {"type": "string", "description": "The author's text, in Markdown."}
HEX32 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
SLUG = {"type": "string", "pattern": params.SLUG_PATTERN, "maxLength": params.SLUG_MAX}

SCHEMAS = {
    "Error": _obj(
        {
            "error": _obj(
                {
                    "code": {"type": "integer", "description": "The HTTP status."},
                    "title": TEXT,
                    "message": {"type": "string", "description": "What went wrong, in words."},
                }
            )
        }
    ),
    "Author": _obj(
        {"display_name": TEXT}, "The name the member chose to show; null for a former member."
    ),
    "Links": _obj(
        {"self": URL, "next": _nullable(URL), "prev": _nullable(URL)},
        "This page and its neighbours, with the same filters; null at either end.",
    ),
    "Meta": _obj(
        {
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": params.MAX_PER_PAGE},
            "total": COUNT,
            "pages": COUNT,
        }
    ),
    "Topic": _obj(
        {
            "id": ID,
            "name": TEXT,
            "slug": SLUG,
            "description": TEXT,
            "archived": {"type": "boolean", "description": "No new ideas are filed under it."},
            "ideas_url": {**URL, "description": "The ideas under this topic."},
        }
    ),
    "Idea": _obj(
        {
            "id": ID,
            "title": TEXT,
            "slug": TEXT,
            "topic": _obj({"id": ID, "name": TEXT, "slug": SLUG}),
            "stage": {"type": "string", "enum": [stage.value for stage in Stage]},
            "stage_label": TEXT,
            "author": _nullable(ref("Author")),
            "body": MARKDOWN,
            "body_html": HTML,
            "support_count": COUNT,
            "oppose_count": COUNT,
            "comment_count": COUNT,
            "comments_locked": {"type": "boolean", "description": "Closed to new comments."},
            "created_at": WHEN,
            "edited_at": _nullable(WHEN),
            "withdrawn_at": _nullable(WHEN),
            "url": {**URL, "description": "The idea's page on the site."},
            "api_url": URL,
            "comments_url": URL,
        }
    ),
    "Result": _obj(
        {
            "outcome": {"type": "string", "enum": ["carried", "not_carried"]},
            "carried": BOOL,
            "votes_for": COUNT,
            "votes_against": COUNT,
            "votes_abstain": COUNT,
            "turnout": COUNT,
            "electorate": {**COUNT, "description": "Members entitled to vote at closing."},
            "quorum_met": BOOL,
            "closed_at": WHEN,
        },
        "Counted when voting closed; the ballots were then deleted. Null until then.",
    ),
    "Proposal": _obj(
        {
            "id": ID,
            "question": TEXT,
            "slug": TEXT,
            "body": MARKDOWN,
            "body_html": HTML,
            "status": {
                "type": "string",
                "enum": ["upcoming", "voting", "counting", "closed", "withdrawn"],
                "description": "Counting: voting has closed and the result is not yet "
                "published. Closed: the result is published.",
            },
            "rule": {"type": "string", "enum": [rule.value for rule in Rule]},
            "rule_label": TEXT,
            "electorate": {
                "type": "string",
                "enum": ["supporters", "members"],
                "description": "Who votes: every confirmed supporter (consultative) or the "
                "members of the co-operative only (binding).",
            },
            "quorum_percent": _nullable({"type": "integer", "minimum": 1, "maximum": 100}),
            "opens_at": WHEN,
            "closes_at": WHEN,
            "withdrawn_at": _nullable(WHEN),
            "withdrawn_reason": _nullable(TEXT),
            "result": _nullable(ref("Result")),
            "idea": _nullable(
                _obj(
                    {"id": ID, "title": TEXT, "url": URL, "api_url": URL},
                    "The idea put to this vote, when it is public.",
                )
            ),
            "comment_count": COUNT,
            "comments_locked": BOOL,
            "created_at": WHEN,
            "url": URL,
            "api_url": URL,
            "comments_url": URL,
        }
    ),
    "Ballot": _obj(
        {
            "seq": ID,
            "tracker": HEX32,
            "chain": {
                **HEX32,
                "description": "SHA-256 of the previous entry's chain value, "
                "this position, tracker and the position it replaces.",
            },
            "replaces": _nullable({**ID, "description": "The entry this one supersedes."}),
            "removal": {
                **BOOL,
                "description": "Once closed: the entry removes the ballot at "
                "`replaces` (its member withdrew consent).",
            },
            "ciphertext": _nullable(
                {
                    "type": "string",
                    "pattern": "^[0-9a-f]{128}$",
                    "description": "Once closed: the encrypted ballot.",
                }
            ),
            "proof": _nullable(
                {
                    "type": "string",
                    "pattern": "^([0-9a-f]{2})+$",
                    "description": "Once closed: its proof of validity.",
                }
            ),
            "accepted_at": WHEN,
        },
        "One entry of a vote's public list of ballots (docs/secret-ballots.md).",
    ),
    "Comment": _obj(
        {
            "id": ID,
            "parent_id": _nullable(
                {
                    **ID,
                    "description": "The comment this replies to (one level of replies). It "
                    "may be absent from the list when it was deleted or hidden.",
                }
            ),
            "author": _nullable(ref("Author")),
            "body": MARKDOWN,
            "body_html": HTML,
            "created_at": WHEN,
            "edited_at": _nullable(WHEN),
            "url": URL,
        }
    ),
    "Update": _obj(
        {
            "id": ID,
            "title": TEXT,
            "slug": TEXT,
            "author": _nullable(ref("Author")),
            "body": MARKDOWN,
            "body_html": HTML,
            "published_at": WHEN,
            "edited_at": _nullable(WHEN),
            "url": URL,
            "api_url": URL,
        }
    ),
}


def _page_of(name: str) -> dict:
    items = {"type": "array", "items": ref(name)}
    return _obj({"data": items, "links": ref("Links"), "meta": ref("Meta")})


def _item_of(name: str) -> dict:
    return _obj({"data": ref(name)})


SCHEMAS.update(
    {
        "IdeaPage": _page_of("Idea"),
        "IdeaItem": _item_of("Idea"),
        "ProposalPage": _page_of("Proposal"),
        "ProposalItem": _item_of("Proposal"),
        "CommentPage": _page_of("Comment"),
        "BallotPage": _page_of("Ballot"),
        "UpdatePage": _page_of("Update"),
        "UpdateItem": _item_of("Update"),
        "TopicList": _obj(
            {"data": {"type": "array", "items": ref("Topic")}, "links": _obj({"self": URL})}
        ),
    }
)
