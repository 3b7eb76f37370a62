"""Property-based run of the OpenAPI document (schemathesis, bounded): no 5xx, no off-schema reply.

Generated requests carry a merchant's key, so they reach the handlers (not just the 401 gate),
and ids are random, so most lookups are 404s: the point is that nothing the schema allows, or
nearly allows, makes the server fail or answer outside its documented shapes.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES_PER_OPERATION = 10


def test_no_server_errors_and_responses_match_the_schema(app, merchant):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    statuses: dict[int, int] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call_and_validate(
                headers=merchant.auth, checks=[not_a_server_error, response_schema_conformance]
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        run()
    # The run reached the handlers: successes and business/validation errors, never a 5xx.
    assert statuses.get(200, 0) > 0 and statuses.get(404, 0) > 0, statuses
    assert sum(statuses.values()) >= len(operations) * 3, statuses
    print("schemathesis statuses:", dict(sorted(statuses.items())))
