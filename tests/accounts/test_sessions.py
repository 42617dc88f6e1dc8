"""Sessions the server can end (issue 14, item 3): a cookie copied before logout is dead after
it; a role change, deactivation, a password change and an admin's "keluarkan dari semua
perangkat" end every copy; the password's own device stays signed in. Logging in gives a
fresh session (and CSRF token)."""

from __future__ import annotations

import sqlalchemy as sa

from edabu_lite.accounts.models import Role, UserSession
from edabu_lite.audit.models import AuditEvent
from tests.conftest import PASSWORD, csrf_token, login, post_form


def _copy(app, client):  # type: ignore[no-untyped-def]
    """Another client holding a copy of ``client``'s session cookie (as a thief would)."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    return thief


def test_logout_ends_every_copy_of_the_session(app, client, employer, users):
    login(client, employer.code, Role.OPERATOR.value)
    thief = _copy(app, client)
    assert thief.get("/peserta").status_code == 200
    post_form(client, "/logout", {}, token_from="/")
    for browser in (client, thief):
        response = browser.get("/peserta")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert browser.get("/audit/ekspor.xlsx").status_code == 302


def test_role_change_deactivation_and_admin_sign_out_end_sessions(
    app, client, session, employer, users
):
    operator = app.test_client()
    login(operator, employer.code, Role.OPERATOR.value)
    login(client, employer.code, Role.ADMIN.value)
    target = users[Role.OPERATOR]
    post_form(
        client, f"/pengguna/{target.id}", {"role": "viewer", "active": "y"},
        token_from=f"/pengguna/{target.id}",
    )  # fmt: skip
    assert operator.get("/peserta").status_code == 302
    login(operator, employer.code, Role.OPERATOR.value)
    assert operator.get("/peserta").status_code == 200
    post_form(client, f"/pengguna/{target.id}/keluarkan", {}, token_from=f"/pengguna/{target.id}")
    assert operator.get("/peserta").status_code == 302
    ended = session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "auth.sessions_ended")
    )
    assert ended == 1
    open_sessions = session.scalar(
        sa.select(sa.func.count()).where(
            UserSession.user_id == target.id, UserSession.ended_at.is_(None)
        )
    )
    assert open_sessions == 0


def test_password_change_keeps_this_device_and_ends_the_others(app, client, employer, users):
    login(client, employer.code, Role.VIEWER.value)
    other = app.test_client()
    login(other, employer.code, Role.VIEWER.value)
    new = "kuda-baterai-benar-2026"
    post_form(
        client, "/akun/kata-sandi", {"current": PASSWORD, "new": new, "confirm": new},
        token_from="/akun/kata-sandi",
    )  # fmt: skip
    assert client.get("/peserta").status_code == 200
    assert other.get("/peserta").status_code == 302


def test_login_gives_a_fresh_session_and_csrf_token(client, employer, users):
    csrf_token(client, "/login")
    with client.session_transaction() as before:
        raw_before = before["csrf_token"]  # the secret the signed form tokens are made of
    login(client, employer.code, Role.VIEWER.value)
    csrf_token(client, "/akun/kata-sandi")
    with client.session_transaction() as after:
        assert after["csrf_token"] != raw_before and after.get("sid")
