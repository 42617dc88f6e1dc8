"""Shared fixtures: app, database, client, CLI runner and logged-in users of each role.

The schema is built once per run with the Alembic migrations (so every test also exercises
them), on SQLite by default or on PostgreSQL when ``TEST_DATABASE_URL`` is set. A PostgreSQL
run that cannot connect stops the whole run with an error: it never silently skips.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before edabu_lite is imported: an isolated instance folder and an inline job queue.
_RUN_DIR = Path(tempfile.mkdtemp(prefix="edabu-tests-"))
os.environ["EDABU_INSTANCE_PATH"] = str(_RUN_DIR / "instance")
os.environ.setdefault("EDABU_QUEUE_IMMEDIATE", "1")
os.environ["QUEUE_URL"] = f"sqlite:///{_RUN_DIR / 'queue.db'}"
os.environ.pop("DATABASE_URL", None)

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import has_app_context  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from hypothesis import settings  # noqa: E402

from edabu_lite.accounts import operations as account_ops  # noqa: E402
from edabu_lite.accounts.models import Role  # noqa: E402
from edabu_lite.app import create_app  # noqa: E402
from edabu_lite.audit.operations import Actor  # noqa: E402
from edabu_lite.config import normalise_database_url  # noqa: E402
from edabu_lite.database import wait_for_upkeep  # noqa: E402
from edabu_lite.extensions import db  # noqa: E402

# Property tests assert behaviour, not speed (speed is `make bench`'s): no per-example
# deadline, which a shared CI machine's pauses tripped.
settings.register_profile("edabu", deadline=None)
settings.load_profile("edabu")


@pytest.fixture(autouse=True)
def _heap_not_frozen(monkeypatch):  # type: ignore[no-untyped-def]
    """Commands run in this process: freezing it (`pipeline.freeze_heap`) would keep every
    later test's garbage and change its collector for the rest of the run. Its own tests run
    it in processes of their own."""
    from edabu_lite.jobs import cli as jobs_cli
    from edabu_lite.roster import cli as roster_cli

    for module in (jobs_cli, roster_cli):
        monkeypatch.setattr(module, "freeze_heap", lambda: None)


PASSWORD = "correct-horse-battery"
TEST_ACTOR = Actor("pytest", "cli")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def database_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


def pytest_report_header(config) -> str:  # type: ignore[no-untyped-def]
    url = database_url()
    shown = sa.make_url(url).render_as_string(hide_password=True) if url else "SQLite (temp files)"
    return f"edabu_lite database: {shown}"


def _migrate(app) -> None:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()  # closing the last connection checkpoints SQLite's WAL into the file


def _private_postgres_database(url: str) -> str:
    """A database of this run's own (``<name>_<pid>``), created beside the one named by
    ``TEST_DATABASE_URL``: concurrent runs cannot clobber each other, and the named database
    itself is never touched. Unreachable PostgreSQL stops the run: it must not skip."""
    base = sa.make_url(url)
    name = f"{base.database}_run{os.getpid()}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", returncode=3)
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(private_url: str, admin_url: str) -> None:
    name = sa.make_url(private_url).database
    engine = sa.create_engine(sa.make_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def schema_source() -> Iterator[str]:
    """A migrated database: the template SQLite file, or the migrated PostgreSQL schema."""
    url = database_url()
    if url:
        private = _private_postgres_database(url)
        _migrate(create_app({"SQLALCHEMY_DATABASE_URI": private, "TESTING": True}))
        yield private
        _drop_postgres_database(private, url)
        return
    template = _RUN_DIR / "template.db"
    _migrate(create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}", "TESTING": True}))
    yield str(template)
    shutil.rmtree(_RUN_DIR, ignore_errors=True)


def _fresh_database(source: str, tmp_path: Path) -> str:
    if source.startswith("postgresql"):
        engine = sa.create_engine(source)
        with engine.begin() as conn:
            tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
            assert tables, "the migrated test schema has no tables"
            conn.execute(
                sa.text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        engine.dispose()
        return source
    target = tmp_path / "edabu.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


class IsolatedClient(FlaskClient):
    """Each request runs as in production: in a fresh application context, with its own
    ``g`` and database session, not in the test's context (where ``g`` would leak the
    logged-in user and the CSRF token between requests and clients). Afterwards the test's
    own session starts afresh, so it sees what the request committed: commit test data
    before making a request."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.rollback()
        return response


@pytest.fixture
def app(schema_source: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _fresh_database(schema_source, tmp_path),
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test-secret-key",
            # The queue runs jobs inline here, so a Beranda refresh after every commit would
            # cost each test that changes people ~0.1 s (a third of some directories' time)
            # while few look at Beranda: its own tests turn it on (tests/home/conftest.py);
            # elsewhere the first view after a change refreshes it, as without a consumer.
            "BERANDA_REFRESH_AFTER_COMMIT": False,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        # A large commit's upkeep (ANALYZE) may still hold a connection in its thread: let it
        # finish, or that connection outlives the pool and is collected unclosed (Python 3.13
        # warns, and warnings are errors here).
        wait_for_upkeep()
        db.engine.dispose()


@pytest.fixture
def session(app):  # type: ignore[no-untyped-def]
    return db.session


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def employer(session):  # type: ignore[no-untyped-def]
    return account_ops.create_employer(
        session, "BU000001", "PT Contoh Satu", TEST_ACTOR, minimum_wage=5_000_000
    )


@pytest.fixture
def other_employer(session):  # type: ignore[no-untyped-def]
    return account_ops.create_employer(session, "BU000002", "PT Lain Dua", TEST_ACTOR)


def make_user(session, employer, username: str, role: Role):  # type: ignore[no-untyped-def]
    return account_ops.create_user(session, employer, username, PASSWORD, role, TEST_ACTOR)


@pytest.fixture
def users(session, employer):  # type: ignore[no-untyped-def]
    return {role: make_user(session, employer, role.value, role) for role in Role}


def csrf_token(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    page = client.get(path, follow_redirects=True)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(
    client,
    path: str,
    data: dict | None = None,
    *,
    token_from: str = "/login",  # type: ignore[no-untyped-def]
    **kwargs,
):
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, token_from)
    return client.post(path, data=payload, **kwargs)


def login(client, employer_code: str, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/login",
        {
            "employer_code": employer_code,
            "username": username,
            "password": password,
        },
    )


@pytest.fixture
def login_as(client, employer, users):  # type: ignore[no-untyped-def]
    """``login_as(Role.OPERATOR)`` logs the test client in as that role's user."""

    def _login(role: Role):  # type: ignore[no-untyped-def]
        response = login(client, employer.code, role.value)
        assert response.status_code == 302, response.get_data(as_text=True)
        return users[role]

    return _login


def tamper(session, *statements) -> None:  # type: ignore[no-untyped-def]
    """Run raw UPDATE/DELETE on the audit table as an attacker with database access would.
    The append-only triggers must first be bypassed: on PostgreSQL as a superuser, on
    SQLite by dropping them (and putting them back, so the attack leaves no trace)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        triggers = (
            session.execute(
                sa.text(
                    "SELECT sql FROM sqlite_master"
                    " WHERE type = 'trigger' AND tbl_name = 'audit_event'"
                )
            )
            .scalars()
            .all()
        )
        session.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        session.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
    else:
        session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    for statement in statements:
        session.execute(statement)
    if sqlite:
        for sql in triggers:
            session.execute(sa.text(sql))
    session.commit()
