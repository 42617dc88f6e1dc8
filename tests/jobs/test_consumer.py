"""A real Huey consumer process, on the SQLite queue and on Redis, runs a job enqueued by
another process and reports back (what `make run` and a scaled-out deployment rely on)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest


def _env(tmp_path, queue_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "EDABU_QUEUE_IMMEDIATE"}
    env.update(
        {
            "QUEUE_URL": queue_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
            "EDABU_INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "consumer-test",
        }
    )
    return env


def _start_consumer(env: dict[str, str], log_path) -> subprocess.Popen:  # type: ignore[no-untyped-def,type-arg]
    """`edabu worker` with one worker thread, its output to ``log_path``."""
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "edabu_lite", "worker", "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _round_trip(env: dict[str, str], log_path) -> str:  # type: ignore[no-untyped-def]
    consumer = _start_consumer(env, log_path)
    try:
        time.sleep(0.5)
        assert consumer.poll() is None, log_path.read_text()
        check = subprocess.run(
            [sys.executable, "-m", "edabu_lite", "worker", "--check"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        return check.stdout
    finally:
        consumer.terminate()
        consumer.wait(timeout=20)


@pytest.mark.slow
def test_consumer_on_sqlite_queue(tmp_path):
    output = _round_trip(_env(tmp_path, f"sqlite:///{tmp_path / 'queue.db'}"), tmp_path / "log")
    assert "'ok': True" in output and "'database': 'sqlite'" in output


@pytest.mark.slow
def test_consumer_on_redis(tmp_path):
    url = os.environ.get("EDABU_REDIS_TEST_URL")
    if not url:
        pytest.skip("set EDABU_REDIS_TEST_URL (CI does) to run the Redis consumer test")
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError as exc:  # CI sets the URL: unreachable Redis is a failure
        pytest.fail(f"EDABU_REDIS_TEST_URL={url} is not reachable: {exc}")
    redis.Redis.from_url(url).flushdb()
    output = _round_trip(_env(tmp_path, url), tmp_path / "log")
    assert "'ok': True" in output


def _import_through_consumer(tmp_path, queue_url: str) -> str:  # type: ignore[no-untyped-def]
    """Upload-like: a job is stored by this process, a real consumer process picks it up from
    the queue and validates it into a preview, as a web worker and a job host would."""
    from edabu_lite import create_app
    from edabu_lite.accounts.operations import create_employer
    from edabu_lite.audit.operations import Actor
    from edabu_lite.extensions import db
    from edabu_lite.imports import operations as jobs
    from edabu_lite.imports.models import ImportJob, JobKind
    from tests.sheet_factory import family, write_roster

    env = _env(tmp_path, queue_url)
    subprocess.run(
        [sys.executable, "-m", "edabu_lite", "db", "upgrade"],
        env=env,
        capture_output=True,
        check=True,
        timeout=120,
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "TESTING": True})
    content = write_roster(tmp_path / "roster.xlsx", family()).read_bytes()
    with app.app_context():
        employer = create_employer(db.session, "BUQ00001", "PT Antrian", Actor("t", "cli"))
        job_id = jobs.create_job(
            db.session, employer.id, JobKind.ROSTER, "roster.xlsx", content, Actor("t", "web")
        ).id
    consumer = _start_consumer(env, tmp_path / "log")
    try:
        # Enqueue from another process configured like a web worker (QUEUE_URL, not inline).
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from edabu_lite.jobs.tasks import process_import; process_import({job_id})",
            ],
            env=env,
            check=True,
            timeout=60,
        )
        deadline = time.monotonic() + 60
        with app.app_context():
            while time.monotonic() < deadline:
                db.session.expire_all()
                job = db.session.get(ImportJob, job_id)
                if job.status.finished or job.status.value == "validated":
                    return f"{job.status.value}:{job.planned_inserts}"
                db.session.rollback()
                time.sleep(0.3)
        return "timeout: " + (tmp_path / "log").read_text()[-2000:]
    finally:
        consumer.terminate()
        consumer.wait(timeout=20)


@pytest.mark.slow
def test_import_job_runs_on_a_real_consumer_with_sqlite_queue(tmp_path):
    assert _import_through_consumer(tmp_path, f"sqlite:///{tmp_path / 'q.db'}") == "validated:4"


@pytest.mark.slow
def test_import_job_runs_on_a_real_consumer_with_redis(tmp_path):
    url = os.environ.get("EDABU_REDIS_TEST_URL")
    if not url:
        pytest.skip("set EDABU_REDIS_TEST_URL (CI does) to run the Redis consumer test")
    import redis

    redis.Redis.from_url(url).flushdb()
    assert _import_through_consumer(tmp_path, url) == "validated:4"
