"""Jobs whose worker stopped: heartbeats, the sweep, and trying again.

A job being read and validated (PROCESSING) has a worker that writes ``heartbeat_at`` every
`HEARTBEAT_SECONDS`, from a thread of its own on a connection of its own, so a long step
without progress (the family checks of 300,000 rows) still beats. A worker killed, a machine
rebooted or a database restarted leaves the heartbeat to age: `sweep` (run by every consumer
each minute, and by ``edabu jobs sweep``) fails every job silent for longer than
``JOB_STALE_SECONDS``, with a message that says what happened, and keeps its uploaded file,
so `retry` runs the same upload again.

A commit needs no heartbeat: it is one transaction that also moves the job to COMMITTED; a
worker that dies during it leaves the job VALIDATED, as it was, with nothing written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.audit.operations import Actor, Change, record
from edabu_lite.database import utcnow
from edabu_lite.imports.models import ImportFile, ImportJob, JobStatus, StagedRow
from edabu_lite.silent import fail_silent, is_silent

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0


@contextmanager
def heartbeat(engine: sa.Engine, job_id: int, every: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Beat for ``job_id`` while the block runs. A beat that cannot be written (the database
    busy or away for a moment) is skipped: the next one tries again, and a sweep only fails
    a job silent for many beats."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                with engine.begin() as connection:
                    connection.execute(
                        sa.update(ImportJob)
                        .where(ImportJob.id == job_id, ImportJob.status == JobStatus.PROCESSING)
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:
                log.warning("import job %s: heartbeat not written", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def is_stale(job: ImportJob, stale_seconds: int, now: datetime | None = None) -> bool:
    """Whether a PROCESSING job's worker has been silent too long (it may be cancelled)."""
    return is_silent(job, JobStatus.PROCESSING, stale_seconds, now)


@dataclass(frozen=True, slots=True)
class Swept:
    failed: list[int]


def sweep(session: Session, stale_seconds: int, now: datetime | None = None) -> Swept:
    """Fail the PROCESSING jobs silent for longer than ``stale_seconds``; their staged rows
    go with the move (the upload is kept, for `retry`)."""

    def drop_staged(job_id: int) -> None:
        session.execute(sa.delete(StagedRow).where(StagedRow.job_id == job_id))

    failed = fail_silent(
        session, ImportJob, JobStatus.PROCESSING, JobStatus.FAILED, stale_seconds, now,
        then=drop_staged,
    )  # fmt: skip
    if failed:
        log.warning("swept %d import job(s) whose worker stopped: %s", len(failed), failed)
    return Swept(failed)


class CannotRetry(RuntimeError):
    """Only a failed job whose upload is still kept can run again."""


def can_retry(session: Session, job: ImportJob) -> bool:
    return job.status == JobStatus.FAILED and _has_file(session, job.id)


def retry(session: Session, job: ImportJob, actor: Actor) -> None:
    """Queue a failed job's upload again, as it was uploaded (the caller enqueues it)."""
    if not can_retry(session, job):
        raise CannotRetry(f"job {job.id} is {job.status.value}")
    moved = session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status == JobStatus.FAILED)
        .values(
            status=JobStatus.QUEUED,
            error_detail=None,
            started_at=None,
            finished_at=None,
            heartbeat_at=None,
            rows_read=0,
            rows_validated=0,
        )
    ).rowcount
    if not moved:
        session.rollback()
        raise CannotRetry(f"job {job.id} changed meanwhile")
    session.execute(sa.delete(StagedRow).where(StagedRow.job_id == job.id))
    record(
        session,
        job.employer_id,
        actor,
        Change(f"{job.kind.value}_import.retry", "import_job", job.id, job.filename, job_id=job.id),
    )
    session.commit()
    session.refresh(job)


def _has_file(session: Session, job_id: int) -> bool:
    found = session.scalar(sa.select(ImportFile.job_id).where(ImportFile.job_id == job_id))
    return found is not None
