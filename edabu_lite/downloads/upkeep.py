"""Export jobs whose worker stopped, and files past their time.

`sweep` fails every RUNNING job silent for longer than ``JOB_STALE_SECONDS`` (a running
export writes its progress, its heartbeat, after every chunk of rows), with a stable message
the page words for the user, as the import jobs' sweep does (`imports.liveness`). `purge`
deletes the stored files of jobs past ``expires_at`` (``EXPORT_KEEP_HOURS`` after they were
done) and marks failed ones (which never stored one) as seen; the job row stays, so its page
says the file was removed.
Both run in every consumer (`jobs.tasks.housekeeping`) and from ``edabu jobs``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.database import utcnow
from edabu_lite.downloads.models import ExportFile, ExportJob, ExportStatus

log = logging.getLogger(__name__)

#: What a swept job says (a stable text: the page words it for the user).
STOPPED = "worker_stopped"


def sweep(session: Session, stale_seconds: int, now: datetime | None = None) -> list[int]:
    """Fail the RUNNING jobs silent for longer than ``stale_seconds``; each by a conditional
    update, so a job that beats again (or finishes) meanwhile is left alone."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=stale_seconds)
    last = sa.func.coalesce(ExportJob.heartbeat_at, ExportJob.started_at, ExportJob.created_at)
    candidates = session.scalars(
        sa.select(ExportJob.id).where(ExportJob.status == ExportStatus.RUNNING, last < cutoff)
    ).all()
    failed = []
    for job_id in candidates:
        moved = session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.status == ExportStatus.RUNNING, last < cutoff)
            .values(status=ExportStatus.FAILED, error_detail=STOPPED, finished_at=now)
        ).rowcount
        session.commit()
        if moved:
            failed.append(job_id)
    if failed:
        log.warning("swept %d export job(s) whose worker stopped: %s", len(failed), failed)
    return failed


def is_stale(job: ExportJob, stale_seconds: int, now: datetime | None = None) -> bool:
    """Whether a RUNNING job's worker has been silent too long (the next sweep fails it)."""
    if job.status != ExportStatus.RUNNING:
        return False
    last = job.heartbeat_at or job.started_at or job.created_at
    return (now or utcnow()) - last > timedelta(seconds=stale_seconds)


@dataclass
class Removed:
    jobs: list[int] = field(default_factory=list)
    files: int = 0


def purge(session: Session, now: datetime | None = None) -> Removed:
    """Delete the stored files of expired jobs and mark each job, in one transaction per job
    (a purge stopped in between leaves whole jobs either way)."""
    now = now or utcnow()
    done = Removed()
    due = session.scalars(
        sa.select(ExportJob.id).where(
            ExportJob.removed_at.is_(None),
            sa.or_(
                ExportJob.expires_at <= now,
                ExportJob.status == ExportStatus.FAILED,
            ),
        )
    ).all()
    for job_id in due:
        done.files += session.execute(
            sa.delete(ExportFile).where(ExportFile.job_id == job_id)
        ).rowcount
        session.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(removed_at=now))
        session.commit()
        done.jobs.append(job_id)
    if done.jobs:
        log.info("removed the files of %d export job(s)", len(done.jobs))
    return done
