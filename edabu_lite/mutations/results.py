"""A batch's result as xlsx: one row per person affected, before → after, streamed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.issues import Issue
from edabu_lite.mutations.models import MutationBatch, MutationItem
from edabu_lite.roster.models import Participant
from edabu_lite.sheets.columns import Kind, export_column
from edabu_lite.sheets.writer import write_rows

_col = export_column


RESULT_COLUMNS = (
    _col("item", "Baris", 7, Kind.INTEGER),
    _col("nik", "NIK", 20, Kind.IDENTITY),
    _col("name", "Nama", 26),
    _col("role", "Peran", 11),
    _col("kind", "Jenis Mutasi", 16),
    _col("reason", "Alasan", 16),
    _col("status_before", "Status sebelum", 14),
    _col("status_after", "Status sesudah", 14),
    _col("segment_after", "Segmen", 9),
    _col("end_date", "TMT", 12),
    _col("continued_coverage_until", "Manfaat PHK s.d.", 14),
    _col("mandiri_class", "Kelas mandiri", 10),
    _col("issues", "Keterangan", 50),
)


def _rows(
    session: Session, batch: MutationBatch, gettext: Callable[[str], str] | None
) -> Iterator[dict[str, Any]]:
    items = session.scalars(
        sa.select(MutationItem)
        .where(MutationItem.batch_id == batch.id)
        .order_by(MutationItem.position)
    ).all()
    ids = {c["person_id"] for item in items for c in item.changes}
    names = (
        dict(
            session.execute(
                sa.select(Participant.id, Participant.name).where(Participant.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    for item in items:
        issues = "\n".join(Issue.from_dict(i).message(gettext) for i in item.issues)
        if not item.changes:
            yield {
                "item": item.row or item.position,
                "nik": item.nik,
                "kind": item.kind,
                "reason": item.reason,
                "issues": issues,
            }
        for change in item.changes:
            after, before = change["after"], change["before"]
            yield {
                "item": item.row or item.position,
                "nik": change["nik"],
                "name": names.get(change["person_id"]),
                "role": change["role"],
                "kind": item.kind,
                "reason": item.reason,
                "status_before": before.get("status"),
                "status_after": after.get("status"),
                "segment_after": after.get("segment"),
                "end_date": after.get("end_date"),
                "continued_coverage_until": after.get("continued_coverage_until"),
                "mandiri_class": after.get("mandiri_class"),
                "issues": issues,
            }


def write_batch_result(
    session: Session,
    batch: MutationBatch,
    out: IO[bytes],
    gettext: Callable[[str], str] | None = None,
) -> None:
    write_rows(out, RESULT_COLUMNS, _rows(session, batch, gettext), sheet_title="Mutasi")
