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


def family(
    worker_nik: str = "3273015507900001",
    kk: str = "3273012001150003",
    start_row_name: str = "Siti Aminah",
) -> list[dict[str, object]]:
    """A clean family: a woman worker (NIK day 15+40), her husband and two children."""
    worker = {
        "nik": worker_nik,
        "kk": kk,
        "name": start_row_name,
        "birth_place": "Bandung",
        "birth_date": date(1990, 7, 15),
        "sex": "P",
        "marital_status": "Kawin",
        "relationship": "Peserta",
        "worker_nik": None,
        "employee_number": "EMP-001",
        "wage": 6_500_000,
        "care_class": 1,
        "faskes_code": "0112U020",
        "start_date": date(2024, 1, 1),
        "card_number": None,
        "phone": "081234567890",
        "email": "siti@example.com",
        "in_school": None,
    }
    husband = {
        **worker,
        "nik": "3273011203880002",
        "name": "Budi Hartono",
        "birth_date": date(1988, 3, 12),
        "sex": "L",
        "relationship": "Suami",
        "worker_nik": worker_nik,
        "employee_number": None,
        "wage": None,
        "start_date": None,
        "email": None,
        "phone": None,
    }
    child1 = {
        **husband,
        "nik": "3273015005150003",
        "name": "Ayu Hartono",
        "birth_date": date(2015, 5, 10),
        "sex": "P",
        "relationship": "Anak",
        "marital_status": "Belum Kawin",
    }
    child2 = {
        **child1,
        "nik": "3273012108180004",
        "name": "Raka Hartono",
        "birth_date": date(2018, 8, 21),
        "sex": "L",
    }
    return [worker, husband, child1, child2]
