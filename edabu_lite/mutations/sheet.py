"""Validation of one mutation-sheet row (contract §3 columns, §5 mutation.* codes): pure.

`validate_mutation_row` reads the cells of one row and returns the parsed values (or None when a
cell has an error) and the issues, each with the sheet row and its column key, in sheet-column
order. It never raises on cell values. Whether the NIK belongs to the employer
(mutation.unknown_nik) and whether the mutation fits the person (`rules.plan_mutation`) are
checked later, with the database; `to_request` turns a parsed row into a `rules.Request`.

Decisions:

* Coded cells match case-, space- and punctuation-insensitively (``sheets.columns.header_key``),
  so "Pindah Mandiri", "pindah-mandiri" and "PINDAH_MANDIRI" are the same word.
  Kind: NONAKTIF (also Non Aktif, Nonaktifkan, Dinonaktifkan, Tidak Aktif, Deactivate, Inactive),
  PINDAH_MANDIRI (Pindah ke Mandiri, Mandiri, Pindah PBPU, Pindah ke PBPU, PBPU, Move to
  Mandiri), AKTIFKAN (Aktifkan Kembali, Aktif Kembali, Aktif, Reaktivasi, Reactivate, Activate).
  Reason: PHK (Pemutusan Hubungan Kerja, Di-PHK, Dismissed, Laid off), MENGUNDURKAN_DIRI
  (Mengundurkan diri, Undur diri, Resign, Resigned), HABIS_KONTRAK (Habis kontrak, Kontrak
  habis/berakhir/selesai, Selesai kontrak, Akhir kontrak, End of contract, Contract ended),
  PENSIUN (Purna tugas, Retired, Retirement), MENINGGAL (Meninggal dunia, Wafat, Deceased, Died,
  Death), USIA (Batas usia, Melebihi batas usia, Lewat usia, Aged out), MENIKAH (Kawin, Sudah
  menikah, Married), CERAI (Bercerai, Cerai hidup, Divorced). "Keluar" (resigned or dismissed?)
  and "Cerai mati" (widowed: MENINGGAL of the worker, not CERAI) are not accepted.
* An empty or unknown kind is mutation.kind_invalid (``problem`` required/unknown).
* Reason: required for NONAKTIF (empty: mutation.reason_invalid, ``problem="required"``),
  optional for PINDAH_MANDIRI, unused by AKTIFKAN. Whether it fits the person (worker or
  dependant reason) needs the database: `rules.plan_mutation` checks it.
* TMT: a date cell, an Excel serial, or text DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY, YYYY-MM-DD with a
  4-digit year, read exactly as the roster's dates; anything else is mutation.date_invalid with
  the roster's ``problem`` param (two_digit_year, impossible_date, ...). Empty: None (the rules
  use the default TMT). The TMT's bounds need the person: the rules check them.
* Kelas Mandiri: 1, 2, 3 (numbers or text), I, II, III, "Kelas 1", "Kls II", "Class 3".
  Required for PINDAH_MANDIRI: empty or anything else is mutation.class_required.
* Bukti PHK: A, B or C, also lower case, "(a)", "a.", "Bukti A", "Huruf B", "Poin C", "Butir A".
  Anything else on a NONAKTIF row (or a row whose kind is unknown) is mutation.reason_invalid on
  ``phk_proof`` (``problem="phk_proof"``): there is no code of its own, and silently dropping it
  would deny a dismissed worker their continued coverage.
* A cell the row's kind does not use (mandiri_class on NONAKTIF, phk_proof on PINDAH_MANDIRI or
  AKTIFKAN, reason on AKTIFKAN) is passed on when readable, so the preview can say it is ignored
  (`rules.NOTE_MESSAGES`), and dropped without an issue when not.
* NIK: `edabu_lite.identity.parse_nik`; its errors (nik.*) are reported, its warnings are not
  (the roster upload that stored the person already showed them).
* Keterangan: free text, whitespace runs collapsed, cut at `NOTE_MAX` characters (there is no
  note.* code); numbers become text, other cells are dropped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Final

from edabu_lite.identity import parse_nik
from edabu_lite.issues import Issue
from edabu_lite.mutations.rules import MANDIRI_CLASSES, Kind, PhkProof, Reason, Request
from edabu_lite.roster.schemas import parse_date_cell  # both sheets read dates alike
from edabu_lite.sheets.columns import MUTATION_COLUMNS, header_key

#: The parsed row's keys, in sheet order (contract §3).
MUTATION_ROW_KEYS: Final = tuple(spec.key for spec in MUTATION_COLUMNS)
NOTE_MAX: Final = 500

_COLUMN_ORDER: Final = {key: index for index, key in enumerate(MUTATION_ROW_KEYS)}


def _words(table: Mapping[object, Iterable[str]]) -> dict[str, object]:
    return {header_key(word): value for value, words in table.items() for word in words}


_KINDS: Final = _words(
    {
        Kind.DEACTIVATE: (
            "NONAKTIF", "Non Aktif", "Nonaktifkan", "Non Aktifkan", "Dinonaktifkan",
            "Tidak Aktif", "Deactivate", "Deactivated", "Inactive",
        ),
        Kind.MOVE_TO_MANDIRI: (
            "PINDAH_MANDIRI", "Pindah ke Mandiri", "Mandiri", "Pindah PBPU", "Pindah ke PBPU",
            "PBPU", "Move to Mandiri",
        ),
        Kind.REACTIVATE: (
            "AKTIFKAN", "Aktifkan Kembali", "Aktif Kembali", "Aktif", "Reaktivasi", "Reaktifasi",
            "Reactivate", "Activate",
        ),
    }
)  # fmt: skip

_REASONS: Final = _words(
    {
        Reason.PHK: (
            "PHK", "Pemutusan Hubungan Kerja", "Di PHK", "Kena PHK", "Dismissed", "Dismissal",
            "Laid off",
        ),
        Reason.MENGUNDURKAN_DIRI: (
            "MENGUNDURKAN_DIRI", "Undur Diri", "Resign", "Resigned", "Resignation",
        ),
        Reason.HABIS_KONTRAK: (
            "HABIS_KONTRAK", "Kontrak Habis", "Kontrak Berakhir", "Kontrak Selesai",
            "Selesai Kontrak", "Akhir Kontrak", "Berakhir Kontrak", "End of Contract",
            "Contract Ended",
        ),
        Reason.PENSIUN: ("PENSIUN", "Purna Tugas", "Purnabakti", "Retired", "Retirement"),
        Reason.MENINGGAL: (
            "MENINGGAL", "Meninggal Dunia", "Wafat", "Deceased", "Died", "Death",
        ),
        Reason.USIA: (
            "USIA", "Batas Usia", "Melebihi Batas Usia", "Lewat Usia", "Lewat Batas Usia",
            "Aged Out",
        ),
        Reason.MENIKAH: ("MENIKAH", "Kawin", "Sudah Menikah", "Sudah Kawin", "Married"),
        Reason.CERAI: ("CERAI", "Bercerai", "Cerai Hidup", "Divorced", "Divorce"),
    }
)  # fmt: skip

_CLASSES: Final = _words(
    {
        number: (
            str(number), roman, f"Kelas {number}", f"Kelas {roman}", f"Kls {number}",
            f"Kls {roman}", f"Class {number}",
        )
        for number, roman in ((1, "I"), (2, "II"), (3, "III"))
    }
)  # fmt: skip

_CLASS_NUMBER: Final = re.compile(r"([1-3])(?:[.,]0+)?", re.ASCII)

_PROOFS: Final = _words(
    {
        proof: tuple(
            f"{prefix} {proof.value}" for prefix in ("", "Bukti", "Huruf", "Poin", "Butir")
        )
        for proof in PhkProof
    }
)


def _text_key(value: object) -> str | None:
    """The folded word of a text cell; "" for an empty one; None for a non-text cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return header_key(value)
    return None


def _lookup(table: Mapping[str, object], value: object) -> tuple[object, bool]:
    """``(found value or None, cell was empty)``."""
    key = _text_key(value)
    if key == "":
        return None, True
    if key is None:
        return None, False
    return table.get(key), False


def _mandiri_class(value: object) -> tuple[int | None, bool]:
    """``(1, 2, 3 or None, cell was empty)``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return None, True
        return (int(value), False) if value in MANDIRI_CLASSES else (None, False)
    if isinstance(value, str):
        number = _CLASS_NUMBER.fullmatch(value.strip())
        if number is not None:
            return int(number[1]), False  # "2", "2.0", "2,00" (header_key would drop the dot)
    found, empty = _lookup(_CLASSES, value)
    return found, empty  # type: ignore[return-value]


def _note(value: object) -> str | None:
    if isinstance(value, str):
        text = " ".join(value.split())
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float) and math.isfinite(value):
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        return None
    return text[:NOTE_MAX] or None


def validate_mutation_row(
    values: Mapping[str, object], row: int, *, today: date
) -> tuple[dict[str, object] | None, list[Issue]]:
    """Validate one mutation-sheet row: ``(parsed row or None when any error, issues)``.

    ``values`` maps contract keys to raw cells (a missing key is an empty cell). The parsed row
    has every key of `MUTATION_ROW_KEYS`: nik (str), kind (`Kind`), reason (`Reason` or None),
    effective_date (date or None), mandiri_class (1-3 or None), phk_proof (`PhkProof` or None),
    note (str or None). Never raises on cell values.
    """
    get = values.get
    issues: list[Issue] = []
    out: dict[str, object] = dict.fromkeys(MUTATION_ROW_KEYS)

    nik = parse_nik(get("nik"), today=today, row=row)
    issues.extend(issue for issue in nik.issues if issue.is_error)
    out["nik"] = nik.value if nik.parts is not None else None

    kind, empty = _lookup(_KINDS, get("kind"))
    if kind is None:
        problem = "required" if empty else "unknown"
        issues.append(Issue("mutation.kind_invalid", "kind", row, {"problem": problem}))
    out["kind"] = kind

    reason, empty = _lookup(_REASONS, get("reason"))
    if reason is None and kind != Kind.REACTIVATE:
        if not empty:
            issues.append(Issue("mutation.reason_invalid", "reason", row, {"problem": "unknown"}))
        elif kind == Kind.DEACTIVATE:
            issues.append(Issue("mutation.reason_invalid", "reason", row, {"problem": "required"}))
    out["reason"] = reason

    effective_date, date_issue = parse_date_cell(
        get("effective_date"), "mutation.date_invalid", "effective_date", row
    )
    if date_issue is not None:
        issues.append(date_issue)
    out["effective_date"] = effective_date

    mandiri_class, empty = _mandiri_class(get("mandiri_class"))
    if mandiri_class is None and kind == Kind.MOVE_TO_MANDIRI:
        problem = "required" if empty else "invalid"
        issues.append(Issue("mutation.class_required", "mandiri_class", row, {"problem": problem}))
    out["mandiri_class"] = mandiri_class

    proof, empty = _lookup(_PROOFS, get("phk_proof"))
    if proof is None and not empty and kind in (Kind.DEACTIVATE, None):
        issues.append(Issue("mutation.reason_invalid", "phk_proof", row, {"problem": "phk_proof"}))
    out["phk_proof"] = proof

    out["note"] = _note(get("note"))

    if issues:
        issues.sort(key=lambda issue: _COLUMN_ORDER.get(issue.column or "", len(_COLUMN_ORDER)))
        if any(issue.is_error for issue in issues):
            return None, issues
    return out, issues


def to_request(
    parsed: Mapping[str, object],
    *,
    exclude: frozenset[int] = frozenset(),
    include: frozenset[int] | None = None,
) -> Request:
    """The `rules.Request` of a row parsed by `validate_mutation_row` (``exclude``/``include``
    come from the preview, not from the sheet)."""
    return Request(
        kind=parsed["kind"],  # type: ignore[arg-type]
        reason=parsed.get("reason"),  # type: ignore[arg-type]
        effective_date=parsed.get("effective_date"),  # type: ignore[arg-type]
        mandiri_class=parsed.get("mandiri_class"),  # type: ignore[arg-type]
        phk_proof=parsed.get("phk_proof"),  # type: ignore[arg-type]
        exclude=exclude,
        include=include,
    )


__all__ = ["MUTATION_ROW_KEYS", "NOTE_MAX", "to_request", "validate_mutation_row"]
