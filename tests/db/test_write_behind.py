"""`write_behind`: the writes of one transaction run in a thread, in order, while the caller
reads through a second connection; a failed write is raised in the caller and nothing of
the transaction is kept once it rolls back."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from edabu_lite.database import (
    WriteBehind,
    bulk_insert,
    insert_stream,
    plain_session,
    write_behind,
)
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import JobKind, RowAction, StagedRow
from tests.conftest import TEST_ACTOR

COLUMNS = ("job_id", "row", "raw", "issues", "has_error", "has_warning", "action")


def rows(job_id: int, first: int, count: int) -> list[tuple[object, ...]]:
    return [
        (job_id, row, "[]", "[]", False, False, RowAction.SKIP.value)
        for row in range(first, first + count)
    ]


def test_writes_run_in_order_in_another_thread() -> None:
    done: list[tuple[int, str]] = []
    writer = WriteBehind(pending=2)

    def write(number: int) -> None:
        time.sleep(0.01)
        done.append((number, threading.current_thread().name))

    for number in range(6):  # more than `pending`: submit waits for room
        writer.submit(write, number)
    writer.wait()
    writer.stop()
    assert [n for n, _thread in done] == list(range(6))
    assert {thread for _n, thread in done} == {"edabu-write-behind"}


def test_a_failed_write_is_raised_and_the_rest_dropped() -> None:
    done: list[int] = []
    writer = WriteBehind()

    def fail() -> None:
        raise ValueError("disk full")

    writer.submit(done.append, 1)
    writer.submit(fail)
    writer.submit(done.append, 2)
    with pytest.raises(ValueError, match="disk full"):
        writer.wait()
    with pytest.raises(ValueError, match="disk full"):
        writer.submit(done.append, 3)
    writer.stop()
    assert done == [1]


def test_stop_drops_queued_writes_and_ends_the_thread() -> None:
    started, release, done = threading.Event(), threading.Event(), []
    writer = WriteBehind(pending=3)
    writer.submit(lambda: (started.set(), release.wait(5), done.append("first")))
    started.wait(5)
    writer.submit(done.append, "queued")
    release.set()
    writer.stop()
    assert done == ["first"]
    assert not writer._thread.is_alive()


def test_session_writes_reads_and_rollback(session, employer) -> None:  # type: ignore[no-untyped-def]
    job = jobs.create_job(session, employer.id, JobKind.ROSTER, "a.xlsx", b"x", TEST_ACTOR)
    session.commit()
    writes = plain_session(session)
    count = sa.select(sa.func.count()).select_from(StagedRow).where(StagedRow.job_id == job.id)
    with write_behind(session) as (writer, reader):
        writer.submit(bulk_insert, writes, StagedRow.__table__, COLUMNS, rows(job.id, 2, 50))
        writer.submit(bulk_insert, writes, StagedRow.__table__, COLUMNS, rows(job.id, 52, 50))
        seen_by_reader = reader.execute(count).scalar_one()
    assert session.execute(count).scalar_one() == 100  # the session's own transaction
    assert seen_by_reader == 0  # uncommitted: the reading connection never sees them
    session.rollback()
    assert session.execute(count).scalar_one() == 0

    with pytest.raises(sa.exc.IntegrityError), write_behind(session) as (writer, _reader):
        writer.submit(bulk_insert, writes, StagedRow.__table__, COLUMNS, rows(job.id, 2, 10))
        writer.submit(bulk_insert, writes, StagedRow.__table__, COLUMNS, rows(job.id, 5, 10))
    session.rollback()  # what the importer does: nothing of the transaction stays
    assert session.execute(count).scalar_one() == 0


# ------------------------------------------------------------------ insert_stream (one COPY)


def _stream_setup(session, employer):  # type: ignore[no-untyped-def]
    job = jobs.create_job(session, employer.id, JobKind.ROSTER, "a.xlsx", b"x", TEST_ACTOR)
    session.commit()
    count = sa.select(sa.func.count()).select_from(StagedRow).where(StagedRow.job_id == job.id)
    return job, plain_session(session).connection(), count


def test_insert_stream_writes_every_chunk(session, employer) -> None:  # type: ignore[no-untyped-def]
    """Chunk after chunk, with more chunks than may wait (``pending``), all arrive; on
    PostgreSQL as one COPY statement."""
    job, connection, count = _stream_setup(session, employer)
    statements: list[str] = []
    sa.event.listen(connection, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with write_behind(session) as (writer, _reader), insert_stream(
        writer, connection, StagedRow.__table__, COLUMNS[1:], shared={"job_id": job.id},
        pending=2,
    ) as write:  # fmt: skip
        for first in range(2, 2 + 6 * 100, 100):
            write([r[1:] for r in rows(job.id, first, 100)])
    assert session.execute(count).scalar_one() == 600
    assert session.execute(sa.select(sa.func.max(StagedRow.row))).scalar_one() == 601
    if connection.dialect.name == "postgresql":
        # COPY goes around SQLAlchemy's cursor: no INSERT statement at all
        assert [s for s in statements if s.lstrip().upper().startswith("INSERT")] == []


def test_insert_stream_failure_is_raised_and_nothing_kept(session, employer) -> None:  # type: ignore[no-untyped-def]
    """A chunk the database refuses (a duplicate row) fails the whole stream: the producer is
    told (it never waits on a full queue) and the rollback keeps nothing."""
    job, connection, count = _stream_setup(session, employer)
    with (
        pytest.raises(sa.exc.IntegrityError),
        write_behind(session) as (writer, _reader),
        insert_stream(writer, connection, StagedRow.__table__, COLUMNS, pending=1) as write,
    ):
        for _ in range(20):  # the same rows again and again: far more than `pending`
            write(rows(job.id, 2, 100))
    session.rollback()
    assert session.execute(count).scalar_one() == 0


def test_insert_stream_aborts_when_the_producer_fails(session, employer) -> None:  # type: ignore[no-untyped-def]
    """The producer's own error is what the caller sees (the aborted COPY's error does not
    replace it), and the thread ends."""
    job, connection, count = _stream_setup(session, employer)
    with (
        pytest.raises(RuntimeError, match="building failed"),
        write_behind(session) as (writer, _reader),
        insert_stream(writer, connection, StagedRow.__table__, COLUMNS) as write,
    ):
        write(rows(job.id, 2, 100))
        raise RuntimeError("building failed")
    assert not writer._thread.is_alive()
    session.rollback()
    assert session.execute(count).scalar_one() == 0


def test_insert_stream_after_a_failed_write(session, employer) -> None:  # type: ignore[no-untyped-def]
    """A write before the stream failed: the stream's chunks never wait for a COPY that
    will not start, the first failure is raised."""
    job, connection, count = _stream_setup(session, employer)

    def fail() -> None:
        raise ValueError("disk full")

    with pytest.raises(ValueError, match="disk full"), write_behind(session) as (writer, _r):
        writer.submit(fail)
        with insert_stream(writer, connection, StagedRow.__table__, COLUMNS, pending=1) as write:
            for first in range(2, 2000, 100):
                write(rows(job.id, first, 100))
    session.rollback()
    assert session.execute(count).scalar_one() == 0


def test_insert_stream_tells_the_producer_at_once(session, employer) -> None:  # type: ignore[no-untyped-def]
    """A COPY that fails on a chunk (a value the driver cannot send) fails the next chunk
    handed over, not only the wait at the end: the producer stops building early."""
    job, connection, _count = _stream_setup(session, employer)
    if connection.dialect.name != "postgresql":
        pytest.skip("one COPY for the whole stream is PostgreSQL's")
    handed = 0
    with (
        pytest.raises(sa.exc.ProgrammingError),
        write_behind(session) as (writer, _reader),
        insert_stream(writer, connection, StagedRow.__table__, COLUMNS, pending=1) as write,
    ):
        write([(job.id, 2, object(), "[]", False, False, "skip")])
        for first in range(3, 1003):  # ~10 s at most: the COPY fails on the first chunk
            time.sleep(0.01)
            write(rows(job.id, first, 1))
            handed += 1
    assert handed < 1000
    session.rollback()
