"""API tokens: the CLI and the admin page make, list and revoke them; a token is stored
hashed, shown once, and stops working the moment it is revoked or expires."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from edabu_lite.api import tokens
from edabu_lite.api.models import ApiToken
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import verify_chain
from edabu_lite.database import utcnow
from tests.conftest import TEST_ACTOR, csrf_token, login

URL = "/api/v1/participants"


def test_cli_prints_the_token_last_and_stores_only_its_hash(runner, session, employer):
    result = runner.invoke(
        args=["token", "create", "Payroll", "--employer", employer.code, "--role", "viewer"]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"edabu_[A-Za-z0-9_-]{40,}", secret)
    stored = session.scalars(sa.select(ApiToken)).one()
    assert stored.token_hash == tokens.digest(secret) and secret not in stored.token_hash
    assert stored.role == "viewer" and secret.startswith(stored.prefix)
    listed = runner.invoke(args=["token", "list", "--employer", employer.code])
    assert "Payroll\tviewer" in listed.output and secret not in listed.output
    again = runner.invoke(
        args=["token", "create", "Payroll", "--employer", employer.code, "--role", "viewer"]
    )
    assert again.exit_code == 2 and "Payroll" in again.output
    admin = runner.invoke(
        args=["token", "create", "X", "--employer", employer.code, "--role", "admin"]
    )
    assert admin.exit_code == 2  # tokens are operator or viewer, never admin


def test_revoked_and_expired_tokens_are_refused(runner, client, session, employer):
    made = tokens.create_token(session, employer, "HRIS", "operator", TEST_ACTOR)
    headers = {"Authorization": f"Bearer {made.secret}"}
    assert client.get(URL, headers=headers).status_code == 200
    assert session.get(ApiToken, made.token.id).last_used_at is not None
    result = runner.invoke(args=["token", "revoke", "HRIS", "--employer", employer.code])
    assert result.exit_code == 0, result.output
    refused = client.get(URL, headers=headers)
    assert refused.status_code == 401 and refused.json["code"] == "auth.invalid_token"
    twice = runner.invoke(args=["token", "revoke", "HRIS", "--employer", employer.code])
    assert twice.exit_code == 2

    short = tokens.create_token(session, employer, "Sementara", "viewer", TEST_ACTOR, days=1)
    headers = {"Authorization": f"Bearer {short.secret}"}
    assert client.get(URL, headers=headers).status_code == 200
    session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == short.token.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    assert client.get(URL, headers=headers).status_code == 401
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.target_type == "api_token")
    ).all()
    assert sorted(actions) == ["api_token.create", "api_token.create", "api_token.revoke"]
    assert verify_chain(session, employer.id).ok


def test_admin_page_shows_a_new_token_once(client, session, employer, other_employer, users):
    login(client, employer.code, "admin")
    token = csrf_token(client, "/pengaturan/token-api")
    made = client.post(
        "/pengaturan/token-api",
        data={"csrf_token": token, "name": "HRIS Pusat", "role": "operator", "days": "30"},
    )
    assert made.status_code == 200
    secret = re.search(r'value="(edabu_[^"]+)"', made.get_data(as_text=True)).group(1)
    assert client.get(URL, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    page = client.get("/pengaturan/token-api").get_data(as_text=True)
    assert "HRIS Pusat" in page and secret not in page  # listed, never shown again
    stored = session.scalars(sa.select(ApiToken).where(ApiToken.name == "HRIS Pusat")).one()
    assert stored.expires_at is not None
    bad = client.post(
        "/pengaturan/token-api", data={"csrf_token": token, "name": "", "role": "admin"}
    )
    assert bad.status_code == 400
    theirs = tokens.create_token(session, other_employer, "B", "viewer", TEST_ACTOR)
    gone = client.post(f"/pengaturan/token-api/{theirs.token.id}/cabut", data={"csrf_token": token})
    assert gone.status_code == 404
    assert session.get(ApiToken, theirs.token.id).revoked_at is None
    revoked = client.post(f"/pengaturan/token-api/{stored.id}/cabut", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert client.get(URL, headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_only_admins_manage_tokens(client, employer, users):
    for role in ("operator", "viewer"):
        login(client, employer.code, role)
        assert client.get("/pengaturan/token-api").status_code == 403
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_a_logged_in_browser_cannot_use_the_api_without_a_token(client, employer, users):
    login(client, employer.code, "admin")
    response = client.get(URL)
    assert response.status_code == 401  # the session cookie is not a credential here
