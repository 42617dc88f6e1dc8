"""Builds roster workbooks for tests, the way HR staff fill them (identity columns as text)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from edabu_lite.sheets.columns import ROSTER_COLUMNS

HEADERS = [spec.header for spec in ROSTER_COLUMNS]
KEYS = [spec.key for spec in ROSTER_COLUMNS]


def sheet_value(key: str, value: object) -> object:
    if key == "in_school" and isinstance(value, bool):
        return "Ya" if value else "Tidak"
    return value


def write_roster(
    path: Path,
    people: Iterable[Mapping[str, object]],
    headers: list[str] | None = None,
    keys: list[str] | None = None,
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Peserta"
    headers = headers or HEADERS
    keys = keys or KEYS
    sheet.append(headers)
    for person in people:
        sheet.append([sheet_value(k, person.get(k)) for k in keys])
    for column_cells in sheet.iter_cols(min_row=2):
        for cell in column_cells:
            if isinstance(cell.value, date):
                cell.number_format = "DD-MM-YYYY"
    workbook.save(path)
    return path
