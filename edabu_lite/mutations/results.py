"""A batch's result as xlsx: one row per person affected, before → after, streamed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.issues import N_, Issue
from edabu_lite.labels import label
from edabu_lite.mutations.models import MutationBatch, MutationItem
from edabu_lite.roster.models import Participant
from edabu_lite.roster.vocabulary import last_covered_day
from edabu_lite.sheets.columns import CellKind, export_column
from edabu_lite.sheets.stream import write_rows

_col = export_column
#: A person's part in a mutation, as the result file names it.
ROLES = {"subject": N_("Subjek"), "dependant": N_("Ikut (keluarga)")}


RESULT_COLUMNS = (
    _col("item", N_("Baris"), 7, CellKind.INTEGER),
    _col("nik", N_("NIK"), 20, CellKind.IDENTITY),
    _col("name", N_("Nama"), 26),
    _col("role", N_("Peran"), 14),
    _col("kind", N_("Jenis Mutasi"), 22),
    _col("reason", N_("Alasan"), 22),
    _col("status_before", N_("Status sebelum"), 16),
    _col("status_after", N_("Status sesudah"), 16),
    _col("segment_after", N_("Segmen"), 20),
    _col("end_date", N_("TMT"), 12, CellKind.DATE),
    _col("continued_coverage_until", N_("Manfaat PHK s.d."), 14, CellKind.DATE),
    _col("mandiri_class", N_("Kelas mandiri"), 10, CellKind.INTEGER),
    _col("note", N_("Keterangan"), 30),
    _col("issues", N_("Masalah"), 50),
)


def _last_day(value: object) -> date | None:
    """The last day of PHK coverage, from the stored (ISO) day it stops."""
    return last_covered_day(_day(value))


def _day(value: object) -> date | None:
    """A stored ISO date as a date cell."""
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) else None


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
    translate = gettext or (lambda text: text)
    for item in items:
        issues = "\n".join(Issue.from_dict(i).message(gettext) for i in item.issues)
        common = {
            "item": item.row or item.position,
            "kind": label(item.kind, "kind", gettext) if item.kind else None,
            "reason": label(item.reason, "reason", gettext) if item.reason else None,
            "note": item.note,
            "issues": issues,
        }
        if not item.changes:
            yield {**common, "nik": item.nik}
        for change in item.changes:
            after, before = change["after"], change["before"]
            yield {
                **common,
                "nik": change["nik"],
                "name": names.get(change["person_id"]),
                "role": translate(ROLES.get(change["role"], change["role"])),
                "status_before": _status(before.get("status"), gettext),
                "status_after": _status(after.get("status"), gettext),
                "segment_after": label(after["segment"], "segment", gettext)
                if after.get("segment")
                else None,
                "end_date": _day(after.get("end_date")),
                "continued_coverage_until": _last_day(after.get("continued_coverage_until")),
                "mandiri_class": after.get("mandiri_class"),
            }


def _status(code: str | None, gettext: Callable[[str], str] | None) -> str | None:
    return label(code, "status", gettext) if code else None


def write_batch_result(
    session: Session,
    batch: MutationBatch,
    out: IO[bytes],
    gettext: Callable[[str], str] | None = None,
) -> None:
    write_rows(
        out,
        RESULT_COLUMNS,
        _rows(session, batch, gettext),
        sheet_title="Mutasi",
        gettext=gettext,
    )
