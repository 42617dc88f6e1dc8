"""Reading the bill HR copies from e-Dabu's Rincian Tagihan: a sheet with a NIK and an amount
per person (a name is optional), headers matched as for rosters (case, spaces and punctuation
ignored, with aliases). Pure: no Flask, no database.

The upload goes through the project's reader (`sheets.reader.open_sheet`), so the same size,
zip-bomb and XML checks apply as to a roster upload. Every row is checked before anything is
compared: a NIK Excel damaged (stored as a number, 15 digits), an amount that is not whole
Rupiah, or the same NIK twice makes the comparison meaningless, so any such row refuses the
sheet with every problem listed (`BillRejected`), each with its Excel row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO, Final

from edabu_lite import rupiah
from edabu_lite.identity.nik import parse_nik
from edabu_lite.identity.privacy import redact_niks
from edabu_lite.issues import CATALOGUE, N_, Issue
from edabu_lite.sheets.columns import CellKind, ColumnSpec, Need
from edabu_lite.sheets.reader import SheetRejected, open_sheet

#: A bill's columns. e-Dabu's own sheet has more (No, No Kartu, Kelas...): they are ignored.
BILL_COLUMNS: Final = (
    ColumnSpec(
        "nik",
        "NIK",
        Need.ALWAYS,
        CellKind.IDENTITY,
        ("no nik", "nomor nik", "nomor induk kependudukan", "nik peserta", "nik ktp"),
    ),
    ColumnSpec(
        "amount",
        "Jumlah",
        Need.ALWAYS,
        CellKind.INTEGER,
        (
            "iuran",
            "total iuran",
            "jumlah iuran",
            "tagihan",
            "jumlah tagihan",
            "total tagihan",
            "nominal",
            "amount",
        ),
    ),
    ColumnSpec(
        "name", "Nama", Need.OPTIONAL, CellKind.TEXT, ("nama peserta", "nama lengkap", "name")
    ),
)
#: The headers a missing column's message lists (what the user can rename a column to).
ACCEPTED_HEADERS: Final = {
    "nik": "NIK, No. NIK, Nomor Induk Kependudukan",
    "amount": "Jumlah, Iuran, Total Iuran, Tagihan, Nominal",
}
#: Problems kept for the page; the count is complete.
MAX_PROBLEMS: Final = 200
#: No bill line is this large (the cap's 5 % plus a family's 1 % each is far below).
MAX_AMOUNT: Final = 1_000_000_000

#: The bill's own problems (the NIK's and the file's come from `issues.CATALOGUE`).
MESSAGES: Final = {
    "bill.missing_column": N_(
        'Kolom "%(header)s" tidak ditemukan di baris 1. Beri judul kolom salah satu dari: '
        "%(accepted)s."
    ),
    "amount.required": N_(
        "Jumlah iuran kosong. Isi jumlah dalam Rupiah (0 untuk anggota keluarga tanpa iuran)."
    ),
    "amount.format": N_(
        'Jumlah iuran "%(value)s" bukan angka Rupiah. Tulis angka saja, mis. 300000 atau 300.000.'
    ),
    "amount.not_whole": N_(
        "Jumlah iuran %(value)s bukan Rupiah utuh. Iuran dibulatkan per orang ke Rupiah penuh: "
        "salin angka dari Rincian Tagihan tanpa desimal."
    ),
    "amount.negative": N_(
        "Jumlah iuran %(value)s negatif. Hanya iuran per orang yang dibandingkan: hapus baris "
        "koreksi atau potongan."
    ),
    "nik.duplicate": N_(
        "NIK ini sudah ada di baris %(first)s. Satu orang satu baris: hapus baris ganda atau "
        "jumlahkan iurannya."
    ),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why (part of) the sheet cannot be compared: a code, where, and the message's values."""

    code: str
    row: int | None = None
    column: str | None = None
    params: dict[str, object] = field(default_factory=dict)

    def message(self, gettext: Callable[[str], str] | None = None) -> str:
        template = MESSAGES.get(self.code) or CATALOGUE[self.code].message
        translated = gettext(template) if gettext else template
        try:
            return translated % self.params
        except (KeyError, ValueError, TypeError):
            return template % self.params

    @classmethod
    def of(cls, issue: Issue) -> Problem:
        return cls(issue.code, issue.row, issue.column, dict(issue.params))


class BillRejected(Exception):
    """The sheet cannot be compared: ``problems`` (at most `MAX_PROBLEMS`) of ``count``."""

    def __init__(self, problems: list[Problem], count: int | None = None) -> None:
        super().__init__(", ".join(sorted({p.code for p in problems})))
        self.problems = problems[:MAX_PROBLEMS]
        self.count = len(problems) if count is None else count


@dataclass(frozen=True, slots=True)
class BillRow:
    """One person on the bill."""

    row: int  # as Excel shows it
    nik: str
    amount: int
    name: str | None = None


def read_bill(
    source: str | BinaryIO | bytes, *, max_bytes: int, max_rows: int, today: date
) -> list[BillRow]:
    """The bill's rows, in sheet order; raise `BillRejected` with every problem found."""
    try:
        sheet = open_sheet(source, BILL_COLUMNS, max_bytes=max_bytes, max_rows=max_rows)
    except SheetRejected as rejected:
        raise BillRejected([_file_problem(issue) for issue in rejected.issues]) from None
    try:
        with sheet:
            return check_rows(((row, values) for row, values, _raw in sheet.rows()), today=today)
    except SheetRejected as rejected:  # a cell too long, found while reading
        raise BillRejected([_file_problem(issue) for issue in rejected.issues]) from None


def _file_problem(issue: Issue) -> Problem:
    if issue.code == "header.missing_column" and issue.column in ACCEPTED_HEADERS:
        params = {"header": issue.params["header"], "accepted": ACCEPTED_HEADERS[issue.column]}
        return Problem("bill.missing_column", column=issue.column, params=params)
    return Problem.of(issue)


def check_rows(rows: Iterable[tuple[int, dict[str, object]]], *, today: date) -> list[BillRow]:
    """Rows as the reader gives them (Excel row, values by column key) → `BillRow` each;
    raise `BillRejected` when any row has a problem."""
    found: list[BillRow] = []
    first_row: dict[str, int] = {}
    problems: list[Problem] = []
    count = 0

    def problem(item: Problem) -> None:
        nonlocal count
        count += 1
        if len(problems) < MAX_PROBLEMS:
            problems.append(item)

    for row, values in rows:
        parsed = parse_nik(values.get("nik"), today=today, column="nik", row=row)
        for issue in parsed.errors:
            problem(Problem.of(issue))
        amount, amount_problem = parse_amount(values.get("amount"))
        if amount_problem is not None:
            problem(Problem(amount_problem[0], row, "amount", amount_problem[1]))
        nik = parsed.value if parsed.ok else None
        if nik is not None and nik in first_row:
            problem(Problem("nik.duplicate", row, "nik", {"first": first_row[nik]}))
            continue
        if nik is not None:
            first_row[nik] = row
        if nik is not None and amount is not None:
            found.append(BillRow(row, nik, amount, _name(values.get("name"))))
    if count:
        raise BillRejected(problems, count)
    if not found:
        raise BillRejected([Problem("file.empty")])
    return found


def parse_amount(value: object) -> tuple[int | None, tuple[str, dict[str, object]] | None]:
    """A bill amount in whole Rupiah: a number cell, or text such as "Rp 300.000",
    "300,000", "300.000,00". Returns (amount, None) or (None, (code, params))."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, ("amount.required", {})
    if isinstance(value, bool):
        return None, ("amount.format", {"value": _shown(value)})
    if isinstance(value, int):
        return _bounded(value, value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None, ("amount.format", {"value": _shown(value)})
        if not value.is_integer():
            return None, ("amount.not_whole", {"value": _shown(value)})
        return _bounded(int(value), value)
    if not isinstance(value, str):
        return None, ("amount.format", {"value": _shown(value)})
    text = value.strip()
    amount, problem = rupiah.read_text(text)
    if amount is None:
        code = "amount.not_whole" if problem == rupiah.NOT_WHOLE else "amount.format"
        return None, (code, {"value": _shown(text)})
    return _bounded(amount, text)


def _bounded(amount: int, shown: object) -> tuple[int | None, tuple[str, dict[str, object]] | None]:
    if amount < 0:
        return None, ("amount.negative", {"value": _shown(shown)})
    if amount > MAX_AMOUNT:
        return None, ("amount.format", {"value": _shown(shown)})
    return amount, None


def _shown(value: object, limit: int = 30) -> str:
    """A cell as a message value: short, one line, never a full NIK."""
    text = redact_niks(" ".join(str(value).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())[:120]
    return text or None
