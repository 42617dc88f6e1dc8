"""What a roster import job says of itself, for ``edabu roster import --json`` (contract §4)
and for the API's job document: its counts (what the commit *would* do until it has run,
what it did after) and its issues, file-level first, then row by row in sheet order,
optionally of one severity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.imports.models import ImportJob, StagedRow
from edabu_lite.issues import ERROR, WARNING, Issue

SEVERITIES: Final = (ERROR, WARNING)


def job_counts(job: ImportJob, *, planned: bool) -> dict[str, int]:
    """The §4 counts; ``planned``: inserted/updated/unchanged as the preview plans them."""
    return {
        "rows": job.rows,
        "valid_rows": job.valid_rows,
        "error_rows": job.error_rows,
        "warning_rows": job.warning_rows,
        "inserted": job.planned_inserts if planned else job.inserted,
        "updated": job.planned_updates if planned else job.updated,
        "unchanged": job.planned_unchanged if planned else job.unchanged,
    }


def file_issues(job: ImportJob, severity: str | None = None) -> list[Issue]:
    """The job's file-level issues (no row): an unknown column, or why the file was refused."""
    found = [Issue.from_dict(i) for i in job.file_issues or []]
    return [i for i in found if severity is None or i.severity == severity]


def rows_with_issues(job_id: int, severity: str | None = None) -> sa.Select:
    """The staged rows of a job that have issues (of ``severity``), as a select of `StagedRow`
    to be ordered and limited by the caller."""
    if severity == ERROR:
        having = StagedRow.has_error
    elif severity == WARNING:
        having = StagedRow.has_warning
    else:
        having = sa.or_(StagedRow.has_error, StagedRow.has_warning)
    return sa.select(StagedRow).where(StagedRow.job_id == job_id, having)


def row_issues(stored: list[dict], severity: str | None = None) -> list[Issue]:
    """A staged row's stored issues (of ``severity``)."""
    found = [Issue.from_dict(i) for i in stored]
    return [i for i in found if severity is None or i.severity == severity]


def job_issues(session: Session, job: ImportJob, severity: str | None = None) -> Iterator[Issue]:
    """Every issue of the job: file-level first, then the rows' in sheet order (streamed)."""
    yield from file_issues(job, severity)
    stmt = (
        rows_with_issues(job.id, severity)
        .with_only_columns(StagedRow.issues)
        .order_by(StagedRow.row)
        .execution_options(yield_per=2000)
    )
    for stored in session.scalars(stmt):
        yield from row_issues(stored, severity)
