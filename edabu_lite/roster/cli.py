"""``edabu roster import | export | template`` (contract §4).

Exit status: 0 nothing blocked (committed, or a clean dry run); 1 rows have errors;
2 the input cannot be processed (unreadable file, missing columns, too large, unknown
employer, bad arguments). With ``--json`` stdout carries exactly one JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from edabu_lite import clock
from edabu_lite.accounts.cli import get_employer
from edabu_lite.accounts.operations import find_employer
from edabu_lite.commandline import EXIT_BLOCKED, EXIT_UNPROCESSABLE, actor_option, cli_actor
from edabu_lite.extensions import db
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.liveness import heartbeat
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus
from edabu_lite.imports.pipeline import freeze_heap
from edabu_lite.imports.reports import error_report
from edabu_lite.imports.runner import limits_from_config
from edabu_lite.roster.exports import everyone, export_roster
from edabu_lite.roster.importing import (
    PARALLEL_MIN_BYTES,
    ImportBlocked,
    ImportConflict,
    commit_roster,
    stage_roster,
    start_helpers,
)
from edabu_lite.roster.importing.summary import job_counts, job_issues
from edabu_lite.roster.sync_cli import make_sync_draft, print_sync, sync_report
from edabu_lite.sheets.columns import ROSTER_COLUMNS
from edabu_lite.sheets.writer import write_template


@click.group("roster", help="Data peserta: impor, ekspor, template.")
def roster_group() -> None:
    pass


def _emit(payload: dict, as_json: bool, code: int) -> None:
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        _print_human(payload)
    sys.exit(code)


def _print_human(payload: dict) -> None:
    click.echo(f"Status: {payload['status']}")
    for key in (
        "rows",
        "valid_rows",
        "error_rows",
        "warning_rows",
        "inserted",
        "updated",
        "unchanged",
    ):
        if key in payload:
            click.echo(f"  {key:<13} {payload[key]}")
    if payload.get("sync"):
        print_sync(payload["sync"])
    issues = payload.get("issues", [])
    for issue in issues[:50]:
        where = f"baris {issue['row']}" if issue["row"] else "berkas"
        column = f" [{issue['column']}]" if issue["column"] else ""
        click.echo(
            f"  {issue['severity']:<7} {where}{column} {issue['code']}: {issue['message']}",
            err=True,
        )
    if len(issues) > 50:
        click.echo(f"  … {len(issues) - 50} masalah lain (pakai --report atau --json)", err=True)


def job_payload(job: ImportJob, status: str, *, planned: bool) -> dict:
    """The contract §4 JSON for a roster job; a dry run reports what *would* happen."""
    return {
        "status": status,
        **job_counts(job, planned=planned),
        "issues": [i.to_dict(_) for i in job_issues(db.session, job)],
    }


def _failed(message: str, as_json: bool, *, full_roster: bool = False) -> None:
    click.echo(message, err=True)
    if as_json:
        payload: dict = {
            "status": "failed",
            "rows": 0,
            "valid_rows": 0,
            "error_rows": 0,
            "warning_rows": 0,
            "inserted": 0,
            "updated": 0,
            "unchanged": 0,
            "issues": [],
        }
        if full_roster:
            payload["sync"] = None
        click.echo(json.dumps(payload))
    sys.exit(EXIT_UNPROCESSABLE)


@roster_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--employer", "employer_code", required=True, help="Kode BU.")
@click.option("--dry-run", is_flag=True, help="Validate and report; change nothing.")
@click.option(
    "--valid-only", is_flag=True, help="Commit error-free whole families, report the rest."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the error report (xlsx) here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout.")
@click.option(
    "--full-roster",
    "--lengkap",
    "full_roster",
    is_flag=True,
    help='The file is the whole current roster ("roster lengkap"): also report the active '
    "workers missing from it (JSON: the sync object).",
)
@click.option(
    "--create-draft",
    "--buat-draf",
    "create_draft",
    is_flag=True,
    help="With --full-roster, after the commit: one draft batch deactivating the missing "
    "workers (reason MENGUNDURKAN_DIRI, TMT the 1st of next month), to review on the web.",
)
@actor_option
@with_appcontext
def import_command(
    file: Path,
    employer_code: str,
    dry_run: bool,
    valid_only: bool,
    report_path: Path | None,
    as_json: bool,
    full_roster: bool,
    create_draft: bool,
    actor: str,
) -> None:
    """Import a roster sheet (contract §2) for an employer."""

    def failed(message: str) -> None:
        _failed(message, as_json, full_roster=full_roster)

    if create_draft and not full_roster:
        failed(_("--create-draft hanya dapat dipakai bersama --full-roster."))
    if create_draft and dry_run:
        failed(
            _("--create-draft tidak dapat dipakai dengan --dry-run, yang tidak mengubah apa pun.")
        )
    employer = find_employer(db.session, employer_code)
    if employer is None:
        failed(_("Badan usaha dengan kode %(code)s tidak ditemukan.", code=employer_code))
    if not file.is_file():
        failed(_("Berkas %(file)s tidak ditemukan.", file=str(file)))
    who = cli_actor(actor)
    limits = limits_from_config()
    size = file.stat().st_size
    if PARALLEL_MIN_BYTES <= size <= limits.max_bytes:
        start_helpers()  # warms up while the job is created and the sheet opened
        freeze_heap()  # as a job consumer does when it is ready
    head = file.read_bytes() if size <= limits.max_bytes else b""
    job = jobs.create_job(
        db.session,
        employer.id,
        JobKind.ROSTER,
        file.name,
        head,
        who,
        keep_file=False,
        full_roster=full_roster,
    )
    jobs.start_processing(db.session, job)
    with _progress_bar() as progress, heartbeat(db.engine, job.id):
        try:
            # A dry run keeps no cells unless its error report shows them.
            cells = not dry_run or report_path is not None
            stage_roster(db.session, job, str(file), limits, progress=progress, cells=cells)
        except Exception as exc:
            jobs.fail(db.session, job.id, f"{type(exc).__name__}: {exc}")
            failed(_("Impor gagal karena kesalahan tak terduga; tidak ada yang disimpan."))
    if report_path is not None and job.status == JobStatus.VALIDATED:
        with report_path.open("wb") as out:
            error_report(db.session, job, out, gettext=_)
    today = clock.today()
    # Who the file leaves out, as the preview says it: before the commit (a dry run and a
    # refused commit cancel the job, and its staged rows go with it).
    found = sync_report(job, today) if full_roster and job.status == JobStatus.VALIDATED else None

    def emit(payload: dict, code: int) -> None:
        if full_roster:
            payload["sync"] = found
        _emit(payload, as_json, code)

    if job.status == JobStatus.REJECTED:
        emit(job_payload(job, "rejected", planned=True), EXIT_UNPROCESSABLE)
    if dry_run:
        payload = job_payload(job, "validated", planned=True)
        jobs.cancel(db.session, job, who)
        emit(payload, EXIT_BLOCKED if job.error_rows else 0)
    try:
        commit_roster(db.session, job, who, valid_only=valid_only)
    except ImportBlocked:
        payload = job_payload(job, "rejected", planned=True)
        payload.update(inserted=0, updated=0, unchanged=0)
        jobs.cancel(db.session, job, who)
        if create_draft:
            click.echo(_("Draf mutasi tidak dibuat karena impor tidak disimpan."), err=True)
        emit(payload, EXIT_BLOCKED)
    except ImportConflict as conflict:
        failed(str(conflict))
    code = EXIT_BLOCKED if job.error_rows else 0
    if create_draft and found is not None:
        code = max(code, make_sync_draft(job, found, who, today))
    emit(job_payload(job, "committed", planned=False), code)


class _progress_bar:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self) -> None:
        self.bar = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not sys.stderr.isatty():
            return None
        self.bar = click.progressbar(length=1, label="Memeriksa", file=sys.stderr)
        self.bar.__enter__()
        return self._update

    def _update(self, read: int, validated: int, expected: int | None) -> None:
        self.bar.length = max(expected or read, 1)
        self.bar.update(validated - self.bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@roster_group.command("export")
@click.option("--employer", "employer_code", required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(employer_code: str, output: Path) -> None:
    """Write the employer's participants as a roster sheet (re-importable), with their status
    today (contract §2b)."""
    employer = get_employer(employer_code)
    count = export_roster(db.session, everyone(employer.id), str(output), day=clock.today())
    click.echo(f"{count} peserta → {output}")


@roster_group.command("template")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def template_command(output: Path) -> None:
    """Write the blank roster template (contract §2, version 1)."""
    with output.open("wb") as out:
        write_template(out, ROSTER_COLUMNS, title=_("Data Peserta"), gettext=_)
    click.echo(str(output))
