"""Tests generated from the served OpenAPI document: every operation refuses a request
without a token (401) and a role too low (403), and hides another employer's objects (404);
then schemathesis sends generated requests to every operation and checks that none is a
server error and every answer matches the document."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from edabu_lite.accounts.models import Role
from tests.api.conftest import workers
from tests.factories import register

#: A valid body for the operations that need one to get past the parser (so the role and
#: tenancy checks, not the body, decide the answer).
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/api/v1/participants/{participant_id}"): {"name": "Nama Baru"},
    ("POST", "/api/v1/participants"): {"name": "X"},
}


def operations(app) -> list[tuple[str, str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    document = app.test_client().get("/api/v1/openapi.json").json
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                found.append((method.upper(), path, operation))
    return found


def needed_role(app, method: str, path: str) -> Role:  # type: ignore[no-untyped-def]
    """The role the endpoint's view declares (`token_required`)."""
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(re.sub(r"\{[a-z_]+\}", "1", path), method=method)
    return app.view_functions[endpoint].required_role  # type: ignore[no-any-return]


@pytest.fixture
def theirs(session, other_employer, employer):  # type: ignore[no-untyped-def]
    """Ids of employer B's objects, by path parameter name."""
    people = register(session, other_employer, workers(1, first=9001))
    register(session, employer, workers(2))
    return {"participant_id": next(iter(people.values())).id, "month": "2026-01"}


def fill(path: str, ids: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"the walk does not know how to fill {{{name}}} in {path}"
        return str(ids[name])

    return re.sub(r"\{([a-z_]+)\}", value, path)


def test_the_document_is_served_and_covers_the_resources(app):
    paths = {path for _m, path, _o in operations(app)}
    assert {"/api/v1/participants", "/api/v1/participants/{participant_id}"} <= paths
    assert "/api/v1/iuran/{month}/lines" in paths
    docs = app.test_client().get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.data
    assert b"cdn" not in docs.data.lower()


def test_every_operation_needs_a_token(app, api, theirs):
    for method, path, _operation in operations(app):
        response = api[None].open(fill(path, theirs), method, json=BODIES.get((method, path)))
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json["code"] == "auth.required"


def test_every_operation_checks_the_role(app, api, theirs):
    refused = 0
    for method, path, _operation in operations(app):
        if Role.VIEWER.allows(needed_role(app, method, path)):
            continue
        response = api["viewer"].open(fill(path, theirs), method, json=BODIES.get((method, path)))
        assert response.status_code == 403, (method, path, response.status_code)
        assert response.json["code"] == "auth.forbidden"
        refused += 1
    assert refused >= 2


def test_every_operation_hides_other_employers_objects(app, api, theirs):
    for method, path, _operation in operations(app):
        if "{participant_id}" not in path and "_id}" not in path:
            continue  # no object of anyone's in the path
        response = api["operator"].open(fill(path, theirs), method, json=BODIES.get((method, path)))
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json["code"] == "not_found"
        body = response.get_data(as_text=True)
        assert "Pekerja" not in body


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
