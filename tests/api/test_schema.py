"""The OpenAPI description tells the truth. Schemathesis reads it from the running app and
generates requests for every operation, valid ones and invalid ones, and sends them to the
app in-process: every answer must be documented, of the documented content type, conform
to its schema and never be a server error; every invalid request must be refused.

The requests come from Hypothesis strategies (Schemathesis' `as_strategy`), driven here
rather than through Schemathesis' pytest plugin, whose fixture loader does not work with
pytest 9.2. Deterministic (derandomized, no example database) and bounded, so CI is stable."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from coop.api.openapi import document
from tests.api.seed import seed

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES = 25
BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def run(strategy) -> None:
    @BOUNDED
    @given(case=strategy)
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()


def test_every_operation_answers_as_its_openapi_description_says(app_factory):
    app = app_factory(LIMIT_API="1000000 per minute")
    seeded = seed(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    public_ids = {
        "idea_id": seeded.ideas["homes"],
        "proposal_id": seeded.proposals["closed"],
        "update_id": seeded.updates["first"],
    }
    for path, methods in document()["paths"].items():
        operation = schema[path]["GET"]
        parameters = [parameter["name"] for parameter in methods["get"]["parameters"]]
        run(operation.as_strategy(GenerationMode.POSITIVE))
        if parameters:
            run(operation.as_strategy(GenerationMode.NEGATIVE))
        fixed = {name: value for name, value in public_ids.items() if name in parameters}
        if fixed:  # an existing item, so its full answer is checked against the schema
            run(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))
