"""The mutation-row regression corpus: 4,000 mutation-sheet rows built from the words sheets
use for each column (right, misspelt, empty and odd cells, in any combination), each with
the data and the issues the row validator gave for it.

Written by the hand-written ``validate_mutation_row`` that ran before `MutationRowSchema`
replaced it, after both were checked to agree on every row; `test_row_corpus` holds the
schema to it; version 2 of the sheet added two columns the stored rows leave empty, so their
loaded data gained ``event_date`` and ``death_certificate`` (None), nothing else. Rewrite it
only for a deliberate rule change, and read the diff:

    python -m tests.mutations.row_corpus --write
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from edabu_lite.demo_data import generate_families
from edabu_lite.mutations.sheet import load_mutation_row
from tests.roster.row_corpus import ODD_CELLS, decode, encode, outcome, read_corpus, save_corpus

PATH = Path(__file__).parent / "row_corpus.json.gz"
#: The columns of version 1 of the sheet, which the stored rows fill (later columns are empty).
KEYS = ("nik", "kind", "reason", "effective_date", "mandiri_class", "phk_proof", "note")
TODAY = date(2026, 11, 22)

WORDS: dict[str, tuple[object, ...]] = {
    "kind": (
        "NONAKTIF", "Non Aktif", "nonaktifkan", "Tidak Aktif", "Deactivate", "PINDAH_MANDIRI",
        "Pindah ke Mandiri", "pindah-mandiri", "PBPU", "AKTIFKAN", "Aktif Kembali", "Reaktivasi",
        "Activate", "Keluar", "Hapus", "", None, 1,
    ),
    "reason": (
        "PHK", "Di-PHK", "Pemutusan Hubungan Kerja", "Laid off", "MENGUNDURKAN_DIRI", "Resign",
        "Undur diri", "HABIS_KONTRAK", "Kontrak habis", "End of contract", "PENSIUN",
        "Purna tugas", "MENINGGAL", "Wafat", "USIA", "Batas usia", "MENIKAH", "Sudah menikah",
        "CERAI", "Cerai hidup", "Cerai mati", "Keluar", "", None, 3,
    ),
    "effective_date": (
        date(2026, 12, 1), datetime(2027, 1, 1), "01-12-2026", "1/12/2026", "2026-12-01",
        "01.12.2026", "31-11-2026", "01-12-26", 46357, 46357.0, 60, "", None, "besok",
    ),
    "mandiri_class": (
        1, 2, 3, 4, 0, 2.0, "1", "2,00", "III", "Kelas 2", "Kls II", "Class 3", "Kelas 4", "",
        None, True,
    ),
    "phk_proof": (
        "A", "b", "(c)", "a.", "Bukti A", "Huruf B", "Poin C", "Butir A", "D", "Surat PHK", "",
        None, 1,
    ),
    "note": (None, "", "Resign per 30 Nov", "  banyak   spasi  ", 12345, 1.5, "x" * 600, True),
}  # fmt: skip


def build_inputs() -> Iterator[dict[str, object]]:
    """The corpus rows' cells, always the same."""
    rng = random.Random(51205)
    niks = [row["nik"] for row in generate_families(600, seed=512, today=TODAY)]
    niks += ["", None, "3201014508900000", "32010145089", 3201014508900001, "'3201014508900001"]
    for _ in range(4_000):
        values: dict[str, object] = {"nik": rng.choice(niks)}
        for key in KEYS[1:]:
            if rng.random() < 0.85:
                values[key] = rng.choice(WORDS[key])
        if rng.random() < 0.25:
            values[rng.choice(KEYS)] = rng.choice(ODD_CELLS)
        yield values


def load() -> list[dict[str, Any]]:
    return read_corpus(PATH)


def write() -> int:
    entries = []
    for number, values in enumerate(build_inputs(), start=2):
        data, issues = load_mutation_row(values, number, today=TODAY)
        entries.append({"row": number, "cells": encode(values), **outcome(data, issues)})
    return save_corpus(PATH, entries)


__all__ = ["build_inputs", "decode", "encode", "load", "write"]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the stored corpus")
    if parser.parse_args().write:
        print(f"{write()} rows written to {PATH}")
