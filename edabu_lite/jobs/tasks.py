"""Huey tasks. Each runs inside an application context: the caller's when the queue runs
tasks inline (tests, ``immediate`` mode), else one app built once per consumer process."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache

from flask import Flask, has_app_context

from edabu_lite.jobs import huey


@cache
def job_app() -> Flask:
    from edabu_lite import create_app

    return create_app()


def app_context() -> AbstractContextManager:
    return nullcontext() if has_app_context() else job_app().app_context()


@huey.task()
def health_check() -> dict[str, object]:
    """Proves a consumer is alive and reaches the database (`edabu worker --check`, tests)."""
    import sqlalchemy as sa

    from edabu_lite.extensions import db

    with app_context():
        one = db.session.execute(sa.text("SELECT 1")).scalar_one()
        return {"database": db.engine.dialect.name, "ok": one == 1}


@huey.task()
def process_import(job_id: int) -> str:
    """Validate an uploaded sheet into its preview (web uploads run here)."""
    from edabu_lite.extensions import db
    from edabu_lite.imports.runner import run_job

    with app_context():  # its teardown closes the session
        job = run_job(db.session, job_id)
        return job.status.value if job else "missing"
