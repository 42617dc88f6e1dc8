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


#: How long the consumer is left idle before the upload: long enough for Huey's polling of
#: the SQLite queue to back off to its longest wait (with Huey's default, ~3 s by then).
IDLE_SECONDS = 16


def _import_through_consumer(tmp_path, queue_url: str, idle: float = IDLE_SECONDS) -> str:  # type: ignore[no-untyped-def]
    """Upload-like: a job is stored by this process, a real consumer process, idle until then,
    picks it up from the queue and validates it into a preview, as a web worker and a job
    host would. Its pick-up must come within 1 s and a 50-row preview within 2 s."""
    from edabu_lite.accounts.operations import create_employer
    from edabu_lite.app import create_app
    from edabu_lite.audit.operations import Actor
    from edabu_lite.extensions import db
    from edabu_lite.imports import operations as jobs
    from edabu_lite.imports.models import ImportJob, JobKind
    from tests.sheet_factory import write_roster

    env = _env(tmp_path, queue_url)
    subprocess.run(
        [sys.executable, "-m", "edabu_lite", "db", "upgrade"],
        env=env,
        capture_output=True,
        check=True,
        timeout=120,
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "TESTING": True})
    from edabu_lite.demo_data import generate_families

    rows = list(generate_families(50, seed=4))
    content = write_roster(tmp_path / "roster.xlsx", rows).read_bytes()
    with app.app_context():
        employer = create_employer(db.session, "BUQ00001", "PT Antrian", Actor("t", "cli"))
        job_id = jobs.create_job(
            db.session, employer.id, JobKind.ROSTER, "roster.xlsx", content, Actor("t", "web")
        ).id
    consumer = _start_consumer(env, tmp_path / "log")
    try:
        time.sleep(idle)
        # Enqueue from another process configured like a web worker (QUEUE_URL, not inline);
        # it waits until the job is queued, then goes on (as a web request would).
        with subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from edabu_lite.jobs.tasks import process_import; "
                f"sys.stdout.write('ready'); sys.stdout.flush(); sys.stdin.readline(); "
                f"process_import({job_id}); sys.stdout.write('queued'); sys.stdout.flush()",
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        ) as enqueue:
            assert enqueue.stdout.read(5) == "ready"
            enqueue.stdin.write("\n")
            enqueue.stdin.flush()
            assert enqueue.stdout.read(6) == "queued"
            queued_at = time.monotonic()
        deadline = queued_at + 60
        picked_up = None
        with app.app_context():
            while time.monotonic() < deadline:
                db.session.expire_all()
                job = db.session.get(ImportJob, job_id)
                if picked_up is None and job.status.value != "queued":
                    picked_up = time.monotonic() - queued_at
                if job.status.finished or job.status.value == "validated":
                    ready = time.monotonic() - queued_at
                    assert picked_up <= 1.0, f"picked up after {picked_up:.2f} s"
                    assert ready <= 2.0, f"preview ready after {ready:.2f} s"
                    return f"{job.status.value}:{job.planned_inserts}"
                db.session.rollback()
                time.sleep(0.05)
        return "timeout: " + (tmp_path / "log").read_text()[-2000:]
    finally:
        consumer.terminate()
        consumer.wait(timeout=20)
        with app.app_context():  # its pooled connections, closed now rather than collected
            db.session.remove()
            db.engine.dispose()


@pytest.mark.slow
def test_import_job_runs_on_a_real_consumer_with_sqlite_queue(tmp_path):
    assert _import_through_consumer(tmp_path, f"sqlite:///{tmp_path / 'q.db'}") == "validated:50"


@pytest.mark.slow
def test_import_job_runs_on_a_real_consumer_with_redis(tmp_path):
    url = os.environ.get("EDABU_REDIS_TEST_URL")
    if not url:
        pytest.skip("set EDABU_REDIS_TEST_URL (CI does) to run the Redis consumer test")
    import redis

    redis.Redis.from_url(url).flushdb()
    assert _import_through_consumer(tmp_path, url, idle=3) == "validated:50"  # not polled
