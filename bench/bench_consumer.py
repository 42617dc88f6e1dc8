"""A real job consumer's memory over several large previews (issue: "a consumer returns
within 50 MB of its starting size after each job").

    python bench/bench_consumer.py                      # 5 previews of 100k rows, recycling on
    python bench/bench_consumer.py --recycle-mb 0       # the same without recycling

Starts ``edabu worker --workers 1`` on a SQLite database and queue, enqueues the jobs one after
another as the web does, and reads the memory of the consumer's whole process tree (the
consumer, the helpers' fork server, a helper while one runs; RSS and PSS sums from
/proc/<pid>/smaps_rollup): when it is ready, its peak during each job, and once it is idle
again after each job.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_import import TreeMemoryOf, _tree_kb, machine_speed, roster

ROOT = Path(__file__).resolve().parents[1]


def edabu(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "edabu_lite", *args], env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"edabu {' '.join(args)} failed:\n{done.stderr[-2000:]}")


def enqueue(env: dict[str, str], path: Path) -> int:
    code = (
        "from edabu_lite.app import create_app\n"
        "from edabu_lite.extensions import db\n"
        "from edabu_lite.audit.operations import Actor\n"
        "from edabu_lite.imports import operations as jobs\n"
        "from edabu_lite.imports.models import JobKind\n"
        "from edabu_lite.jobs.tasks import process_import\n"
        "with create_app().app_context():\n"
        f"    content = open({str(path)!r}, 'rb').read()\n"
        "    job = jobs.create_job(db.session, 1, JobKind.ROSTER, 'r.xlsx', content,"
        " Actor('hr', 'web'))\n"
        "    process_import(job.id)\n"
        "    print(job.id)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def status(env: dict[str, str], job_id: int) -> str:
    with closing(sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"))) as db:
        row = db.execute("SELECT status FROM import_job WHERE id = ?", (job_id,)).fetchone()
    return row[0] if row else "?"


def idle_tree_mb(pid: int, settle: float = 3.0) -> tuple[int, int]:
    """The tree's memory once it is idle: after a restart (if one came) has settled."""
    time.sleep(settle)
    rss, pss = _tree_kb(pid)
    return round(rss / 1024), round(pss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--recycle-mb", default="40")
    args = parser.parse_args()
    path = roster(args.rows)
    work = Path(tempfile.mkdtemp(prefix="edabu-bench-consumer-"))
    env = {k: v for k, v in os.environ.items() if k != "EDABU_QUEUE_IMMEDIATE"}
    env.update(
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite'}",
        QUEUE_URL=f"sqlite:///{work / 'queue.db'}",
        EDABU_INSTANCE_PATH=str(work / "instance"),
        SECRET_KEY="bench",  # noqa: S106 - a throwaway instance
        WORKER_RECYCLE_MB=args.recycle_mb,
        MAX_UPLOAD_MB="200",
        PYTHONPATH=str(ROOT),
    )
    edabu(env, "db", "upgrade")
    edabu(env, "employer", "create", "BENCH001", "PT Bench")
    print(f"machine: reference workload {machine_speed():.2f} s (lower is faster)", flush=True)
    with (work / "consumer.log").open("wb") as log:
        consumer = subprocess.Popen(
            [sys.executable, "-m", "edabu_lite", "worker", "--workers", "1"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        start_rss, start_pss = idle_tree_mb(consumer.pid, settle=4.0)
        print(
            f"consumer tree ready: RSS {start_rss} MB, PSS {start_pss} MB "
            f"(WORKER_RECYCLE_MB={args.recycle_mb}; {args.jobs} x {args.rows} rows)"
        )
        print(f"{'job':>4}{'s':>7}{'peak PSS':>10}{'idle RSS':>10}{'idle PSS':>10}{'vs start':>10}")
        for n in range(1, args.jobs + 1):
            began = time.monotonic()
            job_id = enqueue(env, path)
            with TreeMemoryOf(consumer.pid) as tree:
                while status(env, job_id) in {"queued", "processing"}:
                    time.sleep(0.1)
            took = time.monotonic() - began
            rss, pss = idle_tree_mb(consumer.pid)
            print(
                f"{n:>4}{took:>7.1f}{round(tree.peak_pss_kb / 1024):>10}{rss:>10}{pss:>10}"
                f"{pss - start_pss:>+10}   {status(env, job_id)}",
                flush=True,
            )
        restarts = (work / "consumer.log").read_text().count('"consumer replaces itself"')
        print(f"restarts: {restarts}; pid {consumer.pid} alive: {consumer.poll() is None}")
    finally:
        consumer.terminate()
        consumer.wait(timeout=60)
    print(f"machine: reference workload {machine_speed():.2f} s at the end")


if __name__ == "__main__":
    main()
