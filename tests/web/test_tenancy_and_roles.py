"""Every route in ``app.url_map``: anonymous users go to login, roles are enforced on the
server, and a user of employer A never sees employer B's objects (404 by any id)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from edabu_lite.accounts.models import Role
from edabu_lite.api import tokens
from edabu_lite.audit.models import AuditEvent
from edabu_lite.downloads.models import ExportKind
from edabu_lite.downloads.operations import create_export
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import JobKind
from edabu_lite.mutations.operations import ItemInput, plan_batch
from edabu_lite.mutations.rules import MutationKind, Reason, Request
from edabu_lite.roster.models import Participant
from edabu_lite.roster.operations import add_participants
from tests.conftest import TEST_ACTOR, csrf_token, login, make_user
from tests.factories import worker_row

PUBLIC = {"static", "accounts.login", "home.set_language", "healthz"}
# Logging out mid-walk would end the walking user's session; it has its own tests.
NOT_WALKED = PUBLIC | {"accounts.logout"}
SECRET_NAME = "Rahasia Perusahaan Lain"


@pytest.fixture
def two_tenants(session, employer, other_employer, users):  # type: ignore[no-untyped-def]
    """Employer A (the fixture users) and employer B with a user and a participant."""
    b_user = make_user(session, other_employer, "b-admin", Role.ADMIN)
    add_participants(
        session,
        other_employer.id,
        [worker_row("3273010101900001", "3273010101200001", SECRET_NAME)],
        TEST_ACTOR,
    )
    add_participants(
        session,
        employer.id,
        [worker_row("3273010101900002", "3273010101200002", "Pekerja Sendiri")],
        TEST_ACTOR,
    )
    session.commit()
    b_participant = session.scalars(
        sa.select(Participant).where(Participant.employer_id == other_employer.id)
    ).one()
    b_event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.employer_id == other_employer.id)
    ).first()
    b_batch = plan_batch(
        session,
        other_employer.id,
        [
            ItemInput(
                nik="3273010101900001", request=Request(MutationKind.DEACTIVATE, Reason.PENSIUN)
            )
        ],
        TEST_ACTOR,
        source="web",
    )
    b_job = jobs.create_job(
        session, other_employer.id, JobKind.ROSTER, "b-roster.xlsx", b"PK", TEST_ACTOR
    )
    b_export = create_export(
        session,
        other_employer.id,
        ExportKind.ROSTER,
        TEST_ACTOR,
        filters={},
        day=date(2026, 1, 1),
        rows_total=9_000,
        download_name="b-roster.xlsx",
    )
    b_token = tokens.create_token(session, other_employer, "b-token", "viewer", TEST_ACTOR)
    return {
        "token_id": b_token.token.id,
        "export_id": b_export.id,
        "user_id": b_user.id,
        "participant_id": b_participant.id,
        "event_id": b_event.id,
        "batch_id": b_batch.id,
        "job_id": b_job.id,
    }


def routes(app, skip=PUBLIC):  # type: ignore[no-untyped-def]
    """The web's routes. The API (/api/) takes tokens, not logins: tests/api walks its
    OpenAPI document for tenancy and roles."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in skip or rule.rule.startswith("/api/"):
            continue
        yield rule


def build(rule, ids: dict) -> str:  # type: ignore[no-untyped-def]
    values = {}
    for arg in rule.arguments:
        assert arg in ids, f"tenancy test does not know how to fill <{arg}> in {rule.rule}"
        values[arg] = ids[arg]
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), path)
    return path


def methods(rule) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(m for m in rule.methods if m in {"GET", "POST"})


def test_every_route_sends_anonymous_users_to_login(app, client, two_tenants):
    checked = 0
    for rule in routes(app):
        for method in methods(rule):
            response = client.open(build(rule, two_tenants), method=method)
            checked += 1
            if method == "POST" and response.status_code == 400:
                continue  # CSRF refused it before anything else: also safe
            assert response.status_code == 302, (method, rule.rule, response.status_code)
            assert "/login" in response.headers["Location"], rule.rule
    assert checked >= 12


def test_every_route_hides_other_employers_objects(app, client, employer, two_tenants):
    login(client, employer.code, "admin")
    token = csrf_token(client, "/")
    for rule in routes(app, skip=NOT_WALKED):
        path = build(rule, two_tenants)
        for method in methods(rule):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(path, method=method, data=data)
            if rule.arguments:
                assert response.status_code == 404, (method, path, response.status_code)
            else:
                body = response.data
                for secret in (SECRET_NAME, "b-admin", "3273010101900001", "b-roster.xlsx"):
                    assert secret.encode() not in body, (method, path, secret)
                assert response.status_code < 500, (method, path)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
def test_roles_are_enforced_on_the_server(app, client, users, employer, role):
    login(client, employer.code, role.value)
    own_ids = {
        "user_id": users[Role.ADMIN].id,
        "participant_id": 1,
        "event_id": 1,
        "batch_id": 1,
        "job_id": 1,
        "export_id": 1,
        "token_id": 1,
    }
    token = csrf_token(client, "/")
    refused = 0
    for rule in routes(app, skip=NOT_WALKED):
        needed = app.view_functions[rule.endpoint].required_role
        if role.allows(needed):
            continue
        for method in methods(rule):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(build(rule, own_ids), method=method, data=data)
            assert response.status_code == 403, (role, method, rule.rule, response.status_code)
            refused += 1
    assert refused >= 5


def test_every_endpoint_declares_a_role_or_is_public(app):
    """A new view must say, through ``role_required``, which role it needs."""
    undeclared = [
        rule.endpoint
        for rule in routes(app)
        if not isinstance(getattr(app.view_functions[rule.endpoint], "required_role", None), Role)
    ]
    assert undeclared == []
    admin_only = {
        r.endpoint
        for r in routes(app)
        if app.view_functions[r.endpoint].required_role == Role.ADMIN
    }
    assert {"accounts.users", "accounts.create_user", "accounts.settings"} <= admin_only


def test_security_headers_on_pages(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
