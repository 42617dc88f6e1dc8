"""Validation of one roster row (contract §2 columns, §5 issue codes): pure, no Flask, no database.

`RosterRowSchema` is the validator, for the import (web, CLI and jobs, one instance per
import: `row_schema`, `load_row`) and for single rows: its fields call the cell parsers of
`roster.cells` and `roster.words` and the identity parsers directly, its schema hook runs the
row-level rules, and it reports `Issue` objects (`IssueSchema.load_issues`).
``tests/roster/row_corpus.json.gz`` holds 6,000 sheet rows with the outcome each must keep.

Cells arrive as an xlsx reader gives them (str, int, float, bool, date, datetime, None; a float
NaN counts as empty). A cell of any other type never raises: it is reported like a badly
written cell, or ignored in columns that have no issue code.

Decisions where the contract leaves room (each one is tested in tests/roster/test_rules.py):

* Identity cells use the identity parsers: nik.*, kk.* (kk.same_as_nik included), card_number.*.
  The worker's NIK (``worker_nik``) is parsed like a NIK and reports nik.* errors in column
  ``worker_nik``; its *warnings* (nik.region) are dropped there, since the worker's own row (or
  the earlier import that stored the worker) already reports them.
* An empty NIK is nik.required, except on a child (Anak) born at most ``ctx.newborn_days``
  (`NEWBORN_DAYS`, 90) days before ``ctx.today``: nik.newborn_pending, a warning, and the row
  loads with ``nik`` None (the import then finds the child by worker, name and birth date).
  A child born earlier gets nik.required with ``problem="newborn_window"``, whose message
  says the newborn window is past. A birth date that does not parse (or lies in the future)
  leaves the plain nik.required beside its own error.
* A worker row (Peserta) must leave ``worker_nik`` empty, else family.not_dependant. Exception:
  the worker's *own* NIK repeated there, which many HR sheets do, is accepted and stored as
  None. A dependant row with an empty ``worker_nik`` gets family.worker_missing (its message
  tells the user to fill NIK Peserta Utama; nik.required would talk about "the NIK").
* Name: letters of any script, spaces, dots, commas, hyphens and apostrophes (curly ones are
  stored as ``'``); at least one letter; no digits, control characters or other symbols; at
  most 200 characters (the database column). Inner runs of spaces are collapsed.
* Dates (birth_date, start_date): a date/datetime cell; an Excel serial number 1..60000 (1900
  date system; serial 60 is Excel's non-existent 29-02-1900 and is rejected; serials 1900..2100
  are rejected as a year typed without day and month); text DD-MM-YYYY, D-M-YYYY, DD/MM/YYYY,
  DD.MM.YYYY or YYYY-MM-DD (also with / or .), optionally followed by a 00:00:00 time. Two-digit
  years, impossible dates (31-02-1990) and years before 1900 are ``<column>.format``. Format
  issues carry a machine-readable ``problem`` param (two_digit_year, impossible_date,
  before_1900, year_only, excel_1900_02_29, unreadable, required): the catalogue messages have no
  placeholder for it, so the message stays the catalogue's (it already asks for 4-digit years).
* The TMT (start_date) is required on worker rows; the catalogue has no start_date.required, so
  an empty TMT there is start_date.format with ``problem="required"``. Dependants may give a
  TMT (a child born later is covered from the month of birth) or leave it empty.
* Sex: L, P, Laki-laki (any spacing/hyphen), Laki, Lelaki, Pria, Perempuan, Wanita, and the
  English Male/Female/M/F (no Indonesian sex word starts with M or F, so they are unambiguous);
  case-insensitive. Empty is sex.invalid (no .required code).
* Marital status: the four Dukcapil words plus Menikah/Sudah Menikah/Sudah Kawin/Kawin Tercatat/
  Kawin Belum Tercatat/Married -> Kawin; Belum Menikah/Tidak Kawin/Lajang/Single -> Belum Kawin;
  Divorced -> Cerai Hidup; Widowed/Widow/Widower -> Cerai Mati. Janda, Duda and Cerai alone are
  ambiguous (divorced or widowed): marital_status.invalid with ``problem="ambiguous"``, whose
  message lists the four right words.
* Relationship: Peserta, also Pekerja, Karyawan/Karyawati, Pegawai, Peserta Utama, PU, Diri
  Sendiri, YBS, Worker, Employee, Self. Kepala Keluarga is *not* accepted (the head of the KK
  is not necessarily the worker: it may be the worker's husband or father):
  relationship.invalid with ``problem="ambiguous"``. Suami/Husband; Istri/Isteri/Wife; Anak,
  Anak Kandung/Tiri/Angkat, Anak ke-N, Child/Son/Daughter -> Anak; Ayah/Bapak/Father; Ibu/Mother;
  Mertua, Bapak/Ayah/Ibu Mertua, parent-in-law -> Mertua. Orang Tua/Ortu/Parent and
  Pasangan/Spouse are resolved with the row's sex (Ayah/Ibu, Suami/Istri); with no valid sex
  they are relationship.invalid. Dukcapil words that no PPU contribution covers (Menantu, Cucu,
  Famili Lain, Pembantu, Lainnya, Saudara, Kakak, Adik, Ipar, Keponakan, Paman, Bibi, Kakek,
  Nenek...) are family.not_dependant, whose message says to register them as mandiri.
* Wage: required on worker rows; 0 counts as empty (wage.required). Numbers must be whole and
  not negative (wage.format); at most Rp 1 trillion. Text may carry "Rp"/"IDR" and thousands
  separators when the groups are exactly 3 digits ("Rp 5.000.000", "5,000,000", "5 000 000"),
  and a zero decimal part (",00", ",-", ".00"); anything else ("5,5 juta", "5.000.000,50",
  "5000.000") is wage.format. A single group ("5.000" or "5,000") reads as thousands: Rupiah
  has no decimals in practice. Dependants' wage cells are ignored entirely (stored as None).
* Care class: 1, 2, 1.0, "1", "Kelas 1", "Kls 2", "I", "II", "Kelas II"; empty or anything else
  is care_class.invalid. care_class.wage_mismatch compares with the entitlement from the
  contribution base, the wage floored at the minimum wage (``base > ctx.class1_wage_threshold``
  -> 1, else 2), on worker rows only: a wage below the minimum is wage.below_minimum alone,
  not also a class that contradicts it.
* Spouses: family.spouse_mismatch (warning) when a Suami's sex is P or an Istri's L (column
  ``sex``), or a spouse's Status Kawin is not Kawin (``marital_status``).
* Faskes code: spaces removed, upper-cased, must then be 4 digits + 1 letter + 3 digits
  (clinics, practices, hospitals) or 8 digits (puskesmas), in a text cell; empty is
  faskes_code.format with ``problem="required"``.
* Phone (warning only): separators and brackets removed, +62/62 -> 0, a number that lost its
  leading 0 (a numeric cell 81234567890) gets it back; valid when 08 followed by 8-11 digits
  (10-13 digits in all, the length of Indonesian mobile numbers). Invalid text is kept as
  typed (stripped, at most 30 characters) since a warning does not block the row.
* Email (warning only): a plain ``local@domain.tld`` check; the domain is lower-cased; invalid
  text is kept as typed.
* In school: Ya/Y/Yes/True/1/Masih/Sekolah/Kuliah/Pelajar/Mahasiswa -> True; Tidak/Tdk/T/No/N/
  False/0/Bukan -> False; empty -> None. Anything else is stored as None with *no* issue: it
  only matters for a child aged 21-24, and then family.child_age tells the user to write Ya.
* Birth place and employee number are free text with no issue code: numbers are turned into
  text, other non-text cells are dropped, and they are cut at the database column sizes (100
  and 50). The employee number is not required (there is no employee_number.* code).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from marshmallow import fields, missing, post_load, validates_schema

from edabu_lite.identity import (
    KK,
    NIK,
    CardNumber,
    IssueSchema,
    check_kk_not_nik,
    check_nik_against_row,
    classify_cell,
    issue_error,
    parse_kk,
    parse_nik,
    report_warning,
)
from edabu_lite.identity.normalise import DIGITS
from edabu_lite.issues import Issue
from edabu_lite.roster.cells import (
    _REQUIRED,
    CHILD,
    HUSBAND,
    MARRIED,
    ROW_KEYS,
    WIFE,
    WORKER,
    RowContext,
    _Bad,
    _parse_birth_date,
    _parse_birth_place,
    _parse_employee_number,
    _parse_name,
    _parse_start_date,
)
from edabu_lite.roster.words import (
    _parse_care_class,
    _parse_email,
    _parse_faskes_code,
    _parse_in_school,
    _parse_marital_status,
    _parse_phone,
    _parse_relationship,
    _parse_relationship_alone,
    _parse_sex,
    _parse_wage,
    _relationship_or_none,
    _sex_or_none,
)

# --- the cells without a field class of their own -------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cell:
    key: str
    parse: Callable[[object, RowContext], object]
    empty_code: str | None = None  # the issue for an empty cell on every row, if it is required
    empty_params: Mapping[str, object] | None = None


_SIMPLE_CELLS: Final = (
    _Cell("name", _parse_name, "name.required"),
    _Cell("birth_place", _parse_birth_place),
    _Cell("birth_date", _parse_birth_date, "birth_date.required"),
    _Cell("sex", _parse_sex, "sex.invalid"),
    _Cell("marital_status", _parse_marital_status),
    _Cell("employee_number", _parse_employee_number),
    _Cell("care_class", _parse_care_class),
    _Cell("faskes_code", _parse_faskes_code),
    _Cell("start_date", _parse_start_date),
    _Cell("phone", _parse_phone),
    _Cell("email", _parse_email),
    _Cell("in_school", _parse_in_school),
)
_COLUMN_ORDER: Final = {key: index for index, key in enumerate(ROW_KEYS)}


def _empty_issue(cell: _Cell, column: str, row: int | None) -> Issue:
    code = cell.empty_code or ""
    if cell.empty_params:
        return Issue(code, column, row, cell.empty_params)
    return Issue(code, column, row)


def _column_order(issue: Issue) -> int:
    return _COLUMN_ORDER.get(issue.column or "", len(_COLUMN_ORDER))


def _digits(value: object) -> str | None:
    kind, digits = classify_cell(value)
    return digits if kind == DIGITS else None


def _row_rules(
    data: Mapping[str, Any],
    raw_nik: object,
    nik_parts: Any,
    ctx: RowContext,
    row: int | None,
) -> list[Issue]:
    """Checks across cells of one row. ``data`` holds the cells that parsed (failed ones absent)."""
    issues: list[Issue] = []
    if nik_parts is not None:
        birth_date, sex = data.get("birth_date"), data.get("sex")
        nik_date = nik_parts.birth_date
        if not (  # the common case, checked here without building anything
            sex == nik_parts.sex
            and birth_date is not None
            and birth_date.day == nik_date.day
            and birth_date.month == nik_date.month
            and birth_date.year % 100 == nik_date.year % 100
        ) and (birth_date is not None or sex is not None):
            issues.extend(check_nik_against_row(nik_parts, birth_date=birth_date, sex=sex, row=row))
    relationship = data.get("relationship")
    if relationship in (HUSBAND, WIFE):
        issues.extend(_spouse_rules(data, relationship, row))
    if relationship == WORKER:
        worker_nik = data.get("worker_nik")
        if worker_nik is not None and worker_nik != _digits(raw_nik):
            issues.append(Issue("family.not_dependant", "worker_nik", row))
        if "wage" in data:
            wage = data["wage"]
            if not wage:
                issues.append(Issue("wage.required", "wage", row))
            else:
                if ctx.minimum_wage is not None and wage < ctx.minimum_wage:
                    params = {"wage": _rupiah(wage), "minimum": _rupiah(ctx.minimum_wage)}
                    issues.append(Issue("wage.below_minimum", "wage", row, params))
                care_class = data.get("care_class")
                if care_class is not None:
                    base = max(wage, ctx.minimum_wage or 0)
                    expected = 1 if base > ctx.class1_wage_threshold else 2
                    if care_class != expected:
                        params = {"care_class": care_class, "expected": expected}
                        issues.append(Issue("care_class.wage_mismatch", "care_class", row, params))
        if "start_date" in data and data["start_date"] is None:
            issues.append(Issue("start_date.format", "start_date", row, _REQUIRED))
    elif relationship is not None and "worker_nik" in data and data["worker_nik"] is None:
        issues.append(Issue("family.worker_missing", "worker_nik", row))
    return issues


def _missing_nik(data: Mapping[str, Any], ctx: RowContext) -> Issue:
    """An empty NIK: nik.newborn_pending (a warning) for a child born at most
    ``ctx.newborn_days`` days ago, else nik.required, which says the newborn window is past
    for an older child. A row whose relationship or birth date did not parse gets the plain
    nik.required beside the cell's own error."""
    birth_date = data.get("birth_date")
    if data.get("relationship") != CHILD or birth_date is None:
        return Issue("nik.required", "nik")
    if (ctx.today - birth_date).days <= ctx.newborn_days:  # never negative: birth_date.future
        return Issue("nik.newborn_pending", "nik")
    return Issue(
        "nik.required", "nik", None, {"problem": "newborn_window", "days": ctx.newborn_days}
    )


def _spouse_rules(data: Mapping[str, Any], relationship: str, row: int | None) -> list[Issue]:
    """A husband is a man, a wife a woman, and both are married (warnings: a typo in one of
    three cells, which the user should look at, not a refusal)."""
    issues = []
    sex, marital = data.get("sex"), data.get("marital_status")
    if sex is not None and sex != ("L" if relationship == HUSBAND else "P"):
        issues.append(Issue("family.spouse_mismatch", "sex", row, {"problem": "sex"}))
    if marital is not None and marital != MARRIED:
        issues.append(
            Issue("family.spouse_mismatch", "marital_status", row, {"problem": "marital"})
        )
    return issues


def _rupiah(amount: int) -> str:
    """5500000 -> '5.500.000' (Indonesian thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def partial_member_values(
    values: Mapping[str, object], today: date | None = None
) -> dict[str, object]:
    """For a row that failed validation: what the family checks need, as far as it is readable.

    Keys ``nik``, ``kk``, ``relationship``, ``worker_nik``, ``birth_date``, ``in_school``,
    ``marital_status``; each is the parsed value when that cell parses on its own, else None.
    A NIK/KK with the right shape (16 digits) is kept even if a later check failed (serial
    0000, unknown province): enough to find duplicates and families. Never raises.
    """
    today = today or date.today()
    get = values.get
    nik = parse_nik(get("nik"), today=today).value
    kk = parse_kk(get("kk"), today=today).value
    worker_nik = parse_nik(get("worker_nik"), today=today, column="worker_nik").value
    ctx = RowContext(today=today)
    return {
        "nik": nik,
        "kk": kk,
        "relationship": _relationship_or_none(get("relationship"), _sex_or_none(get("sex"))),
        "worker_nik": worker_nik,
        "birth_date": _parsed_or_none(_parse_birth_date, get("birth_date"), ctx),
        "in_school": _parse_in_school(get("in_school"), ctx),
        "marital_status": _parsed_or_none(_parse_marital_status, get("marital_status"), ctx),
    }


def _parsed_or_none(
    parse: Callable[[object, RowContext], object], value: object, ctx: RowContext
) -> object:
    try:
        return parse(value, ctx)
    except _Bad:
        return None


# --- the marshmallow schema (the declared contract) --------------------------------------------


class _CellField(fields.Field):
    """A field running one of the cell parsers above; errors and warnings as `Issue` objects.

    One call per cell: an empty or missing cell goes to the parser too (it knows the right
    issue code), and the parser gets the schema's `RowContext`, fixed per import."""

    def __init__(self, cell: _Cell, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", True)
        super().__init__(required=False, **kwargs)
        self.cell = cell
        self.parse = cell.parse

    def deserialize(
        self,
        value: Any,
        attr: str | None = None,
        data: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        try:
            parsed = self._parse(None if value is missing else value, data)
        except _Bad as bad:
            column = attr or self.cell.key
            issue = bad.issue(column, None)
            if not bad.warning:
                raise issue_error(issue, column=column) from None
            report_warning(issue)
            return bad.keep
        if parsed is None and self.cell.empty_code is not None:
            column = attr or self.cell.key
            raise issue_error(_empty_issue(self.cell, column, None), column=column)
        return parsed

    def _parse(self, value: object, data: Mapping[str, Any] | None) -> object:
        return self.parse(value, self.parent.ctx)  # type: ignore[union-attr]

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


class _RelationshipField(_CellField):
    def _parse(self, value: object, data: Mapping[str, Any] | None) -> object:
        return _parse_relationship(value, _sex_or_none((data or {}).get("sex")))


class _WageField(_CellField):
    def _parse(self, value: object, data: Mapping[str, Any] | None) -> object:
        sex = _sex_or_none((data or {}).get("sex"))
        relationship = _relationship_or_none((data or {}).get("relationship"), sex)
        if relationship is not None and relationship != WORKER:
            return None  # dependants' wage is ignored
        return _parse_wage(value)


_CELLS_BY_KEY = {cell.key: cell for cell in _SIMPLE_CELLS}


class RosterRowSchema(IssueSchema):
    """One roster row (contract §2); use ``load_issues(raw, row)``, or `load_row`.

    ``RosterRowSchema(ctx=RowContext(today=...))``. The fields' order is the sheet's: issues
    come in that order, row-level ones last.
    """

    # Not required as a field: an empty NIK is nik.required or, for a newborn child,
    # nik.newborn_pending, which the row rules decide (`_missing_nik`).
    nik = NIK(required=False)
    kk = KK(required=True)
    name = _CellField(_CELLS_BY_KEY["name"])
    birth_place = _CellField(_CELLS_BY_KEY["birth_place"])
    birth_date = _CellField(_CELLS_BY_KEY["birth_date"])
    sex = _CellField(_CELLS_BY_KEY["sex"])
    marital_status = _CellField(_CELLS_BY_KEY["marital_status"])
    relationship = _RelationshipField(_Cell("relationship", _parse_relationship_alone))
    # The worker's own row (or the import that stored them) reports the NIK's warnings.
    worker_nik = NIK(required=False, warnings=False)
    employee_number = _CellField(_CELLS_BY_KEY["employee_number"])
    wage = _WageField(_Cell("wage", _parse_wage))
    care_class = _CellField(_CELLS_BY_KEY["care_class"])
    faskes_code = _CellField(_CELLS_BY_KEY["faskes_code"])
    start_date = _CellField(_CELLS_BY_KEY["start_date"])
    card_number = CardNumber()
    phone = _CellField(_CELLS_BY_KEY["phone"])
    email = _CellField(_CELLS_BY_KEY["email"])
    in_school = _CellField(_CELLS_BY_KEY["in_school"])

    def __init__(self, *, ctx: RowContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        for key in ("nik", "kk", "worker_nik"):
            self.fields[key].today = ctx.today  # type: ignore[attr-defined]

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_row(self, data: dict[str, Any], original_data: Mapping[str, Any], **kwargs: Any):
        raw_nik = original_data.get("nik")
        if "kk" in data:
            same = check_kk_not_nik(data["kk"], raw_nik)
            if same is not None:
                self.warn(same)
        errors = []
        if "nik" in data and data["nik"] is None:
            missing_nik = _missing_nik(data, self.ctx)
            if missing_nik.is_error:
                errors.append(missing_nik)
            else:
                self.warn(missing_nik)
        for issue in _row_rules(data, raw_nik, self.parsed("nik"), self.ctx, None):
            if issue.is_error:
                errors.append(issue)
            else:
                self.warn(issue)
        if errors:
            raise issue_error(*errors)

    @post_load
    def _drop_own_worker_nik(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("relationship") == WORKER:
            data["worker_nik"] = None
        return data


@functools.lru_cache(maxsize=4)
def row_schema(ctx: RowContext) -> RosterRowSchema:
    """The schema an import validates its rows with: one per `RowContext` (fixed per import),
    so its field plan is built once, also in the helper process, which gets the context with
    every chunk. Loads keep no state between rows."""
    return RosterRowSchema(ctx=ctx)


def load_row(
    values: Mapping[str, object], row: int | None, ctx: RowContext
) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Validate one roster row: ``(loaded row or None when any error, all issues)``, issues
    in sheet-column order, each with ``row`` and its column key. Never raises on cells."""
    return row_schema(ctx).load_issues(values, row)


__all__ = [
    "RosterRowSchema",
    "RowContext",
    "load_row",
    "partial_member_values",
    "row_schema",
]
