"""Validation of one mutation-sheet row (contract §3 columns, §5 mutation.* codes): pure.

`MutationRowSchema` (marshmallow, as the roster's rows) reads the cells of one row and gives
the loaded values (or None when a cell has an error) and the issues, each with the sheet row
and its column key, in sheet-column order; the web job and the CLI load rows with
`load_mutation_row` (through `mutations.importer.item_from_row`). It never raises on cell
values. Whether the NIK belongs to the employer (mutation.unknown_nik) and whether the
mutation fits the person (`rules.plan_mutation`) are checked later, with the database;
`to_request` turns a loaded row into a `rules.Request`.

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
  and "Cerai mati" (widowed: MENINGGAL of the worker, not CERAI) are not accepted. BEKERJA
  (Sudah bekerja, Bekerja sendiri, Ditanggung kantor sendiri, Employed), DIHENTIKAN (Berhenti
  ditanggung, Stop iuran tambahan, Discontinued).
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
  (`notes.NOTE_MESSAGES`), and dropped without an issue when not.
* NIK: `edabu_lite.identity.parse_nik`; its errors (nik.*) are reported, its warnings are not
  (the roster upload that stored the person already showed them). An empty NIK is
  nik.required with ``problem="mutation"``, whose message says that a newborn still without
  a NIK cannot be named in a mutation sheet before a roster upload gives them one.
* Tanggal Kejadian: read as the TMT; required for PHK and MENINGGAL, which the rules check (a
  version 1 sheet without the column still reads). No Surat Kematian: text, cut at
  `CERTIFICATE_MAX` characters.
* Keterangan: free text, whitespace runs collapsed, cut at `NOTE_MAX` characters (there is no
  note.* code); numbers become text, other cells are dropped.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

from marshmallow import fields, missing, validates_schema

from edabu_lite.identity.fields import NIK, IssueSchema, issue_error
from edabu_lite.issues import Issue
from edabu_lite.mutations.kinds import KINDS
from edabu_lite.mutations.rules import MANDIRI_CLASSES, PhkProof, Reason, Request
from edabu_lite.roster.cells import parse_date_cell  # both sheets read dates alike
from edabu_lite.sheets.columns import MUTATION_COLUMNS, header_key

#: The parsed row's keys, in sheet order (contract §3).
MUTATION_ROW_KEYS: Final = tuple(spec.key for spec in MUTATION_COLUMNS)
NOTE_MAX: Final = 500
CERTIFICATE_MAX: Final = 50

_COLUMN_ORDER: Final = {key: index for index, key in enumerate(MUTATION_ROW_KEYS)}


def _words(table: Mapping[object, Iterable[str]]) -> dict[str, object]:
    return {header_key(word): value for value, words in table.items() for word in words}


_KINDS: Final = _words({kind: spec.words for kind, spec in KINDS.items()})

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
        Reason.BEKERJA: (
            "BEKERJA", "Sudah Bekerja", "Bekerja Sendiri", "Ditanggung Kantor Sendiri",
            "Employed",
        ),
        Reason.DIHENTIKAN: (
            "DIHENTIKAN", "Berhenti Ditanggung", "Stop Iuran Tambahan", "Discontinued",
        ),
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


def _certificate(value: object) -> str | None:
    """A death certificate's number as written (letters, digits, dots, slashes)."""
    text = _note(value)
    return text[:CERTIFICATE_MAX] if text else None


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


class _Cell(fields.Field):
    """One mutation-sheet cell read by ``read``; what the row's kind makes of it (required,
    ignored, wrong) is `MutationRowSchema`'s row rule, which sees the raw cells too."""

    def __init__(self, read, **kwargs: Any) -> None:  # type: ignore[no-untyped-def]
        super().__init__(required=False, allow_none=True, **kwargs)
        self.read = read

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.read(None if value is missing else value)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


class _Date(fields.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_none=True, **kwargs)

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        column = attr or "effective_date"
        parsed, issue = parse_date_cell(
            None if value is missing else value, "mutation.date_invalid", column, None
        )
        if issue is not None:
            raise issue_error(issue, column=column)
        return parsed

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


def _found(table: Mapping[str, object]):  # type: ignore[no-untyped-def]
    return lambda value: _lookup(table, value)[0]


class MutationRowSchema(IssueSchema):
    """One mutation-sheet row (contract §3); ``load_issues(raw, row)`` gives ``(row or None
    when any error, issues)``. The loaded row has every key of `MUTATION_ROW_KEYS`: nik (str),
    kind (`MutationKind`), reason (`Reason` or None), effective_date (date or None), mandiri_class
    (1-3 or None), phk_proof (`PhkProof` or None), note (str or None)."""

    # The upload that stored them showed the NIK's warnings. Not required as a field: an
    # empty NIK is nik.required with a message of its own (`_fits_the_kind`).
    nik = NIK(required=False, warnings=False)
    kind = _Cell(_found(_KINDS))
    reason = _Cell(_found(_REASONS))
    effective_date = _Date()
    mandiri_class = _Cell(lambda value: _mandiri_class(value)[0])
    phk_proof = _Cell(_found(_PROOFS))
    note = _Cell(_note)
    event_date = _Date()
    death_certificate = _Cell(_certificate)

    def __init__(self, *, today: date, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields["nik"].today = today  # type: ignore[attr-defined]

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _fits_the_kind(self, data: dict[str, Any], original: Mapping[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
        """What each kind needs of the other cells (the module docstring's decisions)."""
        get = original.get
        kind = data.get("kind")
        errors = []
        if "nik" in data and data["nik"] is None:
            # says too that a newborn still without a NIK cannot be named here yet
            errors.append(Issue("nik.required", "nik", None, {"problem": "mutation"}))
        if kind is None:
            problem = "required" if _lookup(_KINDS, get("kind"))[1] else "unknown"
            errors.append(Issue("mutation.kind_invalid", "kind", None, {"problem": problem}))
        spec = KINDS.get(kind)  # None when the kind is unknown: every cell is checked
        if data.get("reason") is None and (spec is None or spec.reason != "unused"):
            if not _lookup(_REASONS, get("reason"))[1]:
                errors.append(_reason_issue("reason", "unknown"))
            elif spec is not None and spec.reason == "required":
                errors.append(_reason_issue("reason", "required"))
        if data.get("mandiri_class") is None and spec is not None and spec.needs_class:
            problem = "required" if _mandiri_class(get("mandiri_class"))[1] else "invalid"
            errors.append(
                Issue("mutation.class_required", "mandiri_class", None, {"problem": problem})
            )
        proof_given = not _lookup(_PROOFS, get("phk_proof"))[1]
        if data.get("phk_proof") is None and proof_given and (spec is None or spec.takes_proof):
            errors.append(_reason_issue("phk_proof", "phk_proof"))
        if errors:
            raise issue_error(*errors)


def _reason_issue(column: str, problem: str) -> Issue:
    return Issue("mutation.reason_invalid", column, None, {"problem": problem})


@functools.lru_cache(maxsize=4)
def row_schema(today: date) -> MutationRowSchema:
    """The schema a mutation sheet's rows are loaded with: one per day."""
    return MutationRowSchema(today=today)


def load_mutation_row(
    values: Mapping[str, object], row: int, *, today: date
) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Validate one mutation-sheet row: ``(loaded row or None when any error, issues)``, the
    issues in sheet-column order with ``row`` and their column key. Never raises on cells."""
    return row_schema(today).load_issues(values, row)


def to_request(
    parsed: Mapping[str, object],
    *,
    exclude: frozenset[int] = frozenset(),
    include: frozenset[int] | None = None,
) -> Request:
    """The `rules.Request` of a row loaded by `MutationRowSchema` (``exclude``/``include``
    come from the preview, not from the sheet)."""
    return Request(
        kind=parsed["kind"],  # type: ignore[arg-type]
        reason=parsed.get("reason"),  # type: ignore[arg-type]
        effective_date=parsed.get("effective_date"),  # type: ignore[arg-type]
        mandiri_class=parsed.get("mandiri_class"),  # type: ignore[arg-type]
        phk_proof=parsed.get("phk_proof"),  # type: ignore[arg-type]
        event_date=parsed.get("event_date"),  # type: ignore[arg-type]
        death_certificate=parsed.get("death_certificate"),  # type: ignore[arg-type]
        exclude=exclude,
        include=include,
    )


__all__ = [
    "MUTATION_ROW_KEYS",
    "NOTE_MAX",
    "MutationRowSchema",
    "load_mutation_row",
    "to_request",
]
