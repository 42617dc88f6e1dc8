"""`write_behind`: the writes of one transaction run in a thread, in order, while the caller
reads through a second connection; a failed write is raised in the caller and nothing of
the transaction is kept once it rolls back."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from edabu_lite.database import WriteBehind, bulk_insert, plain_session, write_behind
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import JobKind, RowAction, StagedRow
from tests.conftest import TEST_ACTOR

COLUMNS = ("job_id", "row", "raw", "issues", "has_error", "has_warning", "action")


def rows(job_id: int, first: int, count: int) -> list[tuple[object, ...]]:
    return [(job_id, row, "[]", "[]", False, False, RowAction.SKIP.value)
            for row in range(first, first + count)]


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
