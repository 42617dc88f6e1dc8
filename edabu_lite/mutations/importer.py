"""Mutation sheets (contract §3) uploaded on the web: read → validate each row → plan one
batch → stage the rows with their issues, so the error report works as for the roster."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.audit.operations import Actor
from edabu_lite.database import bulk_insert
from edabu_lite.identity import parse_nik
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.cells import row_json
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus, RowAction, StagedRow
from edabu_lite.imports.pipeline import chunked
from edabu_lite.imports.registry import Limits, register
from edabu_lite.issues import Issue
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.sheet import load_mutation_row, to_request
from edabu_lite.sheets.columns import MUTATION_COLUMNS
from edabu_lite.sheets.reader import SheetRejected


def item_from_row(values: Mapping[str, object], row: int, today: date) -> ops.ItemInput:
    """A sheet row as a batch item, as the web job and ``edabu mutasi`` plan it: its request
    when the row loads, else its issues (with the NIK as far as it reads, for the report)."""
    parsed, issues = load_mutation_row(values, row, today=today)
    if parsed is None:
        return ops.ItemInput(
            nik=parse_nik(values.get("nik"), today=today).value,
            request=None,
            row=row,
            note=None,
            issues=issues,
        )
    return ops.ItemInput(
        nik=parsed["nik"], request=to_request(parsed), row=row, note=parsed["note"], issues=issues
    )


def stage_mutations(
    session: Session,
    job: ImportJob,
    source: str | IO[bytes],
    limits: Limits,
    *,
    today: date | None = None,
    actor: Actor | None = None,
    progress=None,
) -> ImportJob:  # type: ignore[no-untyped-def]
    """Read a mutation sheet, plan its rows as one draft batch and stage them with their
    issues (the preview and the error report); the web job and ``edabu mutation import`` run
    this. ``actor``: who plans it (by default the job's uploader, acting through the job).

    The rows stream: each chunk is checked and staged with its cells as read, keeping only
    its requests; the batch is planned from those once the file is read (a row's plan can
    depend on any other row: a family moved together, a person named twice), and its
    issues are then written onto the staged rows."""
    today = today or date.today()
    sheet = jobs.open_upload(
        session, job, source, MUTATION_COLUMNS, max_bytes=limits.max_bytes, max_rows=limits.max_rows
    )
    if sheet is None:
        return job
    inputs: list[ops.ItemInput] = []
    with sheet:
        job.headers, job.columns = sheet.headers, sheet.columns
        try:
            for chunk in chunked(sheet.rows(), CHUNK):
                bulk_insert(session, STAGED, _RAW_COLUMNS,
                            [(job.id, row, row_json(raw), False, False)
                             for row, _values, raw in chunk],
                            shared=_UNPLANNED)  # fmt: skip
                inputs += [item_from_row(values, row, today) for row, values, _raw in chunk]
                jobs.report_progress(
                    session, job, read=len(inputs), validated=len(inputs), expected=sheet.total_rows
                )
        except SheetRejected as rejected:  # found while reading the rows (a cell too long)
            jobs.reject(session, job, rejected.issues)
            return job
        job.file_issues = [i.to_storage() for i in sheet.issues]
    if not inputs:
        jobs.reject(session, job, [*sheet.issues, Issue("file.empty")])
        return job
    batch = ops.plan_batch(
        session,
        job.employer_id,
        inputs,
        actor or Actor(job.actor, "job", job.user_id),
        source="sheet",
        title=job.filename,
        job_id=job.id,
        today=today,
    )
    _stage_plans(session, job, batch)
    return job


#: Rows read, checked and staged at a time.
CHUNK = 2000
STAGED = StagedRow.__table__
_RAW_COLUMNS = ("job_id", "row", "raw", "has_error", "has_warning")
#: A row staged as read, before the batch is planned (`_stage_plans` fills the rest).
_UNPLANNED = {"issues": "[]", "action": RowAction.SKIP.value}
_PLANNED = (
    sa.update(STAGED)
    .where(STAGED.c.job_id == sa.bindparam("job"), STAGED.c.row == sa.bindparam("at"))
    .values(
        nik=sa.bindparam("nik"),
        issues=sa.bindparam("issues", type_=STAGED.c.issues.type),
        has_error=sa.bindparam("error"),
        has_warning=sa.bindparam("warning"),
        action=sa.bindparam("action", type_=STAGED.c.action.type),
        participant_id=sa.bindparam("person"),
    )
)


def _stage_plans(session: Session, job: ImportJob, batch: ops.MutationBatch) -> None:
    """Each staged row gets its item's plan: issues, and whether it applies."""
    items = session.scalars(
        sa.select(ops.MutationItem)
        .where(ops.MutationItem.batch_id == batch.id)
        .execution_options(yield_per=CHUNK)
    )
    warnings = 0
    for chunk in items.partitions():
        params = []
        for item in chunk:
            warning = any(not Issue.from_dict(i).is_error for i in item.issues)
            warnings += warning and not item.has_error
            params.append({
                "job": job.id, "at": item.row, "nik": item.nik, "issues": item.issues,
                "error": item.has_error, "warning": warning, "person": item.participant_id,
                "action": RowAction.SKIP if item.has_error else RowAction.UPDATE,
            })  # fmt: skip
        session.execute(_PLANNED, params)
    job.rows = batch.items_count
    job.error_rows = batch.error_items
    job.valid_rows = job.rows - job.error_rows
    job.warning_rows = warnings
    job.rows_validated = job.rows
    job.status = JobStatus.VALIDATED
    session.commit()


# The job runner finds the mutation sheets' pipeline here.
register(JobKind.MUTATION, stage_mutations)
