"""Preview, part one: take the sheet's checked rows chunk by chunk (`reading`), compare each
chunk with the roster (`planning`) and stage it through a write-behind thread; then the
whole-file checks (`families`)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import IO

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer
from edabu_lite.database import (
    bulk_insert,
    plain_session,
    write_behind,
)
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, StagedRow
from edabu_lite.imports.registry import Limits
from edabu_lite.issues import Issue
from edabu_lite.roster.cells import NEWBORN_DAYS
from edabu_lite.roster.chunks import Checked
from edabu_lite.roster.family import Member
from edabu_lite.roster.importing import sizes
from edabu_lite.roster.importing.families import (
    _active_elsewhere,
    _apply_family_checks,
    _finish_validation,
    _hold_back_families,
)
from edabu_lite.roster.importing.planning import (
    _compare_with_database,
    _staged_values,
    has_waiting_newborns,
)
from edabu_lite.roster.importing.reading import checked_rows
from edabu_lite.roster.models import Participant
from edabu_lite.roster.schemas import RowContext
from edabu_lite.sheets.reader import SheetRejected

STAGED = StagedRow.__table__
PROGRESS_SECONDS = 0.5
Progress = Callable[[int, int, int | None], None]  # rows read, rows validated, rows expected


# --------------------------------------------------------------------------- staging


def stage_roster(
    session: Session,
    job: ImportJob,
    source: str | IO[bytes],
    limits: Limits,
    *,
    today: date | None = None,
    progress: Progress | None = None,
    cells: bool = True,
) -> ImportJob:
    """Validate the sheet into staged rows and leave the job VALIDATED (preview ready) or
    REJECTED (file-level issues). Raises only on unexpected errors (the caller fails the job).

    ``cells=False`` stages each row's issues and plan without its cells (as uploaded and as
    parsed), for a job that will never be committed nor give an error report (a dry run):
    nothing else reads them, and the people's data is then not written at all."""
    employer = session.get(Employer, job.employer_id)
    ctx = row_context(employer, today or date.today())
    counts: Counter[str] = Counter()
    try:
        staged = _stage_rows(session, job, source, limits, ctx, progress, counts, cells)
    except SheetRejected as rejected:  # found while reading the rows (a cell too long)
        jobs.reject(session, job, rejected.issues)
        return job
    if staged is None:
        return job
    members, elsewhere, newborns = staged
    found = _apply_family_checks(session, job, members, ctx.today, elsewhere, newborns)
    counts.update(i.code for i in found)
    job.issue_counts = dict(counts.most_common())
    _hold_back_families(session, job.id)
    _finish_validation(session, job)
    return job


def _stage_rows(
    session: Session,
    job: ImportJob,
    source: str | IO[bytes],
    limits: Limits,
    ctx: RowContext,
    progress: Progress | None,
    counts: Counter[str],
    cells: bool,
) -> tuple[list[Member], list[Issue], set[int]] | None:
    """Open the sheet and stage its rows: their `Member`s, the issues still to add to
    them and the stored newborns they match (see `_stage_chunks`); None when the job was
    rejected instead. The sheet is closed (its memory freed) before the family checks."""
    with checked_rows(session, job, source, limits, ctx, cells) as opened:
        if opened is None:
            return None
        sheet, checked = opened
        job.headers, job.columns = sheet.headers, sheet.columns
        job.file_issues = [i.to_storage() for i in sheet.issues]
        job.rows_expected = sheet.total_rows
        session.commit()
        members, elsewhere, newborns = _stage_chunks(
            session, job, checked, progress, counts, ctx.today, cells
        )
        # The reader can add header warnings while streaming (an untitled column with data).
        job.file_issues = [i.to_storage() for i in sheet.issues]
    if not members and not job.rows_read:
        jobs.reject(session, job, [*sheet.issues, Issue("file.empty")])
        return None
    return members, elsewhere, newborns


def _stage_chunks(
    session: Session,
    job: ImportJob,
    checked_chunks: Iterator[list[Checked]],
    progress: Progress | None,
    counts: Counter[str],
    today: date,
    cells: bool = True,
) -> tuple[list[Member], list[Issue], set[int]]:
    """Check the rows chunk by chunk (partly in the helper process), compare them with the
    roster (through the reading connection) and insert them as staged rows (in the
    write-behind thread, while the next chunk is checked). Progress is committed for the
    page polling from another worker about every `PROGRESS_SECONDS`, not per chunk: on
    SQLite each commit of a busy write-ahead log may checkpoint it, ~10 ms.

    An employer with nobody registered yet (a first import) has no roster to compare with:
    every valid row is an insert, and the one question left, whether a NIK is active at
    another employer, is asked `sizes.FAMILY_LOOKUP` NIKs at a time by the write-behind thread on
    the reading connection, idle then (`_ask_elsewhere`), instead of once per chunk by this
    thread (~12 ms a round trip on PostgreSQL). Returns the members and those issues, to be
    added with the family checks', and the ids of the stored newborns without a NIK that
    rows matched (`_plan_newborns`; the family checks leave them out of the stored family,
    where the file's row stands for them)."""
    members: list[Member] = []
    read = 0
    expected, employer_id, job_id = job.rows_expected, job.employer_id, job.id
    writes = plain_session(session)
    reported = time.monotonic()
    elsewhere: list[Issue] = []
    first_rows: dict[str, int] = {}  # family key -> its first sheet row (chunks come in order)
    with write_behind(session) as (writer, reader):
        # NIK -> sheet row, still to ask about; None: the roster is compared chunk by chunk.
        unasked: dict[str, int] | None = None if _has_roster(reader, employer_id) else {}
        # None: no stored newborn waits for a NIK, so no chunk asks for them.
        newborns = set() if unasked is None and has_waiting_newborns(reader, employer_id) else None
        if isinstance(reader, sa.Connection):
            reader.rollback()
        for checked in checked_chunks:
            read += len(checked)
            plans = _compare_with_database(reader, employer_id, checked, unasked, today, newborns)
            if unasked is not None:
                if len(unasked) >= sizes.FAMILY_LOOKUP:
                    writer.submit(_ask_elsewhere, reader, employer_id, unasked, elsewhere)
                    unasked = {}
            elif isinstance(reader, sa.Connection):
                # No snapshot held between chunks: on SQLite a long-lived reader keeps the
                # write-ahead log from being checkpointed, and it grows with the file.
                reader.rollback()
            staged = [
                _staged_values(
                    job_id, c, plans.get(c.row),
                    first_rows.setdefault(c.family_key, c.row) if c.family_key else c.row,
                    cells,
                )
                for c in checked
            ]  # fmt: skip
            writer.submit(bulk_insert, writes, STAGED, STAGED_COLUMNS, staged)
            members += [
                Member(c.row, *c.member, covered=c.row not in plans or plans[c.row].covered)
                for c in checked
                if c.member is not None
            ]
            counts.update(issue.code for c in checked for issue in c.issues)
            if time.monotonic() - reported >= PROGRESS_SECONDS:
                writer.submit(_report, writes, job, read)
                reported = time.monotonic()
            if progress:
                progress(read, read, expected)
        if unasked:
            writer.submit(_ask_elsewhere, reader, employer_id, unasked, elsewhere)
    _report(writes, job, read)
    return members, elsewhere, newborns or set()


def row_context(employer: Employer, today: date) -> RowContext:
    """What validating a row of this employer needs besides its cells (an import fixes it
    once; a one-person form asks for it too, so both judge a row alike)."""
    return RowContext(today=today, minimum_wage=employer.minimum_wage, newborn_days=_newborn_days())


def _newborn_days() -> int:
    """The `NEWBORN_DAYS` setting of the running app (the rule's default outside one)."""
    if has_app_context():
        return int(current_app.config.get("NEWBORN_DAYS", NEWBORN_DAYS))
    return NEWBORN_DAYS


def _ask_elsewhere(
    reader: Session | sa.Connection, employer_id: int, niks: Mapping[str, int], found: list[Issue]
) -> None:
    """`_active_elsewhere` on the reading connection, from the write-behind thread; no
    snapshot kept afterwards (see `_stage_chunks`)."""
    found += _active_elsewhere(reader, employer_id, niks)
    if isinstance(reader, sa.Connection):
        reader.rollback()


def _has_roster(session: Session | sa.Connection, employer_id: int) -> bool:
    found = session.execute(
        sa.select(Participant.id).where(Participant.employer_id == employer_id).limit(1)
    ).first()
    return found is not None


def _report(session: Session, job: ImportJob, read: int) -> None:
    jobs.report_progress(session, job, read=read, validated=read)


STAGED_COLUMNS = (
    "job_id",
    "row",
    "group_row",
    "nik",
    "family_key",
    "raw",
    "data",
    "issues",
    "has_error",
    "has_warning",
    "action",
    "participant_id",
    "base_version",
    "changes",
)
