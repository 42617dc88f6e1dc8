"""Export the employer's participants as a roster sheet: streamed (write-only), with the same
columns as the template, so an exported file can be edited and imported again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from edabu_lite.roster.models import Participant
from edabu_lite.roster.snapshot import ROSTER_FIELDS
from edabu_lite.sheets.columns import ROSTER_COLUMNS
from edabu_lite.sheets.writer import write_rows


def _rows(session: Session, employer_id: int, counter: list[int]) -> Iterator[dict[str, Any]]:
    worker = aliased(Participant)
    stmt = (
        sa.select(*[getattr(Participant, f) for f in ROSTER_FIELDS], worker.nik.label("worker_nik"))
        .outerjoin(worker, Participant.worker_id == worker.id)
        .where(Participant.employer_id == employer_id)
        .order_by(
            sa.func.coalesce(worker.nik, Participant.nik),
            Participant.worker_id.is_not(None),
            Participant.birth_date,
        )
        .execution_options(yield_per=2000)
    )
    for row in session.execute(stmt).mappings():
        counter[0] += 1
        values = dict(row)
        values["relationship"] = values["relationship"].value
        values["in_school"] = {True: "Ya", False: "Tidak"}.get(values["in_school"])
        yield values


def export_roster(session: Session, employer_id: int, out: IO[bytes]) -> int:
    counter = [0]
    write_rows(out, ROSTER_COLUMNS, _rows(session, employer_id, counter), sheet_title="Peserta")
    return counter[0]
