"""Background jobs whose worker went silent, for any kind of job (imports, exports): a job
whose last sign of life (its heartbeat, else its start, else its creation) is older than the
limit has no worker any more, and is failed.

Each job is moved by a conditional update, so a job that beats again (or finishes) meanwhile
is left alone, and two sweeps at once fail it once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.database import utcnow

#: What a swept job says (a stable text: its page words it for the user).
STOPPED = "worker_stopped"


def last_sign_of_life(model: Any) -> sa.ColumnElement[datetime]:
    return sa.func.coalesce(model.heartbeat_at, model.started_at, model.created_at)


def fail_silent(
    session: Session,
    model: Any,
    running: object,
    failed: object,
    stale_seconds: int,
    now: datetime | None = None,
    then: Callable[[int], None] | None = None,
) -> list[int]:
    """Fail each ``model`` job in status ``running`` silent for longer than ``stale_seconds``
    (status ``failed``, `STOPPED`); ``then(job_id)`` runs in the same transaction as the
    move (dropping what the job left behind). One commit per job. Returns the failed ids."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=stale_seconds)
    silent = sa.and_(model.status == running, last_sign_of_life(model) < cutoff)
    done = []
    for job_id in session.scalars(sa.select(model.id).where(silent)).all():
        moved = session.execute(
            sa.update(model)
            .where(model.id == job_id, silent)
            .values(status=failed, error_detail=STOPPED, finished_at=now)
        ).rowcount
        if moved:
            if then is not None:
                then(job_id)
            done.append(job_id)
        session.commit()
    return done


def is_silent(job: Any, running: object, stale_seconds: int, now: datetime | None = None) -> bool:
    """Whether a running job's worker has been silent too long (the next sweep fails it)."""
    if job.status != running:
        return False
    last = job.heartbeat_at or job.started_at or job.created_at
    return (now or utcnow()) - last > timedelta(seconds=stale_seconds)
