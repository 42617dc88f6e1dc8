"""Job lifecycle shared by every sheet kind: accept an upload, track progress, finish, fail,
cancel, purge. Sheet-specific staging and committing call into these."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.audit.operations import Actor, Change, record
from edabu_lite.database import utcnow
from edabu_lite.imports.liveness import is_stale
from edabu_lite.imports.models import ImportFile, ImportJob, JobKind, JobStatus, StagedRow
from edabu_lite.issues import Issue
from edabu_lite.sheets.columns import ColumnSpec
from edabu_lite.sheets.reader import OpenedSheet, SheetPart, SheetRejected, open_sheet


class JobStateError(RuntimeError):
    """The job is not in a state that allows this (e.g. committed twice)."""

    def __init__(self, job: ImportJob, wanted: str) -> None:
        super().__init__(f"job {job.id} is {job.status.value}; cannot {wanted}")
        self.status = job.status
        self.wanted = wanted


def create_job(
    session: Session,
    employer_id: int,
    kind: JobKind,
    filename: str,
    content: bytes,
    actor: Actor,
    *,
    keep_file: bool = True,
    full_roster: bool = False,
) -> ImportJob:
    """Store an upload as a queued job. The bytes go into the database (not a local disk
    another worker cannot see) unless the caller processes them itself (the CLI)."""
    job = ImportJob(
        employer_id=employer_id,
        kind=kind,
        filename=_safe_filename(filename),
        file_size=len(content),
        file_sha256=hashlib.sha256(content).hexdigest(),
        actor=actor.name,
        user_id=actor.user_id,
        source=actor.source,
        status=JobStatus.QUEUED,
        full_roster=full_roster,
    )
    session.add(job)
    session.flush()
    if keep_file:
        session.add(ImportFile(job_id=job.id, content=content))
    record(
        session,
        employer_id,
        actor,
        Change(
            f"{kind.value}_import.upload",
            "import_job",
            job.id,
            job.filename,
            job_id=job.id,
            after={
                "filename": job.filename,
                "size": job.file_size,
                "sha256": job.file_sha256,
                **({"full_roster": True} if full_roster else {}),
            },
        ),
    )
    session.commit()
    return job


def _safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload.xlsx"
    return "".join(ch for ch in base if ch.isprintable())[:255]


def job_content(session: Session, job: ImportJob) -> bytes:
    file = session.get(ImportFile, job.id)
    if file is None:
        raise JobStateError(job, "read its file (already purged)")
    return file.content


def start_processing(session: Session, job: ImportJob) -> None:
    """Claim a queued job; a job already taken by another consumer is left alone."""
    claimed = session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status == JobStatus.QUEUED)
        .values(status=JobStatus.PROCESSING, started_at=utcnow(), heartbeat_at=utcnow())
    ).rowcount
    session.commit()
    if not claimed:
        session.refresh(job)
        raise JobStateError(job, "process it")
    session.refresh(job)


def report_progress(
    session: Session, job: ImportJob, *, read: int, validated: int, expected: int | None = None
) -> None:
    job.rows_read, job.rows_validated = read, validated
    if expected is not None:
        job.rows_expected = expected
    session.commit()  # visible to the page polling from another worker


def open_upload(
    session: Session,
    job: ImportJob,
    source: str | IO[bytes],
    columns: Sequence[ColumnSpec],
    *,
    max_bytes: int,
    max_rows: int,
    early: Callable[[SheetPart], None] | None = None,
) -> OpenedSheet | None:
    """The job's sheet, opened; None when the file cannot be read at all, and then the job
    is rejected with the file-level issues (the same for roster and mutation sheets).
    ``early``: see `open_sheet`."""
    try:
        return open_sheet(source, columns, max_bytes=max_bytes, max_rows=max_rows, early=early)
    except SheetRejected as rejected:
        reject(session, job, rejected.issues)
        return None


def reject(session: Session, job: ImportJob, issues: Sequence[Issue]) -> None:
    """The file cannot be processed at all: keep only the file-level issues (also when it
    was refused half-way through its rows: nothing read from it stays)."""
    session.execute(sa.delete(StagedRow).where(StagedRow.job_id == job.id))
    job.headers = job.columns = None
    job.file_issues = [i.to_storage() for i in issues]
    job.status = JobStatus.REJECTED
    job.finished_at = utcnow()
    _purge_file(session, job)
    session.commit()


def fail(session: Session, job_id: int, detail: str) -> None:
    """An unexpected error: drop what was staged and say so on the job, on a connection of
    its own (the error may have been the session's connection dying: a database restart).
    The upload is kept, so the job can be tried again (`liveness.retry`)."""
    with contextlib.suppress(Exception):  # a dead connection cannot even roll back
        session.rollback()
    with Session(session.get_bind()) as fresh, fresh.begin():
        fresh.execute(sa.delete(StagedRow).where(StagedRow.job_id == job_id))
        fresh.execute(
            sa.update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(status=JobStatus.FAILED, error_detail=detail[:2000], finished_at=utcnow())
        )
    with contextlib.suppress(Exception):
        session.expire_all()  # the caller reads the job as written above


def cancel(
    session: Session, job: ImportJob, actor: Actor, *, stale_seconds: int | None = None
) -> None:
    """Cancel a job waiting for its preview or for a commit; also one being processed whose
    worker has been silent for longer than ``stale_seconds`` (it stopped)."""
    stale = stale_seconds is not None and is_stale(job, stale_seconds)
    if job.status not in {JobStatus.VALIDATED, JobStatus.QUEUED} and not stale:
        raise JobStateError(job, "cancel it")
    session.execute(sa.delete(StagedRow).where(StagedRow.job_id == job.id))
    job.status = JobStatus.CANCELLED
    job.finished_at = utcnow()
    _purge_file(session, job)
    record(
        session,
        job.employer_id,
        actor,
        Change(
            f"{job.kind.value}_import.cancel", "import_job", job.id, job.filename, job_id=job.id
        ),
    )
    session.commit()


def _purge_file(session: Session, job: ImportJob) -> None:
    session.execute(sa.delete(ImportFile).where(ImportFile.job_id == job.id))


def claim_for_commit(session: Session, job: ImportJob) -> None:
    """Atomically move VALIDATED → COMMITTING: of two concurrent commits only one wins."""
    claimed = session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status == JobStatus.VALIDATED)
        .values(status=JobStatus.COMMITTING)
    ).rowcount
    if not claimed:
        session.rollback()
        session.refresh(job)
        raise JobStateError(job, "commit it")
    session.refresh(job)


def finish_commit(session: Session, job: ImportJob, actor: Actor) -> None:
    job.status = JobStatus.COMMITTED
    job.committed_at = job.finished_at = utcnow()
    job.committed_by = actor.name
    _purge_file(session, job)
