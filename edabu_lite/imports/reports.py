"""The downloadable error report of a job: the user's rows as uploaded, each problem cell
coloured with its message, streamed from the staged rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.imports.cells import decode_row
from edabu_lite.imports.models import ImportJob, StagedRow
from edabu_lite.issues import Issue
from edabu_lite.sheets.writer import write_error_report


def _rows(session: Session, job: ImportJob) -> Iterator[tuple[int, list[object], list[Issue]]]:
    stmt = (
        sa.select(StagedRow.row, StagedRow.raw, StagedRow.issues)
        .where(StagedRow.job_id == job.id)
        .order_by(StagedRow.row)
        .execution_options(yield_per=2000)
    )
    for row, raw, issues in session.execute(stmt):
        yield row, decode_row(raw), [Issue.from_dict(i) for i in issues]


def error_report(
    session: Session, job: ImportJob, out: IO[bytes], gettext: Callable[[str], str] | None = None
) -> None:
    write_error_report(
        out, list(job.headers or []), _rows(session, job), dict(job.columns or {}), gettext=gettext
    )


def issue_codes(session: Session, job_id: int) -> list[tuple[str, int]]:
    job = session.get(ImportJob, job_id)
    return sorted((job.issue_counts or {}).items(), key=lambda item: (-item[1], item[0]))
