"""Mutation sheets (contract §3) uploaded on the web: read → validate each row → plan one
batch → stage the rows with their issues, so the error report works as for the roster."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import IO

from sqlalchemy.orm import Session

from edabu_lite.audit.operations import Actor
from edabu_lite.identity import parse_nik
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.cells import encode_row
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus, RowAction, StagedRow
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
    this. ``actor``: who plans it (by default the job's uploader, acting through the job)."""
    today = today or date.today()
    sheet = jobs.open_upload(
        session, job, source, MUTATION_COLUMNS, max_bytes=limits.max_bytes, max_rows=limits.max_rows
    )
    if sheet is None:
        return job
    with sheet:
        try:
            rows = [(row, values, raw) for row, values, raw in sheet.rows()]
        except SheetRejected as rejected:  # found while reading the rows (a cell too long)
            jobs.reject(session, job, rejected.issues)
            return job
        job.headers, job.columns = sheet.headers, sheet.columns
        job.file_issues = [i.to_storage() for i in sheet.issues]
    if not rows:
        jobs.reject(session, job, [*sheet.issues, Issue("file.empty")])
        return job
    jobs.report_progress(session, job, read=len(rows), validated=0, expected=len(rows))
    inputs = [item_from_row(values, row, today) for row, values, _raw in rows]
    actor = actor or Actor(job.actor, "job", job.user_id)
    batch = ops.plan_batch(
        session,
        job.employer_id,
        inputs,
        actor,
        source="sheet",
        title=job.filename,
        job_id=job.id,
        today=today,
    )
    _stage_rows(session, job, rows, batch)
    return job


def _stage_rows(session: Session, job: ImportJob, rows: list, batch) -> None:  # type: ignore[no-untyped-def]
    items = {
        item.row: item for item in session.query(ops.MutationItem).filter_by(batch_id=batch.id)
    }
    staged = []
    for row, _values, raw in rows:
        item = items[row]
        issues = [Issue.from_dict(i) for i in item.issues]
        staged.append(
            {
                "job_id": job.id,
                "row": row,
                "nik": item.nik,
                "family_key": None,
                "raw": encode_row(raw),
                "data": None,
                "issues": item.issues,
                "has_error": item.has_error,
                "has_warning": any(not i.is_error for i in issues),
                "action": RowAction.SKIP if item.has_error else RowAction.UPDATE,
                "participant_id": item.participant_id,
                "base_version": None,
                "changes": None,
            }
        )
    session.execute(StagedRow.__table__.insert(), staged)
    job.rows = len(rows)
    job.error_rows = batch.error_items
    job.valid_rows = job.rows - job.error_rows
    job.warning_rows = sum(1 for s in staged if s["has_warning"] and not s["has_error"])
    job.rows_validated = job.rows
    job.status = JobStatus.VALIDATED
    session.commit()


# The job runner finds the mutation sheets' pipeline here.
register(JobKind.MUTATION, stage_mutations)
