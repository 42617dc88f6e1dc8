"""Engine tuning and small query helpers shared by every domain package."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine


def utcnow() -> datetime:
    """Naive UTC timestamp, microsecond precision.

    Naive on purpose: SQLite and PostgreSQL ``timestamp`` both round-trip it unchanged,
    which the audit hash chain relies on. Every timestamp in the database is UTC.
    """
    return datetime.now(UTC).replace(tzinfo=None)


def tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers beside the writer, foreign keys on, and a busy wait
    instead of an instant 'database is locked' when the job consumer is writing."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if not _is_memory(engine):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _is_memory(engine: Engine) -> bool:
    return engine.url.database in (None, "", ":memory:")
