"""Real processes killed mid-job: the job is swept to failed (with the reason), tried again
from its upload, and committed; on the SQLite queue and on Redis, and for a CLI import."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
ROWS = 30_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "roster.xlsx"
    subprocess.run(
        [sys.executable, str(ROOT / "sample_sheets" / "generate.py"), "--rows", str(ROWS),
         "--seed", "7", "-o", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def environment(tmp_path: Path, queue_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"EDABU_QUEUE_IMMEDIATE"}}
    env.update(
        QUEUE_URL=queue_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'crash.db'}",
        EDABU_INSTANCE_PATH=str(tmp_path / "instance"),
        SECRET_KEY="crash-test",
        PYTHONPATH=str(ROOT),
    )
    for args in (("db", "upgrade"), ("employer", "create", "BU000001", "PT Uji")):
        done = edabu(env, *args)
        assert done.returncode == 0, done.stderr
    return env


def edabu(env: dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edabu_lite", *args],
        env={**env, **extra}, cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def python(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


APP = (
    "from edabu_lite.app import create_app\n"
    "app = create_app()\nctx = app.app_context()\nctx.push()\n"
)


def enqueue(env: dict[str, str], path: Path) -> int:
    return int(
        python(
            env,
            APP + "from edabu_lite.extensions import db\n"
            "from edabu_lite.audit.operations import Actor\n"
            "from edabu_lite.imports import operations as jobs\n"
            "from edabu_lite.imports.models import JobKind\n"
            "from edabu_lite.jobs.tasks import process_import\n"
            f"content = open({str(path)!r}, 'rb').read()\n"
            "job = jobs.create_job(db.session, 1, JobKind.ROSTER, 'roster.xlsx', content,"
            " Actor('hr', 'web'))\n"
            "process_import(job.id)\n"
            "print(job.id)\n",
        )
    )


def job_row(env: dict[str, str], job_id: int) -> dict[str, object]:
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM import_job WHERE id = ?", (job_id,)).fetchone()
        return dict(row) if row else {}


def wait_for(env: dict[str, str], job_id: int, test, seconds: float = 120) -> dict[str, object]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = job_row(env, job_id)
        if row and test(row):
            return row
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never got there: {job_row(env, job_id)}")


def start(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "edabu_lite", *args],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """The process and everything it started (its fork server and helper)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


def reading(row: dict[str, object]) -> bool:
    return row["status"] == "processing" and int(row["rows_read"] or 0) > 0


def swept(env: dict[str, str], job_id: int) -> None:
    time.sleep(1.5)
    done = edabu(env, "jobs", "sweep", "--json", JOB_STALE_SECONDS="1")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["swept"] == [job_id]
    row = job_row(env, job_id)
    assert (row["status"], row["error_detail"]) == ("failed", "worker_stopped")


def crash_then_recover(env: dict[str, str], roster: Path, tmp_path: Path) -> None:
    job_id = enqueue(env, roster)
    consumer = start(env, "worker", "--workers", "1", log=tmp_path / "consumer.log")
    try:
        wait_for(env, job_id, reading)
    finally:
        kill(consumer)  # kill -9 mid-validation
    assert job_row(env, job_id)["status"] == "processing"  # left hanging, as reported
    swept(env, job_id)
    python(
        env,
        APP + "from edabu_lite.extensions import db\n"
        "from edabu_lite.audit.operations import Actor\n"
        "from edabu_lite.imports import liveness\n"
        "from edabu_lite.imports.models import ImportJob\n"
        "from edabu_lite.jobs.tasks import process_import\n"
        f"job = db.session.get(ImportJob, {job_id})\n"
        "liveness.retry(db.session, job, Actor('hr', 'web'))\n"
        "process_import(job.id)\n",
    )
    consumer = start(env, "worker", "--workers", "1", log=tmp_path / "consumer.log")
    try:
        row = wait_for(env, job_id, lambda r: r["status"] not in {"queued", "processing"})
    finally:
        kill(consumer, signal.SIGTERM)
    assert row["status"] == "validated", (tmp_path / "consumer.log").read_text()[-3000:]
    assert row["planned_inserts"] + row["error_rows"] > 0
    status = python(
        env,
        APP + "from edabu_lite.extensions import db\n"
        "from edabu_lite.audit.operations import Actor\n"
        "from edabu_lite.imports.models import ImportJob\n"
        "from edabu_lite.roster.importing import commit_roster\n"
        f"job = db.session.get(ImportJob, {job_id})\n"
        "commit_roster(db.session, job, Actor('hr', 'web'), valid_only=True)\n"
        "print(job.status.value, job.inserted)\n",
    )
    assert status == f"committed {row['planned_inserts']}"


def test_a_consumer_killed_mid_job_on_the_sqlite_queue(roster, tmp_path):
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'queue.db'}")
    crash_then_recover(env, roster, tmp_path)


def test_a_consumer_killed_mid_job_on_redis(roster, tmp_path):
    url = os.environ.get("EDABU_REDIS_TEST_URL")
    if not url:
        pytest.skip("set EDABU_REDIS_TEST_URL (CI does) to run the Redis crash test")
    import redis

    redis.Redis.from_url(url).flushdb()
    crash_then_recover(environment(tmp_path, url), roster, tmp_path)


def test_a_cli_import_killed_half_way_is_swept(roster, tmp_path):
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'queue.db'}")
    cli = start(
        env, "roster", "import", str(roster), "--employer", "BU000001", "--dry-run",
        log=tmp_path / "cli.log",
    )  # fmt: skip
    try:
        row = wait_for(env, 1, reading)
    finally:
        kill(cli)
    swept(env, int(row["id"]))
