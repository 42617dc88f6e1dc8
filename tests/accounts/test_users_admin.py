"""User administration and employer settings: admin only, own employer only, audited."""

from __future__ import annotations

import sqlalchemy as sa

from edabu_lite.accounts.models import Role, User
from edabu_lite.audit.models import AuditEvent
from tests.conftest import PASSWORD, login, make_user, post_form


def test_admin_adds_user_who_can_log_in(app, client, session, employer, login_as):
    login_as(Role.ADMIN)
    response = post_form(
        client,
        "/pengguna",
        {
            "username": "dewi",
            "full_name": "Dewi Sartika",
            "role": "operator",
            "password": "a-strong-password",
        },
        token_from="/pengguna",
    )
    assert response.status_code == 302
    user = session.scalars(sa.select(User).where(User.username == "dewi")).one()
    assert user.role == Role.OPERATOR and user.employer_id == employer.id
    assert user.password_hash.startswith("scrypt:")
    assert user.must_change_password  # an admin chose it: dewi replaces it first
    dewi = app.test_client()
    response = login(dewi, employer.code, "dewi", "a-strong-password")
    assert response.headers["Location"] == "/akun/kata-sandi"
    assert dewi.get("/peserta").headers["Location"] == "/akun/kata-sandi"
    post_form(
        dewi,
        "/akun/kata-sandi",
        {
            "current": "a-strong-password",
            "new": "dewi-punya-kata-sandi-sendiri",
            "confirm": "dewi-punya-kata-sandi-sendiri",
        },
        token_from="/akun/kata-sandi",
    )
    assert dewi.get("/peserta").status_code == 200
    event = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "user.create")
        .where(AuditEvent.actor == "admin")
    ).one()
    assert event.after["role"] == "operator"


def test_short_password_is_refused_with_message(client, session, login_as):
    login_as(Role.ADMIN)
    response = post_form(
        client,
        "/pengguna",
        {"username": "eko", "role": "viewer", "password": "short"},
        token_from="/pengguna",
    )
    assert response.status_code == 400
    assert "minimal" in response.get_data(as_text=True).lower()
    assert session.scalars(sa.select(User).where(User.username == "eko")).first() is None


def test_duplicate_username_is_refused(client, login_as):
    login_as(Role.ADMIN)
    response = post_form(
        client,
        "/pengguna",
        {"username": "viewer", "role": "viewer", "password": "another-password"},
        token_from="/pengguna",
    )
    assert "sudah dipakai" in response.get_data(as_text=True)


def test_admin_re_roles_and_disables_user(app, client, session, employer, users, login_as):
    login_as(Role.ADMIN)
    target = users[Role.VIEWER]
    victim = app.test_client()
    login(victim, employer.code, "viewer")
    response = post_form(
        client,
        f"/pengguna/{target.id}",
        {"full_name": "Viewer Baru", "role": "operator"},
        token_from=f"/pengguna/{target.id}",
    )
    assert response.status_code == 302
    session.expire_all()
    changed = session.get(User, target.id)
    assert changed.role == Role.OPERATOR and changed.active is False
    assert victim.get("/").status_code == 302  # disabled: the open session ends
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    assert event.before == {"role": "viewer", "active": True, "full_name": None}
    assert event.after == {"role": "operator", "active": False, "full_name": "Viewer Baru"}


def test_admin_cannot_demote_self(client, session, users, login_as):
    admin = login_as(Role.ADMIN)
    response = post_form(
        client,
        f"/pengguna/{admin.id}",
        {"role": "viewer", "active": "y"},
        token_from=f"/pengguna/{admin.id}",
    )
    assert "tidak dapat menurunkan" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, admin.id).role == Role.ADMIN


def lock_out(app, employer, username: str, addr: str = "203.0.113.7") -> None:  # type: ignore[no-untyped-def]
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = addr
    for _ in range(5):
        login(stranger, employer.code, username, "wrong-password")


def test_admin_resets_password_and_unlocks(app, client, session, employer, users, login_as):
    target = users[Role.OPERATOR]
    lock_out(app, employer, "operator", "127.0.0.1")
    login_as(Role.ADMIN)
    post_form(
        client,
        f"/pengguna/{target.id}/reset",
        {"reset-password": "reset-by-admin-1"},
        token_from=f"/pengguna/{target.id}",
    )
    assert (
        login(app.test_client(), employer.code, "operator", "reset-by-admin-1").status_code == 302
    )


def test_user_admin_is_admin_only(client, login_as):
    login_as(Role.OPERATOR)
    assert client.get("/pengguna").status_code == 403
    assert (
        post_form(
            client,
            "/pengguna",
            {"username": "x", "role": "admin", "password": PASSWORD},
            token_from="/",
        ).status_code
        == 403
    )


def test_maker_checker_needs_two_active_admins(client, session, employer, login_as):
    login_as(Role.ADMIN)
    page = client.get("/pengaturan").get_data(as_text=True)
    assert "minimal dua admin aktif (saat ini: 1)" in page
    refused = post_form(
        client,
        "/pengaturan",
        {"name": "PT Contoh Satu", "minimum_wage": "5000000", "mutations_need_approval": "y"},
        token_from="/pengaturan",
    )
    assert refused.status_code == 200
    assert "butuh minimal dua admin aktif" in refused.get_data(as_text=True)
    session.expire_all()
    assert employer.mutations_need_approval is False
    make_user(session, employer, "admin-kedua", Role.ADMIN)
    assert "(saat ini: 2)" in client.get("/pengaturan").get_data(as_text=True)


def test_employer_settings_saved_and_audited(client, session, employer, login_as):
    make_user(session, employer, "admin-kedua", Role.ADMIN)
    login_as(Role.ADMIN)
    response = post_form(
        client,
        "/pengaturan",
        {"name": "PT Contoh Satu Tbk", "minimum_wage": "5500000", "mutations_need_approval": "y"},
        token_from="/pengaturan",
    )
    assert response.status_code == 302
    session.expire_all()
    assert employer.name == "PT Contoh Satu Tbk"
    assert employer.minimum_wage == 5_500_000 and employer.mutations_need_approval is True
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "employer.update")
    ).one()
    assert event.before["minimum_wage"] == 5_000_000 and event.after["minimum_wage"] == 5_500_000


def test_users_list_shows_only_own_employer(client, session, other_employer, login_as):
    make_user(session, other_employer, "orang-lain", Role.ADMIN)
    login_as(Role.ADMIN)
    page = client.get("/pengguna").get_data(as_text=True)
    assert "orang-lain" not in page and "operator" in page


def test_locked_account_shows_until_when_and_unlocks_without_a_new_password(
    app, client, session, employer, users, login_as
):
    from edabu_lite.accounts.models import LoginFailure

    locked = users[Role.OPERATOR]
    lock_out(app, employer, "operator", "203.0.113.7")
    login_as(Role.ADMIN)
    page = client.get("/pengguna").get_data(as_text=True)
    assert "Terkunci di 1 perangkat s.d." in page
    assert 'aria-label="Ubah operator"' in page and 'aria-label="Buka kunci operator"' in page
    post_form(client, f"/pengguna/{locked.id}/buka-kunci", {}, token_from="/pengguna")
    session.expire_all()
    assert session.scalars(sa.select(LoginFailure)).all() == []
    assert "Terkunci" not in client.get("/pengguna").get_data(as_text=True)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "auth.unlock")).one()
    assert event.target_label == "operator"
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert login(other, employer.code, "operator").status_code == 302  # the same password
