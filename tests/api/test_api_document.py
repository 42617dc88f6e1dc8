"""The served OpenAPI document and its page; schemathesis sends generated requests to every
operation and checks that none is a server error and every answer matches the document.
(`test_api_walk` walks the same document for tokens, roles and tenancy.)"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import workers
from tests.factories import register


def test_the_documentation_page_is_served_by_the_app(app):
    docs = app.test_client().get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.data
    assert b"cdn" not in docs.data.lower()


def test_generated_requests_never_fail_the_server_and_match_the_document(
    app, session, employer, secrets
):
    """schemathesis's generated requests, operation by operation, with an operator token,
    and every default check but one: a request the document allows may still be refused
    (422) by the rules behind it (a roster row's NIK, an opaque cursor, a month), which the
    document cannot express. (Driven through hypothesis here: schemathesis's pytest plugin
    does not run on pytest 9.)"""
    register(session, employer, workers(3))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {secrets['operator']}"}
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.headers = {**(case.headers or {}), **headers}  # so ST401 can take it away
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        run()
        tried += 1
    assert tried >= 4
