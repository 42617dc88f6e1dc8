"""Login, logout, lockout, rate limit, session invalidation and CSRF on the login form."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from edabu_lite.accounts import operations as account_operations
from edabu_lite.accounts.models import LoginFailure, Role, User
from edabu_lite.audit.models import AuditEvent
from edabu_lite.database import utcnow
from tests.conftest import PASSWORD, csrf_token, login, post_form


def actions(session, employer_id):  # type: ignore[no-untyped-def]
    return session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.employer_id == employer_id)
        .order_by(AuditEvent.seq)
    ).all()


def test_login_page_renders_in_indonesian(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Kode Badan Usaha" in page and "Kata sandi" in page
    assert 'lang="id"' in page


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_success_shows_home_and_audits(client, session, employer, users):
    response = login(client, "bu000001", "admin")  # Kode BU is case-insensitive
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "PT Contoh Satu" in home and "Beranda" in home
    assert "auth.login" in actions(session, employer.id)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "auth.login")).one()
    assert event.actor == "admin" and event.client_addr == "127.0.0.1" and event.source == "web"


def failures(session, account: str) -> list[LoginFailure]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(sa.select(LoginFailure).where(LoginFailure.account == account)))


def from_address(client, addr: str) -> None:  # type: ignore[no-untyped-def]
    client.environ_base["REMOTE_ADDR"] = addr


def test_wrong_password_is_generic_and_counted(client, session, employer, users):
    response = login(client, employer.code, "admin", "wrong-password")
    assert response.status_code == 401
    assert "nama pengguna, atau kata sandi salah" in response.get_data(as_text=True)
    unknown = login(client, "NOPE0000", "admin", PASSWORD)
    assert unknown.status_code == 401
    assert "nama pengguna, atau kata sandi salah" in unknown.get_data(as_text=True)
    (row,) = failures(session, f"{employer.code}/admin")
    assert (row.failures, row.user_id, row.client_addr) == (1, users[Role.ADMIN].id, "127.0.0.1")
    assert actions(session, employer.id).count("auth.login_failed") == 1


def test_five_failures_lock_that_address_out_not_the_owner(client, session, employer, users):
    from_address(client, "203.0.113.9")  # someone who knows the employer code and username
    for _ in range(5):
        login(client, employer.code, "operator", "wrong-password")
    (row,) = failures(session, f"{employer.code}/operator")
    assert timedelta(minutes=14) < row.locked_until - utcnow() <= timedelta(minutes=15)
    refused = login(client, employer.code, "operator", PASSWORD)  # even the right password
    assert refused.status_code == 401
    assert "Terlalu banyak percobaan gagal dari perangkat ini" in refused.get_data(as_text=True)
    lock = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "auth.lockout")).one()
    assert lock.after["client_addr"] == "203.0.113.9" and lock.target_id == str(row.user_id)
    from_address(client, "10.1.2.3")  # the owner, at the office
    assert login(client, employer.code, "operator").status_code == 302


def test_an_unknown_username_gets_the_same_answers(client, session, employer, users, monkeypatch):
    # One instant for both: the lockout message names the minute it ends, and the two
    # streaks could straddle a minute.
    now = utcnow()
    monkeypatch.setattr(account_operations, "utcnow", lambda: now)
    pages = {}
    for username in ("operator", "no-such-user"):
        from_address(client, f"198.51.100.{len(pages) + 1}")
        pages[username] = [
            login(client, employer.code, username, "wrong-password").get_data(as_text=True)
            for _ in range(6)
        ]
    for real, unknown in zip(pages["operator"], pages["no-such-user"], strict=True):
        assert _flash(real) == _flash(unknown)
    assert "dari perangkat ini" in _flash(pages["no-such-user"][-1])
    # Someone is trying usernames at this employer: the admin sees it in the trail.
    locks = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "auth.lockout"))
    assert sorted(event.target_label for event in locks) == ["no-such-user", "operator"]


def test_an_unknown_username_costs_as_much_as_a_wrong_password(client, employer, users):
    def slowest(username: str) -> float:
        times = []
        for attempt in range(3):
            from_address(client, f"192.0.2.{attempt + 10 * len(username)}")
            started = time.perf_counter()
            login(client, employer.code, username, "wrong-password")
            times.append(time.perf_counter() - started)
        return min(times)

    real, unknown = slowest("viewer"), slowest("nobody-at-all")
    assert 0.5 < unknown / real < 2, (real, unknown)  # was ~5 ms against ~110 ms


def test_failures_from_many_addresses_make_each_wait_longer(client, session, employer, users):
    for addr in ("198.51.100.1", "198.51.100.2"):
        from_address(client, addr)
        for _ in range(4):  # under the lock of each address
            login(client, employer.code, "viewer", "wrong-password")
    from_address(client, "198.51.100.1")
    waiting = login(client, employer.code, "viewer", PASSWORD)
    assert waiting.status_code == 401
    assert "Tunggu" in _flash(waiting.get_data(as_text=True))
    from_address(client, "10.9.9.9")  # an address that never failed is not made to wait
    assert login(client, employer.code, "viewer").status_code == 302


def test_lock_expires(client, session, employer, users):
    for _ in range(5):
        login(client, employer.code, "viewer", "wrong-password")
    (row,) = failures(session, f"{employer.code}/viewer")
    row.locked_until = row.last_failed_at = utcnow() - timedelta(minutes=16)
    session.commit()
    assert login(client, employer.code, "viewer").status_code == 302


def test_four_failures_then_success_resets_counter(client, session, employer, users):
    for _ in range(4):
        login(client, employer.code, "viewer", "nope-nope-nope")
    assert login(client, employer.code, "viewer").status_code == 302
    assert failures(session, f"{employer.code}/viewer") == []


def _flash(page: str) -> str:
    start = page.find('class="alert')
    return page[start : page.find("</div>", start)]


def test_disabled_user_cannot_log_in(client, session, employer, users):
    users[Role.VIEWER].active = False
    session.commit()
    response = login(client, employer.code, "viewer")
    assert response.status_code == 401
    assert "dinonaktifkan" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_rejected(client, employer, users):
    response = client.post(
        "/login", data={"employer_code": employer.code, "username": "admin", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "kedaluwarsa" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_logout_is_post_with_csrf_and_audited(client, session, employer, login_as):
    login_as(Role.VIEWER)
    assert client.get("/logout").status_code == 405
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert actions(session, employer.id)[-1] == "auth.logout"


def test_open_redirect_after_login_is_refused(client, employer, users):
    response = post_form(
        client,
        "/login?next=//evil.example/x",
        {"employer_code": employer.code, "username": "admin", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_password_change_ends_other_sessions(app, client, session, employer, login_as):
    login_as(Role.OPERATOR)
    other = app.test_client()
    login(other, employer.code, "operator")
    assert other.get("/").status_code == 200
    response = post_form(
        client,
        "/akun/kata-sandi",
        {"current": PASSWORD, "new": "a-brand-new-secret", "confirm": "a-brand-new-secret"},
        token_from="/akun/kata-sandi",
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session carries on
    assert other.get("/").status_code == 302  # the other one is logged out
    assert "user.password_change" in actions(session, employer.id)


def test_password_change_rejects_wrong_current(client, login_as):
    login_as(Role.OPERATOR)
    response = post_form(
        client,
        "/akun/kata-sandi",
        {
            "current": "not-my-password",
            "new": "a-brand-new-secret",
            "confirm": "a-brand-new-secret",
        },
        token_from="/akun/kata-sandi",
    )
    assert response.status_code == 200
    assert "Kata sandi saat ini salah" in response.get_data(as_text=True)


def test_rate_limit_on_login_endpoint(app, client, employer, users):
    app.config["RATELIMIT_ENABLED"] = True
    from edabu_lite.extensions import limiter

    limiter.enabled = True
    limiter.reset()
    try:
        app.config["RATELIMIT_LOGIN"] = "3 per minute"
        codes = [login(client, employer.code, "nobody", "x").status_code for _ in range(4)]
    finally:
        limiter.enabled = False
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429


def test_language_switch_is_remembered_for_user(client, session, employer, login_as):
    user = login_as(Role.VIEWER)
    post_form(client, "/bahasa", {"locale": "en", "next": "/"}, token_from="/")
    session.expire_all()
    assert session.get(User, user.id).locale == "en"
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page


def test_english_is_available_before_login(client):
    """The English catalogue is compiled and used (make compiles it; see Makefile)."""
    post_form(client, "/bahasa", {"locale": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Kode Badan Usaha (employer code)" in page and "Password" in page


def test_two_first_failures_at_once_share_one_row(session, employer, users, monkeypatch):
    """The second of two simultaneous first failures finds the row the first inserted."""
    from edabu_lite.accounts import throttle

    throttle.record_failure(
        session, "BU/x", "1.2.3.4", utcnow(), throttle.Throttle(), employer_id=None, user_id=None
    )
    session.commit()
    real, calls = throttle._failure_row, []

    def not_yet(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        return None if len(calls) == 1 else real(*args)  # the race: not seen at first

    monkeypatch.setattr(throttle, "_failure_row", not_yet)
    row = throttle.record_failure(
        session, "BU/x", "1.2.3.4", utcnow(), throttle.Throttle(), employer_id=None, user_id=None
    )
    session.commit()
    assert row.failures == 2
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 1
