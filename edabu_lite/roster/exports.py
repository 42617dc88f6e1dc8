"""Export participants as a roster sheet (contract §2b): the roster's columns, so the file can
be edited and uploaded again (every row then unchanged), then their status in effect on the
day, end date and reason, the last day of PHK continued coverage and the mandiri class.
Streamed: rows are read in chunks and written as they come (`sheets.stream`). A large web
export runs as a background job (`downloads`), which calls `write_job`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from edabu_lite.downloads.models import ExportJob, ExportKind
from edabu_lite.downloads.registry import register
from edabu_lite.roster.listing import participant_filter
from edabu_lite.roster.models import Participant, status_in_effect
from edabu_lite.roster.vocabulary import last_covered_day
from edabu_lite.sheets.columns import ROSTER_EXPORT_COLUMNS
from edabu_lite.sheets.stream import write_table

CHUNK = 2_000

_IN_SCHOOL = {True: "Ya", False: "Tidak"}
_KEYS = tuple(spec.key for spec in ROSTER_EXPORT_COLUMNS)
_UNTIL = _KEYS.index("phk_coverage_until")


def everyone(employer_id: int) -> sa.Select:
    """All of an employer's participants (the command line's export)."""
    return sa.select(Participant).where(Participant.employer_id == employer_id)


def export_roster(
    session: Session,
    people: sa.Select,
    out: str | IO[bytes],
    *,
    day: date,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the participants ``people`` selects (already scoped to one employer) to ``out``,
    families together; statuses as in effect on ``day``. Returns the number of rows.
    ``progress`` is told the rows written so far after every `CHUNK` rows."""
    counter = [0]
    rows = _rows(session, people, day, counter, progress)
    write_table(out, ROSTER_EXPORT_COLUMNS, rows, sheet_title="Peserta")
    return counter[0]


def write_job(session: Session, job: ExportJob, out: str, progress: Callable[[int], None]) -> int:
    """A background export job's file: the list as the user filtered it, on the day asked."""
    people = participant_filter(session, job.employer_id, job.filters, job.day)
    return export_roster(session, people, out, day=job.day, progress=progress)


register(ExportKind.ROSTER, write_job)


def _columns(day: date) -> tuple[list[sa.ColumnElement], Any]:
    """The export's columns in the sheet's order, converted by the database where it can
    (codes as their stored text, Ya/Tidak), so most rows go to the writer as they come."""
    worker = aliased(Participant)
    text = {
        "relationship": sa.type_coerce(Participant.relationship, sa.String),
        "worker_nik": worker.nik,
        "in_school": sa.case(
            (Participant.in_school.is_(True), _IN_SCHOOL[True]),
            (Participant.in_school.is_(False), _IN_SCHOOL[False]),
        ),
        "status": sa.type_coerce(status_in_effect(day), sa.String),
        "segment": sa.type_coerce(Participant.segment, sa.String),
        "phk_coverage_until": Participant.continued_coverage_until,
    }
    return [
        (text[key] if key in text else getattr(Participant, key)).label(key) for key in _KEYS
    ], worker


def _rows(
    session: Session,
    people: sa.Select,
    day: date,
    counter: list[int],
    progress: Callable[[int], None] | None = None,
) -> Iterator[Sequence[Any]]:
    chosen = people.with_only_columns(Participant.id).subquery()
    columns, worker = _columns(day)
    stmt = (
        sa.select(*columns)
        .join(chosen, chosen.c.id == Participant.id)
        .outerjoin(worker, Participant.worker_id == worker.id)
        .order_by(
            sa.func.coalesce(worker.nik, Participant.nik),
            Participant.worker_id.is_not(None),
            Participant.birth_date,
            Participant.id,
        )
        .execution_options(yield_per=CHUNK)
    )
    result = session.connection().execute(stmt)  # Core rows: no ORM loading step per row
    written = 0
    for chunk in result.partitions():
        for row in chunk:
            if row[_UNTIL] is not None:  # stored as the first day without it
                row = list(row)
                row[_UNTIL] = last_covered_day(row[_UNTIL])
            yield row
        written += len(chunk)
        counter[0] = written
        if progress is not None:
            progress(written)
