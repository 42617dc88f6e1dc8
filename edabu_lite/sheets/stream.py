"""Large downloads (roster export, audit trail, batch results) written row by row with
XlsxWriter in its constant-memory mode: each row goes to disk as it is written, so memory
stays flat at any size, and it writes several times faster than openpyxl's write-only mode.
The template and the error report, which need data validation and comments, stay with
openpyxl (`sheets.writer`).

Every text is stored as a text cell (never a formula, a URL or a number) after
`neutralise_formula`; identity columns are text cells formatted ``@``; dates are date cells
shown DD-MM-YYYY.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Final

import xlsxwriter

from edabu_lite.sheets.columns import CellKind, ColumnSpec
from edabu_lite.sheets.writer import (
    _FORMULA_TRIGGERS,
    DATE_FORMAT,
    DATETIME_FORMAT,
    TEXT_FORMAT,
    Gettext,
    _identity_text,
    _sheet_title,
    neutralise_formula,
)

#: Excel's limit for one cell; XlsxWriter refuses longer strings.
MAX_CELL_CHARS: Final = 32_767

#: First characters after which text may be a formula (`neutralise_formula` decides).
_TRIGGERS: Final = frozenset(_FORMULA_TRIGGERS)

_OPTIONS: Final = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "remove_timezone": True,
}
#: Excel's last row; XlsxWriter would silently drop what lies beyond.
LAST_ROW: Final = 1_048_575
_EPOCH: Final = date(1899, 12, 31)
_PHANTOM_LEAP_DAY: Final = date(1900, 3, 1)


def write_rows(
    out: str | IO[bytes],
    columns: Sequence[ColumnSpec],
    rows: Iterable[Mapping[str, object]],
    *,
    sheet_title: str,
    gettext: Gettext | None = None,
) -> None:
    """Export rows keyed by spec key under the spec headers (translated with ``gettext`` for
    download-only sheets; a re-importable sheet keeps its headers)."""
    keys = [spec.key for spec in columns]
    cells = ([row.get(key) for key in keys] for row in rows)
    write_table(out, columns, cells, sheet_title=sheet_title, gettext=gettext)


def write_table(
    out: str | IO[bytes],
    columns: Sequence[ColumnSpec],
    rows: Iterable[Sequence[object]],
    *,
    sheet_title: str,
    gettext: Gettext | None = None,
) -> None:
    """`write_rows` for rows that are already sequences in the columns' order (a large
    export's database rows as they come): no per-row mapping to build or look up."""
    workbook = xlsxwriter.Workbook(out, _OPTIONS)
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": TEXT_FORMAT})
    day = workbook.add_format({"num_format": DATE_FORMAT})
    moment = workbook.add_format({"num_format": DATETIME_FORMAT})
    sheet = workbook.add_worksheet(_sheet_title(sheet_title))
    for index, spec in enumerate(columns):
        column_format = {CellKind.IDENTITY: text, CellKind.DATE: day}.get(spec.kind)
        sheet.set_column(index, index, spec.width, column_format)
    for index, spec in enumerate(columns):
        header = gettext(spec.header) if gettext else spec.header
        sheet.write_string(0, index, _safe(str(header)), bold)
    sheet.freeze_panes(1, 0)
    if columns:
        sheet.autofilter(0, 0, 0, len(columns) - 1)
    identity = frozenset(i for i, spec in enumerate(columns) if spec.kind == CellKind.IDENTITY)
    try:
        _write_body(sheet, identity, rows, text, day, moment)
    finally:
        workbook.close()  # also on failure: XlsxWriter's temporary files are removed then


def _write_body(sheet, identity, rows, text, day, moment) -> None:  # type: ignore[no-untyped-def]
    # The innermost loop of every large download: one type test per cell, the common kinds
    # first, and dates as the day numbers Excel stores (the same cell `write_datetime`
    # writes), looked up once per distinct day. XlsxWriter's public ``write_*`` only turn an
    # "A1" reference into numbers and call these; skipping that wrapper saves a tenth of a
    # large export (bench/NOTES.md). Both take (row, column, value, format).
    write_string = getattr(sheet, "_write_string", sheet.write_string)
    write_number = getattr(sheet, "_write_number", sheet.write_number)
    serials: dict[date, int] = {}
    for number, row in enumerate(rows, start=1):
        if number > LAST_ROW:
            raise ValueError(f"more rows than an Excel sheet holds ({LAST_ROW:,})")
        for index, value in enumerate(row):
            if value is None:
                continue
            kind = value.__class__
            if index in identity:
                if kind is not str:
                    value = _identity_text(value)
                write_string(number, index, _safe(value), text)
            elif kind is str:
                if (value and value[0] in _TRIGGERS) or len(value) > MAX_CELL_CHARS:
                    value = _safe(value)
                write_string(number, index, value)
            elif kind is int or (kind is float and math.isfinite(value)):
                write_number(number, index, value)
            elif kind is date:
                serial = serials.get(value)
                if serial is None:
                    serial = serials[value] = excel_day(value)
                write_number(number, index, serial, day)
            elif kind is bool:
                sheet.write_boolean(number, index, value)
            elif kind is datetime:
                fmt = day if value.time() == time() else moment
                sheet.write_datetime(number, index, value, fmt)
            elif kind is Decimal and value.is_finite():
                write_number(number, index, float(value))
            else:
                write_string(number, index, _safe(str(value)))


def excel_day(day: date) -> int:
    """The number Excel stores for ``day`` (1900 date system, as XlsxWriter writes it): days
    since 1899-12-31, plus one from March 1900 on for Excel's phantom 29 February 1900."""
    days = (day - _EPOCH).days
    return days + 1 if day >= _PHANTOM_LEAP_DAY else days


def _safe(text: str) -> str:
    """Formulas neutralised, cut at Excel's limit; XlsxWriter escapes control characters
    itself (as _xHHHH_)."""
    if text and text[0] in _TRIGGERS:
        text = neutralise_formula(text)  # type: ignore[assignment]
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS]
