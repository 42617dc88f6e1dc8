"""Every operation of the OpenAPI document, walked: no token is 401, a viewer's token on an
operator's endpoint is 403, and another employer's object is 404 for every method, so a new
endpoint cannot forget its role or its tenancy."""

from __future__ import annotations

import re

import pytest

from edabu_lite.accounts.models import Role
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import JobKind
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.rules import MutationKind, Reason, Request
from tests.api.conftest import nik, workers
from tests.conftest import TEST_ACTOR
from tests.factories import register

METHODS = ("get", "post", "patch", "put", "delete")


def operations(client) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json
    return [(path, method) for path, item in spec["paths"].items() for method in item
            if method in METHODS]  # fmt: skip


def fill(path: str, ids: dict[str, object]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def required_role(app, path: str, method: str) -> Role:  # type: ignore[no-untyped-def]
    endpoint, _args = app.url_map.bind("localhost").match(path, method=method.upper())
    return app.view_functions[endpoint].required_role


@pytest.fixture
def theirs(session, employer, other_employer) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """One object of each kind, of employer B."""
    people = register(session, other_employer, workers(1, first=9001))
    job = jobs.create_job(
        session, other_employer.id, JobKind.ROSTER, "b.xlsx", b"", TEST_ACTOR, keep_file=False
    )
    request = Request(MutationKind.DEACTIVATE, Reason.PENSIUN)
    batch = ops.plan_batch(
        session, other_employer.id, [ops.ItemInput(nik=nik(9001), request=request)], TEST_ACTOR,
        source="cli",
    )  # fmt: skip
    return {
        "participant_id": people[nik(9001)].id,
        "job_id": job.id,
        "batch_id": batch.id,
        "month": "2026-01",  # not an object: anyone's month is their own
    }


def test_the_document_lists_every_resource(client):
    paths = {path for path, _method in operations(client)}
    for resource in ("participants", "roster-imports", "mutation-batches"):
        assert f"/api/v1/{resource}" in paths
    assert "/api/v1/iuran/{month}/lines" in paths


def test_every_operation_needs_a_token(app, api, theirs):
    walked = 0
    for path, method in operations(app.test_client()):
        response = api[None].open(fill(path, theirs), method.upper(), json={})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json["code"] == "auth.required"
        walked += 1
    assert walked >= 10


def test_a_viewer_is_refused_every_write(app, api, theirs):
    refused = 0
    for path, method in operations(app.test_client()):
        needed = required_role(app, fill(path, theirs), method)
        assert isinstance(needed, Role), (method, path)
        if Role.VIEWER.allows(needed):
            assert method == "get", (method, path)  # reading is a viewer's, writing is not
            continue
        response = api["viewer"].open(fill(path, theirs), method.upper(), json={})
        assert response.status_code == 403, (method, path, response.status_code)
        refused += 1
    assert refused >= 6


def test_another_employers_objects_are_not_found(app, api, theirs):
    walked = 0
    for path, method in operations(app.test_client()):
        if not re.search(r"\{\w+_id\}", path):
            continue  # no object in the path
        response = api["operator"].open(fill(path, theirs), method.upper(), json={})
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json["code"] == "not_found"
        walked += 1
    assert walked >= 7
