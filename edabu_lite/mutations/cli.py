"""``edabu mutation import`` (contract §4): plan a batch from a mutation sheet, then apply it
(or submit it for approval when the employer requires it). Same exit codes and JSON shape as
the roster import, with ``applied`` (sheet rows applied) and ``affected`` (people changed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import gettext as _

from edabu_lite.accounts.operations import find_employer
from edabu_lite.commandline import EXIT_BLOCKED, EXIT_UNPROCESSABLE, actor_option, cli_actor
from edabu_lite.extensions import db
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import JobKind, JobStatus
from edabu_lite.imports.runner import limits_from_config
from edabu_lite.issues import Issue
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.importer import stage_mutations
from edabu_lite.mutations.messages import mutation_error_message
from edabu_lite.mutations.models import MutationBatch, MutationItem


@click.group("mutation", help="Mutasi peserta.")
def mutation_group() -> None:
    pass


def _payload(
    status: str, batch: MutationBatch | None, issues: list[Issue], *, rows: int, applied: int
) -> dict:
    items = (
        [] if batch is None else db.session.query(MutationItem).filter_by(batch_id=batch.id).all()
    )
    all_issues = issues + [Issue.from_dict(i) for item in items for i in item.issues]
    error_rows = sum(1 for item in items if item.has_error)
    warning_rows = sum(1 for item in items if item.issues and not item.has_error)
    return {
        "status": status,
        "rows": rows,
        "valid_rows": rows - error_rows,
        "error_rows": error_rows,
        "warning_rows": warning_rows,
        "applied": applied,
        "affected": batch.affected if batch is not None and applied else 0,
        "issues": [i.to_dict(_) for i in all_issues],
    }


def _emit(payload: dict, as_json: bool, code: int) -> None:
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False))
    else:
        click.echo(
            f"Status: {payload['status']}  baris {payload['rows']}, salah "
            f"{payload['error_rows']}, diterapkan {payload['applied']}, orang berubah "
            f"{payload['affected']}"
        )
        for issue in payload["issues"][:50]:
            where = f"baris {issue['row']}" if issue["row"] else "berkas"
            click.echo(
                f"  {issue['severity']} {where} [{issue['column']}] {issue['code']}: "
                f"{issue['message']}",
                err=True,
            )
    sys.exit(code)


@mutation_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--employer", "employer_code", required=True)
@click.option("--dry-run", is_flag=True, help="Plan and report; change nothing.")
@click.option("--json", "as_json", is_flag=True)
@actor_option
@with_appcontext
def import_command(
    file: Path, employer_code: str, dry_run: bool, as_json: bool, actor: str
) -> None:
    """Apply a mutation sheet (contract §3) for an employer."""
    employer = find_employer(db.session, employer_code)
    if employer is None:
        click.echo(
            _("Badan usaha dengan kode %(code)s tidak ditemukan.", code=employer_code), err=True
        )
        _emit(_payload("failed", None, [], rows=0, applied=0), as_json, EXIT_UNPROCESSABLE)
    limits = limits_from_config()
    who = cli_actor(actor)
    # The same operation as an upload on the web: a job that plans the sheet as a draft.
    # Its size and checksum on the job, as for a web upload; the bytes are read from the file.
    content = file.read_bytes() if file.stat().st_size <= limits.max_bytes else b""
    job = jobs.create_job(
        db.session, employer.id, JobKind.MUTATION, file.name, content, who, keep_file=False
    )
    jobs.start_processing(db.session, job)
    stage_mutations(db.session, job, str(file), limits, actor=who)
    file_issues = [Issue.from_dict(i) for i in job.file_issues or ()]
    if job.status == JobStatus.REJECTED:
        _emit(
            _payload("rejected", None, file_issues, rows=0, applied=0), as_json, EXIT_UNPROCESSABLE
        )
    batch = db.session.scalars(sa.select(MutationBatch).where(MutationBatch.job_id == job.id)).one()
    rows = job.rows
    if dry_run or batch.error_items:
        payload = _payload(
            "validated" if dry_run else "rejected", batch, file_issues, rows=rows, applied=0
        )
        ops.cancel_batch(db.session, batch, who)
        jobs.cancel(db.session, job, who)
        _emit(payload, as_json, EXIT_BLOCKED if batch.error_items else 0)
    try:
        if employer.mutations_need_approval:
            ops.submit_batch(db.session, batch, who)
            click.echo(_("Batch #%(id)s menunggu persetujuan admin.", id=batch.id), err=True)
            _emit(_payload("validated", batch, file_issues, rows=rows, applied=0), as_json, 0)
        ops.apply_batch(db.session, batch, who)
    except ops.MutationError as error:
        click.echo(mutation_error_message(error), err=True)
        conflict = [Issue("mutation.conflict")] if error.code == "mutation.conflict" else []
        _emit(
            _payload("rejected", batch, file_issues + conflict, rows=rows, applied=0),
            as_json,
            EXIT_BLOCKED,
        )
    _emit(_payload("committed", batch, file_issues, rows=rows, applied=rows), as_json, 0)
