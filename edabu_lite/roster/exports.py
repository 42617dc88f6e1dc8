"""Export participants as a roster sheet (contract §2b): the roster's columns, so the file can
be edited and uploaded again (every row then unchanged), then their status in effect on the
day, end date and reason, the last day of PHK continued coverage and the mandiri class.
Streamed: rows are read in chunks and written as they come (`sheets.stream`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from edabu_lite.roster.models import Participant, status_in_effect
from edabu_lite.roster.snapshot import ROSTER_FIELDS
from edabu_lite.roster.vocabulary import last_covered_day
from edabu_lite.sheets.columns import ROSTER_EXPORT_COLUMNS
from edabu_lite.sheets.stream import write_rows

CHUNK = 2_000

_IN_SCHOOL = {True: "Ya", False: "Tidak"}
_STATUS_FIELDS = ("segment", "end_date", "end_reason", "continued_coverage_until", "mandiri_class")


def everyone(employer_id: int) -> sa.Select:
    """All of an employer's participants (the command line's export)."""
    return sa.select(Participant).where(Participant.employer_id == employer_id)


def export_roster(
    session: Session,
    people: sa.Select,
    out: str | IO[bytes],
    *,
    day: date,
) -> int:
    """Write the participants ``people`` selects (already scoped to one employer) to ``out``,
    families together; statuses as in effect on ``day``. Returns the number of rows."""
    counter = [0]
    rows = _rows(session, people, day, counter)
    write_rows(out, ROSTER_EXPORT_COLUMNS, rows, sheet_title="Peserta")
    return counter[0]


def _rows(
    session: Session, people: sa.Select, day: date, counter: list[int]
) -> Iterator[dict[str, Any]]:
    chosen = people.with_only_columns(Participant.id).subquery()
    worker = aliased(Participant)
    stmt = (
        sa.select(
            *[getattr(Participant, f) for f in ROSTER_FIELDS],
            worker.nik.label("worker_nik"),
            status_in_effect(day).label("status"),
            *[getattr(Participant, f) for f in _STATUS_FIELDS],
        )
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
    keys = list(stmt.selected_columns.keys())
    for row in session.execute(stmt):
        values = dict(zip(keys, row, strict=True))
        values["relationship"] = values["relationship"].value
        values["in_school"] = _IN_SCHOOL.get(values["in_school"])
        values["status"] = getattr(values["status"], "value", values["status"])
        values["segment"] = values["segment"].value
        values["phk_coverage_until"] = last_covered_day(values.pop("continued_coverage_until"))
        counter[0] += 1
        yield values
