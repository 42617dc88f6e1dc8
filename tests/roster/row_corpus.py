"""The roster-row regression corpus: 6,000 rows as sheets really hold them (typed cells and
all-text cells; a third with a typical mistake; a fifth with one odd cell of any kind), each
with the data and the issues the row validator gave for it.

It was written by the hand-written ``validate_row`` that the import ran before
`RosterRowSchema` became the only validator, after both were checked to agree on every row of
it; `test_row_corpus` holds the schema to it. Rewrite it only for a deliberate rule change,
and read the diff:

    python -m tests.roster.row_corpus --write
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from edabu_lite.demo_data import generate_families
from edabu_lite.issues import Issue
from edabu_lite.roster.cells import ROW_KEYS
from edabu_lite.roster.schemas import RosterRowSchema, RowContext

PATH = Path(__file__).parent / "row_corpus.json.gz"
TODAY = date(2026, 11, 22)
CONTEXTS = {
    "plain": RowContext(today=TODAY),
    "umk": RowContext(today=TODAY, minimum_wage=5_000_000, class1_wage_threshold=6_000_000),
}

#: Cells sheets are found to hold, good and bad, for any column.
ODD_CELLS: tuple[object, ...] = (
    None, "", " ", "  \t", float("nan"), 0, -1, 1, 2, 3, 1.5, 2.0, True, False, "0", "-",
    "Ya", "Tidak", "ya", "Y", "N", "Kelas 1", "Kls 2", "II", "Kelas III", "3",
    "31-02-1990", "29-02-2000", "12/13/2020", "01-01-85", "1990", "1899-12-31", "2026-11-22",
    "22.11.2026 00:00:00", 44197, 60, 1950, 60001, 32874.5, datetime(1990, 5, 17, 13, 5),
    date(1985, 1, 31), date(2030, 1, 1), "Rp 5.000.000", "5,000,000", "5.000.000,50",
    "5,5 juta", "IDR 7.500.000,-", 4_999_999, 12_000_001, 10**13, "Laki-laki", "pria", "WANITA",
    "F", "M", "x", "Kawin", "Belum Menikah", "Janda", "Duda", "Cerai", "Single", "Peserta",
    "Kepala Keluarga", "Suami", "Istri", "Anak ke-4", "Anak Angkat", "Ayah", "Ibu Mertua",
    "Orang Tua", "Pasangan", "Menantu", "Cucu", "3201014508900001", "3201 0145 0890 0001",
    "3201014508900000", "320101450890000", "32010145089000011", 3201014508900001,
    3.201014508900001e15, "'3201014508900001", "99010145089000 01", "0001234567890",
    "0500G056", "0500g056", "05 00 G 056", "0500056", "081234567890", "+62 812-3456-7890",
    81234567890, "12", "budi@example.com", "budi@", "Budi Santoso", "Ni Luh Putu Ayu",
    "O'Neil", "Siti\u2019ah", "Budi2", "???", "\u00a0Budi\u00a0", "Budi\x07", "A" * 201,
    "Jl. Merdeka No. 1", "12000001", 12000001, "\u0628\u062f\u064a",
)  # fmt: skip


def _sheet_style(row: Mapping[str, object], text: bool) -> dict[str, object]:
    out = dict(row)
    for key in ("birth_date", "start_date"):
        value = row.get(key)
        if isinstance(value, date):
            out[key] = (
                f"{value.day:02d}-{value.month:02d}-{value.year}"
                if text
                else datetime(value.year, value.month, value.day)
            )
    if text and isinstance(row.get("wage"), int):
        out["wage"] = "Rp " + f"{row['wage']:,}".replace(",", ".")
    if text and row.get("care_class") is not None:
        out["care_class"] = f"Kelas {row['care_class']}"
    if isinstance(row.get("in_school"), bool):
        out["in_school"] = "Ya" if row["in_school"] else "Tidak"
    return out


def build_inputs() -> Iterator[tuple[str, dict[str, object]]]:
    """(context name, row cells) for every corpus row, always the same."""
    rng = random.Random(20261205)
    families = generate_families(4_000, seed=1205, today=TODAY, error_rate=0.33)
    for number, row in enumerate(families):
        values = _sheet_style(row, text=number % 3 == 0)
        if rng.random() < 0.2:
            values[rng.choice(ROW_KEYS)] = rng.choice(ODD_CELLS)
        yield ("umk" if number % 4 == 0 else "plain"), values
    for number, row in enumerate(generate_families(2_000, seed=77, today=TODAY)):
        values = _sheet_style(row, text=number % 2 == 0)
        for _ in range(rng.choice((1, 1, 2, 3))):
            values[rng.choice(ROW_KEYS)] = rng.choice(ODD_CELLS)
        yield rng.choice(("plain", "umk")), values


def encode(value: object) -> object:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, float) and math.isnan(value):
        return {"$nan": True}
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$nan" in value:
            return float("nan")
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def outcome(data: Mapping[str, object] | None, issues: list[Issue]) -> dict[str, object]:
    """A row's result as stored: the loaded data (None with any error) and its issues."""
    return {
        "data": None if data is None else encode(dict(data)),
        "issues": [
            [i.code, i.column, i.row, encode(dict(i.params)) if i.params else None] for i in issues
        ],
    }


def read_corpus(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as corpus:
        return json.load(corpus)


def save_corpus(path: Path, entries: list[dict[str, Any]]) -> int:
    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    with gzip.GzipFile(path, "wb", mtime=0) as corpus:  # mtime 0: the same bytes each time
        corpus.write(text.encode())
    return len(entries)


def load() -> list[dict[str, Any]]:
    return read_corpus(PATH)


def write() -> int:
    schemas = {name: RosterRowSchema(ctx=ctx) for name, ctx in CONTEXTS.items()}
    entries = []
    for number, (context, values) in enumerate(build_inputs(), start=2):
        data, issues = schemas[context].load_issues(values, number)
        entries.append(
            {"row": number, "context": context, "cells": encode(values), **outcome(data, issues)}
        )
    return save_corpus(PATH, entries)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the stored corpus")
    if parser.parse_args().write:
        print(f"{write()} rows written to {PATH}")
