"""What is kept, and for how long (``JOB_RETENTION_DAYS``, ``DRAFT_DAYS``).

A finished job (committed, cancelled, rejected, failed) keeps its staged rows and uploaded file
for ``JOB_RETENTION_DAYS`` (the preview and the error report stay available, a failed job can
be tried again); after that they are purged and the job keeps its summary (counts, issue counts,
who and when) and its audit events. A preview never committed is a draft: after ``DRAFT_DAYS``
it is cancelled and purged the same way. Run by every consumer every ten minutes and by
``edabu jobs purge``; each job is purged in a transaction of its own, so a purge can stop at any
point and the next one goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import UserSession
from edabu_lite.accounts.throttle import Throttle
from edabu_lite.accounts.throttle import purge as purge_failures
from edabu_lite.database import utcnow
from edabu_lite.imports.models import ImportFile, ImportJob, JobStatus, StagedRow

log = logging.getLogger(__name__)

FINISHED = (JobStatus.COMMITTED, JobStatus.CANCELLED, JobStatus.REJECTED, JobStatus.FAILED)
#: What an expired draft says (a stable text: the page words it for the user).
EXPIRED = "draft_expired"


@dataclass
class Purged:
    jobs: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    staged_rows: int = 0
    files: int = 0
    sessions: int = 0
    login_failures: int = 0


def purge(
    session: Session, *, retention_days: int, draft_days: int, now: datetime | None = None
) -> Purged:
    now = now or utcnow()
    done = Purged()
    drafts = session.scalars(
        sa.select(ImportJob.id).where(
            ImportJob.status == JobStatus.VALIDATED,
            ImportJob.finished_at < now - timedelta(days=draft_days),
        )
    ).all()
    for job_id in drafts:
        moved = session.execute(
            sa.update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status == JobStatus.VALIDATED)
            .values(status=JobStatus.CANCELLED, error_detail=EXPIRED)
        ).rowcount
        if moved:
            done.expired.append(job_id)
            _purge_job(session, job_id, now, done)
        session.commit()
    old = session.scalars(
        sa.select(ImportJob.id).where(
            ImportJob.status.in_(FINISHED),
            ImportJob.purged_at.is_(None),
            ImportJob.finished_at < now - timedelta(days=retention_days),
        )
    ).all()
    for job_id in old:
        _purge_job(session, job_id, now, done)
        session.commit()
    done.sessions, done.login_failures = _purge_sign_ins(session, now, retention_days)
    session.commit()
    if done.jobs:
        log.info(
            "purged %d job(s): %d staged rows, %d files",
            len(done.jobs), done.staged_rows, done.files,
        )  # fmt: skip
    return done


def _purge_job(session: Session, job_id: int, now: datetime, done: Purged) -> None:
    done.staged_rows += session.execute(
        sa.delete(StagedRow).where(StagedRow.job_id == job_id)
    ).rowcount
    done.files += session.execute(sa.delete(ImportFile).where(ImportFile.job_id == job_id)).rowcount
    session.execute(sa.update(ImportJob).where(ImportJob.id == job_id).values(purged_at=now))
    done.jobs.append(job_id)


def _purge_sign_ins(session: Session, now: datetime, retention_days: int) -> tuple[int, int]:
    """Sessions ended (or long expired) before the retention, and failed logins no longer
    counted."""
    cutoff = now - timedelta(days=retention_days)
    ended = session.execute(
        sa.delete(UserSession).where(
            sa.or_(UserSession.ended_at < cutoff, UserSession.created_at < cutoff)
        )
    ).rowcount
    return ended, purge_failures(session, now, Throttle())
