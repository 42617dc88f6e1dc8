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
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.database import utcnow
from edabu_lite.downloads.models import ExportFile, ExportJob, ExportStatus
from edabu_lite.silent import fail_silent, is_silent

log = logging.getLogger(__name__)


def sweep(session: Session, stale_seconds: int, now: datetime | None = None) -> list[int]:
    """Fail the RUNNING jobs silent for longer than ``stale_seconds``."""
    failed = fail_silent(
        session, ExportJob, ExportStatus.RUNNING, ExportStatus.FAILED, stale_seconds, now
    )
    if failed:
        log.warning("swept %d export job(s) whose worker stopped: %s", len(failed), failed)
    return failed


def is_stale(job: ExportJob, stale_seconds: int, now: datetime | None = None) -> bool:
    """Whether a RUNNING job's worker has been silent too long (the next sweep fails it)."""
    return is_silent(job, ExportStatus.RUNNING, stale_seconds, now)


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
