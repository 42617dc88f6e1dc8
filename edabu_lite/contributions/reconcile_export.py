"""The reconciliation's differences as xlsx: one row per difference, in the page's order
(streamed with `sheets.stream`, like the Rincian Iuran download)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any, Final

from edabu_lite.contributions.reconcile import Difference, Kind, Reconciliation, Why
from edabu_lite.issues import N_
from edabu_lite.labels import label
from edabu_lite.sheets.columns import CellKind
from edabu_lite.sheets.columns import export_column as _col
from edabu_lite.sheets.stream import write_rows

KIND_LABELS: Final = {
    Kind.UNKNOWN: N_("Ditagih BPJS, NIK tidak dikenal di sini"),
    Kind.NOT_COUNTED: N_("Ditagih BPJS, tidak dihitung bulan ini"),
    Kind.NOT_BILLED: N_("Aktif di sini, tidak ada di tagihan"),
    Kind.AMOUNT: N_("Jumlah berbeda"),
}
WHY_LABELS: Final = {
    Why.STATUS: N_("Status pada tanggal 1: %(status)s"),
    Why.NOT_STARTED: N_("TMT %(date)s, sesudah tanggal 1"),
    Why.WORKER_NOT_COUNTED: N_("Pekerjanya tidak dihitung bulan ini"),
}

COLUMNS: Final = (
    _col("kind", N_("Perbedaan"), 34),
    _col("nik", N_("NIK"), 20, CellKind.IDENTITY),
    _col("name", N_("Nama"), 28),
    _col("why", N_("Keterangan"), 34),
    _col("billed", N_("Tagihan BPJS"), 16, CellKind.INTEGER),
    _col("ours", N_("Rincian Iuran"), 16, CellKind.INTEGER),
    _col("difference", N_("Selisih"), 14, CellKind.INTEGER),
    _col("rows", N_("Baris di tagihan"), 14),
)


def why_text(difference: Difference, gettext: Callable[[str], str]) -> str:
    """Why a known person is not counted, in words (empty for the other kinds)."""
    if difference.why is None:
        return ""
    if difference.why == Why.STATUS:
        text = label(difference.status, "status", gettext)
        if difference.end_date is not None:
            text += f" {difference.end_date:%d-%m-%Y}"
        if difference.end_reason:
            text += f" ({label(difference.end_reason, 'reason', gettext)})"
        return gettext(WHY_LABELS[Why.STATUS]) % {"status": text}
    if difference.why == Why.NOT_STARTED and difference.start_date is not None:
        return gettext(WHY_LABELS[Why.NOT_STARTED]) % {"date": f"{difference.start_date:%d-%m-%Y}"}
    return gettext(WHY_LABELS[Why.WORKER_NOT_COUNTED])


def export_differences(
    result: Reconciliation, out: IO[bytes], gettext: Callable[[str], str] | None = None
) -> None:
    text = gettext or (lambda message: message)
    write_rows(
        out,
        COLUMNS,
        _rows(result, text),
        sheet_title=f"Rekonsiliasi {result.month:%m-%Y}",
        gettext=gettext,
    )


def _rows(result: Reconciliation, gettext: Callable[[str], str]) -> Iterator[dict[str, Any]]:
    for d in result.differences:
        yield {
            "kind": gettext(KIND_LABELS[d.kind]),
            "nik": d.nik,
            "name": d.name,
            "why": why_text(d, gettext) or None,
            "billed": d.billed,
            "ours": d.ours,
            "difference": d.difference,
            "rows": ", ".join(str(r) for r in d.rows) or None,
        }
    yield {}
    yield {
        "kind": gettext(N_("Jumlah")),
        "billed": result.billed_total,
        "ours": result.ours_total,
        "difference": result.billed_total - result.ours_total,
    }
