"""Rincian Iuran as xlsx: one row per worker counted, then the employer's totals (streamed:
100,000 lines in constant memory, `sheets.stream`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from sqlalchemy.orm import Session

from edabu_lite.contributions.operations import Bill, iter_lines
from edabu_lite.issues import N_
from edabu_lite.sheets.columns import CellKind
from edabu_lite.sheets.columns import export_column as _col
from edabu_lite.sheets.stream import write_rows

COLUMNS = (
    _col("nik", N_("NIK"), 20, CellKind.IDENTITY),
    _col("name", N_("Nama"), 28),
    _col("employee_number", N_("No Pegawai"), 14),
    _col("wage", N_("Gaji"), 14, CellKind.INTEGER),
    _col("base", N_("Dasar iuran"), 14, CellKind.INTEGER),
    _col("dependants", N_("Anggota keluarga"), 10, CellKind.INTEGER),
    _col("extra_members", N_("Anggota tambahan"), 10, CellKind.INTEGER),
    _col("employer_share", N_("Iuran pemberi kerja"), 16, CellKind.INTEGER),
    _col("worker_share", N_("Iuran pekerja"), 16, CellKind.INTEGER),
    _col("extra_family", N_("Iuran keluarga tambahan"), 16, CellKind.INTEGER),
    _col("total", N_("Jumlah"), 16, CellKind.INTEGER),
)


def export_bill(
    session: Session,
    bill: Bill,
    employer_id: int,
    out: IO[bytes],
    gettext: Callable[[str], str] | None = None,
) -> None:
    write_rows(
        out,
        COLUMNS,
        _rows(session, bill, employer_id, gettext or (lambda text: text)),
        sheet_title=f"Iuran {bill.month:%m-%Y}",
        gettext=gettext,
    )


def _rows(
    session: Session, bill: Bill, employer_id: int, gettext: Callable[[str], str]
) -> Iterator[dict[str, Any]]:
    for line in iter_lines(session, bill, employer_id):
        yield dict(line._mapping)
    yield {}
    yield {
        "name": gettext(N_("Jumlah (%(n)s pekerja, %(covered)s jiwa)"))
        % {"n": bill.workers, "covered": bill.covered},
        "extra_members": bill.extra_members,
        "employer_share": bill.employer_share,
        "worker_share": bill.worker_share,
        "extra_family": bill.extra_family,
        "total": bill.total,
    }
