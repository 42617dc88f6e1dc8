"""``edabu worker`` (a Huey consumer) and ``edabu serve`` (web server plus one consumer).

``serve`` is what ``make run`` starts: waitress (pure Python, production-grade, works on
every OS) in this process and a consumer in a child process, stopped together.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from waitress import serve

from edabu_lite.identity.regions import get_regions
from edabu_lite.imports import registry
from edabu_lite.imports.pipeline import freeze_heap, start_fork_server
from edabu_lite.jobs import huey, recycle, tasks
from edabu_lite.jobs.tasks import health_check, housekeeping

#: The longest an idle consumer waits between two looks at the SQLite queue (Huey backs off
#: from 0.1 s to this; its default, 10 s, kept a new upload waiting 5-10 s on an idle
#: machine). Redis is not polled: the consumer blocks on it and wakes at once.
POLL_MAX_SECONDS = 0.5


@click.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--check", is_flag=True, help="Enqueue a health check, wait for it, and exit.")
@with_appcontext
def worker_command(workers: int, check: bool) -> None:
    """Run a job consumer for imports and exports (as many as you like, on any host)."""
    if check:
        result = health_check()
        click.echo(result.get(blocking=True, timeout=30))
        return

    recycle.reap_leftovers()
    # The consumer's tasks run in this app (built by the command group), with the region
    # table loaded now, so the first job does not count them as growth (`recycle`).
    tasks.serve_with(current_app._get_current_object())
    get_regions()
    start_fork_server(registry.helper_preloads())  # warm before the first large upload
    freeze_heap()
    recycle.mark_ready()
    recycle.restartable_command_line()
    recycle.Consumer(
        huey, workers=workers, worker_type="thread", periodic=True, max_delay=POLL_MAX_SECONDS
    ).run()


@click.group("jobs", help="Pekerjaan latar belakang: sapu dan bersihkan.")
def jobs_group() -> None:
    pass


@jobs_group.command("sweep")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def sweep_command(as_json: bool) -> None:
    """Fail the jobs whose worker stopped (silent for JOB_STALE_SECONDS); every consumer does
    this each minute."""
    done = housekeeping(purge_too=False)
    if as_json:
        click.echo(json.dumps(done))
        return
    swept = [*done["swept"], *done["swept_exports"]]  # type: ignore[misc]
    click.echo(f"{len(swept)} pekerjaan macet digagalkan" + (f": {swept}" if swept else "."))


@jobs_group.command("purge")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def purge_command(as_json: bool) -> None:
    """Drop the staged rows and files of jobs past JOB_RETENTION_DAYS (drafts past DRAFT_DAYS
    are cancelled first); the jobs' summaries and audit events stay."""
    done = housekeeping(purge_too=True)
    if as_json:
        click.echo(json.dumps(done))
        return
    click.echo(
        f"{len(done['purged'])} pekerjaan dibersihkan ({done['staged_rows']} baris, "
        f"{done['files']} berkas); {len(done['expired'])} draf kedaluwarsa; "
        f"{done['export_files']} berkas ekspor kedaluwarsa dihapus."
    )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Do not start a job consumer beside the server.")
@with_appcontext
def serve_command(host: str, port: int, threads: int, no_worker: bool) -> None:
    """Serve the web app, with a job consumer beside it."""
    consumer = None
    # SIGTERM (systemd, kill) must stop the consumer too, not orphan it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if not no_worker:
        consumer = subprocess.Popen([sys.executable, "-m", "edabu_lite", "worker"])
    click.echo(f"edabu_lite berjalan di http://{host}:{port}  (Ctrl+C untuk berhenti)")
    try:
        serve(current_app._get_current_object(), host=host, port=port, threads=threads)
    finally:
        if consumer is not None:
            consumer.terminate()
            consumer.wait(timeout=10)
