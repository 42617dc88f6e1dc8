"""Run an uploaded job: claim it, stage it with the sheet kind's pipeline, and turn any
unexpected error into a FAILED job with nothing half-written (never a crash in a worker)."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy.orm import Session

from edabu_lite.imports import operations as jobs
from edabu_lite.imports.liveness import heartbeat
from edabu_lite.imports.models import ImportJob
from edabu_lite.imports.registry import Limits, stager

log = logging.getLogger(__name__)
# One line per step in the job log, which `operability.JOB_LOGGER` writes as JSON.
steps = logging.getLogger("edabu_lite.jobs")


def limits_from_config() -> Limits:
    config = current_app.config
    return Limits(
        max_bytes=config["MAX_UPLOAD_MB"] * 1024 * 1024, max_rows=config["MAX_IMPORT_ROWS"]
    )


@contextmanager
def _spooled(content: bytes) -> Iterator[str]:
    """The upload as a file of its own for the time of the run: a large roster's helper
    process reads the sheet from it (`OpenedSheet.part`) instead of receiving every row
    through a pipe. Readable by this user only (mode 0600) and deleted afterwards."""
    with tempfile.NamedTemporaryFile(prefix="edabu-upload-", suffix=".xlsx") as spool:
        spool.write(content)
        spool.flush()
        yield spool.name


def run_job(session: Session, job_id: int, progress=None) -> ImportJob | None:  # type: ignore[no-untyped-def]
    job = session.get(ImportJob, job_id)
    if job is None:
        log.warning("import job %s vanished before it ran", job_id)
        return None
    try:
        jobs.start_processing(session, job)
    except jobs.JobStateError:
        log.info("import job %s already taken (%s)", job_id, job.status)
        return job
    started = time.perf_counter()
    steps.info("job started", extra={"job_id": job_id, "kind": job.kind.value,
                                     "employer_id": job.employer_id})  # fmt: skip
    try:
        with (
            heartbeat(session.get_bind(), job_id),
            _spooled(jobs.job_content(session, job)) as source,
        ):
            stager(job.kind)(session, job, source, limits_from_config(), progress=progress)
    except Exception as exc:  # any bug or database error: fail the job, keep the worker alive
        log.exception("import job %s failed", job_id)
        jobs.fail(session, job_id, f"{type(exc).__name__}: {exc}")
    session.refresh(job)
    steps.info(
        "job finished",
        extra={
            "job_id": job_id,
            "kind": job.kind.value,
            "employer_id": job.employer_id,
            "status": job.status.value,
            "rows": job.rows,
            "error_rows": job.error_rows,
            "duration_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    return job
