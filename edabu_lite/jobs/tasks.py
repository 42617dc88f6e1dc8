"""Huey tasks. Each runs inside an application context: the caller's when the queue runs
tasks inline (tests, ``immediate`` mode), else the consumer's (`serve_with`)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import crontab

from edabu_lite.downloads import upkeep as export_upkeep
from edabu_lite.downloads.operations import run_export
from edabu_lite.extensions import db
from edabu_lite.imports.liveness import sweep
from edabu_lite.imports.retention import purge
from edabu_lite.imports.runner import run_job
from edabu_lite.jobs import huey, recycle

_app: Flask | None = None


def serve_with(app: Flask) -> None:
    """The app a consumer's tasks run in (`edabu worker` sets it when it starts)."""
    global _app
    _app = app


def app_context() -> AbstractContextManager:
    """The caller's context when tasks run inline (tests, ``immediate`` mode), else the
    consumer's app."""
    if has_app_context():
        return nullcontext()
    if _app is None:
        raise RuntimeError("tasks run inline or in `edabu worker`, which sets their app")
    return _app.app_context()


@huey.task()
def health_check() -> dict[str, object]:
    """Proves a consumer is alive and reaches the database (`edabu worker --check`, tests)."""
    with app_context():
        one = db.session.execute(sa.text("SELECT 1")).scalar_one()
        return {"database": db.engine.dialect.name, "ok": one == 1}


@huey.task()
def process_import(job_id: int) -> None:
    """Validate an uploaded sheet into its preview (web uploads run here). Returns nothing:
    a returned value would be stored in the queue, and nobody reads it (the job row says)."""
    with app_context():  # its teardown closes the session
        run_job(db.session, job_id)
        limit = current_app.config["WORKER_RECYCLE_MB"]
    recycle.after_job(limit)


@huey.task()
def process_export(job_id: int) -> None:
    """Write a large web export's file (`downloads.operations.run_export`)."""
    with app_context():
        config = current_app.config
        keep = timedelta(hours=config["EXPORT_KEEP_HOURS"])
        run_export(db.session, job_id, keep)
        limit = config["WORKER_RECYCLE_MB"]
    recycle.after_job(limit)


@huey.periodic_task(crontab(minute="*"))
def sweep_jobs() -> None:
    """Every minute, in every consumer: fail the jobs whose worker stopped."""
    with app_context():
        housekeeping(purge_too=False)


@huey.periodic_task(crontab(minute="*/10"))
def purge_jobs() -> None:
    """Every ten minutes: what is past its retention."""
    with app_context():
        housekeeping(purge_too=True)


def housekeeping(*, purge_too: bool) -> dict[str, object]:
    """The sweep (and the purge): one operation for the consumers and ``edabu jobs``."""
    config = current_app.config
    stale = config["JOB_STALE_SECONDS"]
    done: dict[str, object] = {
        "swept": sweep(db.session, stale).failed,
        "swept_exports": export_upkeep.sweep(db.session, stale),
    }
    if purge_too:
        purged = purge(
            db.session,
            retention_days=config["JOB_RETENTION_DAYS"],
            draft_days=config["DRAFT_DAYS"],
        )
        done.update(
            purged=purged.jobs,
            expired=purged.expired,
            staged_rows=purged.staged_rows,
            files=purged.files,
            sessions=purged.sessions,
            login_failures=purged.login_failures,
            export_files=export_upkeep.purge(db.session).files,
        )
    return done
