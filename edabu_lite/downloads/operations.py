"""An export job's life: asked (`create_export`), written by a consumer (`run_export`), then
downloadable until it expires (`file_for`). Every export of personal data, in a job or
written at once in the request, leaves one audit event (`record_export`): who took which
list, how many people.

The file is written to a temporary file of the consumer (XlsxWriter's constant-memory mode
needs a file), then stored in the database (`ExportFile`) in the transaction that marks the
job done: any web process can serve it, none sees half a file, and a job swept as stopped
meanwhile stores nothing. Progress is written on a connection of its own after each chunk
of rows, and doubles as the job's heartbeat: a job whose worker died stops beating and the
sweep fails it (`upkeep`).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.actor import Actor
from edabu_lite.audit.operations import Change, record
from edabu_lite.database import utcnow
from edabu_lite.downloads.models import ExportFile, ExportJob, ExportKind, ExportStatus
from edabu_lite.downloads.registry import writer

log = logging.getLogger(__name__)


def record_export(
    session: Session,
    employer_id: int,
    actor: Actor,
    kind: ExportKind,
    download_name: str,
    filters: Mapping[str, str],
    rows: int,
    job_id: int | None = None,
) -> None:
    """The audit event of an export (the caller commits)."""
    record(
        session,
        employer_id,
        actor,
        Change(
            f"{kind.value}.export",
            "export_job" if job_id is not None else None,
            job_id,
            download_name,
            after={**filters, "rows": rows},
        ),
    )


def create_export(
    session: Session,
    employer_id: int,
    kind: ExportKind,
    actor: Actor,
    *,
    filters: Mapping[str, str],
    day: date,
    rows_total: int,
    download_name: str,
) -> ExportJob:
    """A queued export job, with its audit event (the caller enqueues it)."""
    job = ExportJob(
        employer_id=employer_id,
        kind=kind,
        status=ExportStatus.QUEUED,
        actor=actor.name,
        user_id=actor.user_id,
        filters=dict(filters),
        day=day,
        rows_total=rows_total,
        download_name=download_name,
    )
    session.add(job)
    session.flush()
    record_export(
        session, employer_id, actor, kind, download_name, filters, rows_total, job_id=job.id
    )
    session.commit()
    return job


def run_export(session: Session, job_id: int, keep: timedelta) -> ExportJob | None:
    """Claim a queued job, write its file and store it; any error fails the job (never the
    worker)."""
    job = session.get(ExportJob, job_id)
    if job is None:
        log.warning("export job %s vanished before it ran", job_id)
        return None
    now = utcnow()
    claimed = session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status == ExportStatus.QUEUED)
        .values(status=ExportStatus.RUNNING, started_at=now, heartbeat_at=now)
    ).rowcount
    session.commit()
    if not claimed:
        log.info("export job %s already taken (%s)", job_id, job.status)
        return job
    session.refresh(job)
    engine = session.get_bind()
    try:
        with _scratch_file(job_id) as part:
            rows = writer(job.kind)(session, job, part, lambda done: _beat(engine, job_id, done))
            session.rollback()  # the read's transaction ends before the job's row is written
            _store(session, job_id, rows, part, keep)
    except Exception as exc:  # any bug, database error or full disk: fail the job, not the worker
        log.exception("export job %s failed", job_id)
        session.rollback()
        fail(session, job_id, f"{type(exc).__name__}: {exc}")
    session.refresh(job)
    return job


@contextmanager
def _scratch_file(job_id: int) -> Iterator[str]:
    """A temporary file (in ``TMPDIR``) to write the job's file to, removed afterwards
    whatever happened."""
    handle, path = tempfile.mkstemp(prefix=f"edabu-export-{job_id}-", suffix=".xlsx")
    os.close(handle)
    try:
        yield path
    finally:
        Path(path).unlink(missing_ok=True)


def _store(session: Session, job_id: int, rows: int, path: str, keep: timedelta) -> None:
    """Mark the job done and store its file, in one transaction; nothing when the sweep
    failed it meanwhile (its page says failed). The file is read once, straight into the
    insert: 100,000 rows make 6-10 MB."""
    done = utcnow()
    size = os.path.getsize(path)
    finished = session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status == ExportStatus.RUNNING)
        .values(
            status=ExportStatus.DONE,
            rows_done=rows,
            rows_total=rows,
            file_size=size,
            finished_at=done,
            heartbeat_at=done,
            expires_at=done + keep,
        )
    ).rowcount
    if finished:
        with open(path, "rb") as file:
            session.execute(sa.insert(ExportFile).values(job_id=job_id, content=file.read()))
    session.commit()


def _beat(engine: sa.Engine, job_id: int, rows_done: int) -> None:
    """Progress, on a connection of its own (the export's read is still open on the
    session's). One not written (the database busy a moment) is skipped: the next one
    comes with the next chunk."""
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.status == ExportStatus.RUNNING)
                .values(rows_done=rows_done, heartbeat_at=utcnow())
            )
    except sa.exc.OperationalError:
        log.warning("export job %s: progress not written", job_id, exc_info=True)


def fail(session: Session, job_id: int, detail: str) -> None:
    session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status.in_(_UNFINISHED))
        .values(status=ExportStatus.FAILED, error_detail=detail[:2000], finished_at=utcnow())
    )
    session.commit()


_UNFINISHED = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def recent(session: Session, employer_id: int, keep: timedelta, limit: int = 3) -> list[ExportJob]:
    """The employer's latest jobs whose file is (or will be) there to download, so a user who
    closed the progress page finds it again."""
    stmt = (
        sa.select(ExportJob)
        .where(
            ExportJob.employer_id == employer_id,
            ExportJob.removed_at.is_(None),
            ExportJob.status != ExportStatus.FAILED,
            ExportJob.created_at >= utcnow() - keep,
        )
        .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
        .limit(limit)
    )
    return [job for job in session.scalars(stmt) if not is_expired(job)]


def is_expired(job: ExportJob, now: datetime | None = None) -> bool:
    """Whether a finished job's file is gone or past its time (removed by the next purge)."""
    if job.removed_at is not None:
        return True
    return job.expires_at is not None and (now or utcnow()) >= job.expires_at


def has_file(session: Session, job: ExportJob) -> bool:
    """Whether ``job``'s file can be downloaded: done, not expired, and still stored (without
    reading it)."""
    if job.status != ExportStatus.DONE or is_expired(job):
        return False
    found = sa.select(ExportFile.job_id).where(ExportFile.job_id == job.id)
    return session.scalar(found) is not None


def file_for(session: Session, job: ExportJob) -> bytes | None:
    """The file to send for ``job``: None unless it is done, not expired, and still stored."""
    if job.status != ExportStatus.DONE or is_expired(job):
        return None
    return session.scalar(sa.select(ExportFile.content).where(ExportFile.job_id == job.id))
