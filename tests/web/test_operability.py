"""What operators rely on: /healthz, a request id everywhere, one JSON line per request that
names the route and never a NIK, and error pages that render with the database away."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa

from edabu_lite.accounts.models import Role
from edabu_lite.app import create_app
from edabu_lite.operability import ACCESS_LOGGER

NIK = "3273015507900001"


def test_healthz_says_ok_without_a_login_and_nothing_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_names_the_database_when_it_is_away(app):
    away = create_app(
        {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none", "TESTING": True}
    )
    response = away.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error", "queue": "ok"}


def test_healthz_names_the_queue_when_it_is_away(client, monkeypatch):
    from edabu_lite.jobs import huey

    def broken() -> int:
        raise ConnectionError("redis went away")

    monkeypatch.setattr(huey.storage, "queue_size", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["queue"] == "error"


def test_every_response_carries_a_request_id(client):
    mine = client.get("/login", headers={"X-Request-ID": "proxy-abc-12345"})
    assert mine.headers["X-Request-ID"] == "proxy-abc-12345"
    made_up = client.get("/login", headers={"X-Request-ID": "<script>"})
    assert (
        made_up.headers["X-Request-ID"] != "<script>" and len(made_up.headers["X-Request-ID"]) == 16
    )


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_log():  # type: ignore[no-untyped-def]
    lines = Lines()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(lines)
    yield lines
    logger.removeHandler(lines)


def test_one_json_line_per_request_with_route_user_and_no_nik(
    client, employer, login_as, access_log
):
    user = login_as(Role.OPERATOR)
    response = client.get(f"/peserta?q={NIK}")
    assert response.status_code == 200
    (record,) = [r for r in access_log.records if getattr(r, "route", None) == "/peserta"]
    assert (record.status, record.user_id, record.employer) == (200, user.id, employer.code)
    assert record.request_id == response.headers["X-Request-ID"] and record.duration_ms >= 0
    handler = logging.getLogger(ACCESS_LOGGER).handlers[0]
    line = handler.format(record)
    assert json.loads(line)["route"] == "/peserta" and NIK not in line


def test_an_error_page_renders_with_the_database_away(client, login_as, monkeypatch):
    from edabu_lite.extensions import db

    login_as(Role.OPERATOR)

    def down(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "get", down)  # loading the user is the first query
    response = client.get("/peserta")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Layanan sedang terganggu" in page and response.headers["X-Request-ID"] in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_a_server_error_page_shows_its_request_id(app, client, login_as, monkeypatch):
    from edabu_lite.roster import views

    login_as(Role.OPERATOR)

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "render_template", broken)
    response = client.get("/peserta")
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)


def test_a_deadlock_that_still_happens_is_a_conflict_page_not_a_500(client, login_as, monkeypatch):
    from edabu_lite.roster import views

    login_as(Role.OPERATOR)

    class Deadlock(Exception):
        sqlstate = "40P01"

    def racing(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise sa.exc.OperationalError("UPDATE participant", {}, Deadlock("deadlock detected"))

    monkeypatch.setattr(views, "render_template", racing)
    response = client.get("/peserta")
    assert response.status_code == 409
    assert "sedang diubah oleh proses lain" in response.get_data(as_text=True)
