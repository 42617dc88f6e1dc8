"""Validation of one roster row (contract §2 columns, §5 issue codes): pure, no Flask, no database.

`RosterRowSchema` is the validator, for the import (web, CLI and jobs, one instance per
import: `row_schema`, `load_row`) and for single rows: its fields call the cell parsers below
and the identity parsers directly, its schema hook runs the row-level rules, and it reports
`Issue` objects (`IssueSchema.load_issues`). ``tests/roster/row_corpus.json.gz`` holds 6,000
sheet rows with the outcome each must keep.

Cells arrive as an xlsx reader gives them (str, int, float, bool, date, datetime, None; a float
NaN counts as empty). A cell of any other type never raises: it is reported like a badly
written cell, or ignored in columns that have no issue code.

Decisions where the contract leaves room (each one is tested in tests/roster/test_rules.py):

* Identity cells use the identity parsers: nik.*, kk.* (kk.same_as_nik included), card_number.*.
  The worker's NIK (``worker_nik``) is parsed like a NIK and reports nik.* errors in column
  ``worker_nik``; its *warnings* (nik.region) are dropped there, since the worker's own row (or
  the earlier import that stored the worker) already reports them.
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
  is care_class.invalid. care_class.wage_mismatch compares with the entitlement from the wage
  itself (``wage > ctx.class1_wage_threshold`` -> 1, else 2), on worker rows only.
* Faskes code: spaces removed, upper-cased, must then be 4 digits + 1 letter + 3 digits;
  empty is faskes_code.format with ``problem="required"``.
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
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from numbers import Integral, Rational, Real
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
from edabu_lite.identity.result import ParseResult
from edabu_lite.issues import CATALOGUE, ERROR, Issue
from edabu_lite.roster.vocabulary import Relationship, plain
from edabu_lite.sheets.columns import ROSTER_COLUMNS

# --- canonical values ---------------------------------------------------------------------------

# Short names for the `Relationship` members (roster.vocabulary), used all over the rules.
# Parsed rows still hold plain ``str`` values (see `_Words`): they pickle fast between processes.
WORKER: Final = Relationship.WORKER
HUSBAND: Final = Relationship.HUSBAND
WIFE: Final = Relationship.WIFE
CHILD: Final = Relationship.CHILD
FATHER: Final = Relationship.FATHER
MOTHER: Final = Relationship.MOTHER
PARENT_IN_LAW: Final = Relationship.PARENT_IN_LAW
RELATIONSHIPS: Final = tuple(Relationship)  # in sheet order: the worker first
DEPENDANT_RELATIONSHIPS: Final = frozenset(RELATIONSHIPS) - {WORKER}

SINGLE: Final = "Belum Kawin"
MARRIED: Final = "Kawin"
DIVORCED: Final = "Cerai Hidup"
WIDOWED: Final = "Cerai Mati"
MARITAL_STATUSES: Final = (SINGLE, MARRIED, DIVORCED, WIDOWED)

#: The parsed row's keys, in sheet order (contract §2).
ROW_KEYS: Final = tuple(spec.key for spec in ROSTER_COLUMNS)

NAME_MAX: Final = 200
BIRTH_PLACE_MAX: Final = 100
EMPLOYEE_NUMBER_MAX: Final = 50
PHONE_MAX: Final = 30
EMAIL_MAX: Final = 254
WAGE_MAX: Final = 1_000_000_000_000
EXCEL_SERIAL_MAX: Final = 60_000
EARLIEST_YEAR: Final = 1900


@dataclass(frozen=True, slots=True)
class RowContext:
    """What row validation needs besides the cells; fixed once per import."""

    today: date
    minimum_wage: int | None = None  # employer's UMK/UMP; None = don't check wage.below_minimum
    class1_wage_threshold: int = 4_000_000  # wage above -> Kelas 1, else Kelas 2 (domain §4)


# --- cell parsers -------------------------------------------------------------------------------
# A parser turns a raw cell into the stored value (None for an empty cell) or raises `_Bad`.
# The column is added by the caller, so the same parser serves several columns.


class _Bad(Exception):
    """A cell that cannot be used: the issue code, its params, and for warnings what to keep."""

    __slots__ = ("code", "keep", "params", "warning")

    def __init__(
        self, code: str, params: Mapping[str, object] | None = None, keep: object = None
    ) -> None:
        self.code = code
        self.params = params
        self.keep = keep
        self.warning = CATALOGUE[code].severity != ERROR

    def issue(self, column: str, row: int | None) -> Issue:
        if self.params:
            return Issue(self.code, column, row, self.params)
        return Issue(self.code, column, row)


def _problem(name: str) -> Mapping[str, object]:
    return {"problem": name}


_REQUIRED = _problem("required")
_AMBIGUOUS = _problem("ambiguous")


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and value != value


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Letters of any script ([^\W\d_]) and the punctuation Indonesian names use.
_NAME = re.compile(r"(?:[^\W\d_]|[ .,'\-])+")
_LETTER = re.compile(r"[^\W\d_]")
# The same two rules for ASCII text in one pass (most names are ASCII; the alternation above
# costs a branch per character). Punctuation only up to the first letter, so it never
# backtracks more than once over the text.
_ASCII_NAME = re.compile(r"[ .,'\-]*[A-Za-z][A-Za-z .,'\-]*")
_NAME_MARKS = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u2010": "-", "\u2011": "-"}
)


def _parse_name(value: object, ctx: RowContext) -> str | None:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _CONTROL.search(text):
            raise _Bad("name.format")
        text = " ".join(text.split())
        if text.isascii() and "`" not in text:
            if len(text) > NAME_MAX or not _ASCII_NAME.fullmatch(text):
                raise _Bad("name.format")
            return text
        text = unicodedata.normalize("NFC", text.translate(_NAME_MARKS))
        if any(char.isnumeric() for char in text):  # ² or Ⅻ pass \w but are not letters
            raise _Bad("name.format")
        if len(text) > NAME_MAX or not _NAME.fullmatch(text) or not _LETTER.search(text):
            raise _Bad("name.format")
        return text
    if value is None or _is_nan(value):
        return None
    raise _Bad("name.format")


def _free_text(value: object, limit: int) -> str | None:
    """Free text with no issue code: numbers become text, other non-text cells are dropped."""
    if isinstance(value, str):
        text = " ".join(value.split())
    elif isinstance(value, bool) or value is None:
        return None
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        return None
    return text[:limit] or None


def _parse_birth_place(value: object, ctx: RowContext) -> str | None:
    return _free_text(value, BIRTH_PLACE_MAX)


def _parse_employee_number(value: object, ctx: RowContext) -> str | None:
    return _free_text(value, EMPLOYEE_NUMBER_MAX)


# Dates -------------------------------------------------------------------------------------------

_TIME = r"(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?"
_DMY = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})" + _TIME, re.ASCII)
_YMD = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME, re.ASCII)
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}([-/.])\d{1,2}\1\d{2}" + _TIME, re.ASCII)
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 = 1900-03-01; below 60 one day more (Lotus bug)


def _parse_date(value: object, code: str) -> date | None:
    """A date cell in any of the accepted shapes (see the module docstring), or None if empty."""
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        return _date_from_text(value, code)
    elif isinstance(value, Real) and not isinstance(value, bool):
        return _date_from_serial(value, code)
    elif not isinstance(value, date):
        if value is None:
            return None
        raise _Bad(code, _problem("unreadable"))
    if value.year < EARLIEST_YEAR:
        raise _Bad(code, _problem("before_1900"))
    return value


def _date_from_text(text: str, code: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    match = _DMY.fullmatch(text)
    if match is not None:
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    else:
        match = _YMD.fullmatch(text)
        if match is None:
            problem = "two_digit_year" if _TWO_DIGIT_YEAR.fullmatch(text) else "unreadable"
            raise _Bad(code, _problem(problem))
        year, month, day = int(match[1]), int(match[3]), int(match[4])
    if year < EARLIEST_YEAR:
        raise _Bad(code, _problem("before_1900"))
    try:
        return date(year, month, day)
    except ValueError:
        raise _Bad(code, _problem("impossible_date")) from None


def _date_from_serial(number: Real, code: str) -> date | None:
    try:
        if _is_nan(number):
            return None
        serial = math.floor(number)  # a fraction is the time of day
    except (ValueError, OverflowError, ArithmeticError):  # inf, Decimal NaN
        raise _Bad(code, _problem("unreadable")) from None
    if not 1 <= serial <= EXCEL_SERIAL_MAX:
        raise _Bad(code, _problem("unreadable"))
    if EARLIEST_YEAR <= serial <= 2100:
        raise _Bad(code, _problem("year_only"))  # a year typed as a number, not a 1905 date
    if serial == 60:
        raise _Bad(code, _problem("excel_1900_02_29"))  # Excel's non-existent 29-02-1900
    return _EXCEL_EPOCH + timedelta(days=serial if serial > 60 else serial + 1)


def parse_date_cell(
    value: object, code: str, column: str, row: int | None = None
) -> tuple[date | None, Issue | None]:
    """Read a date cell exactly as the roster's date columns are read (module docstring, Dates).

    For other sheets that want the same date rules (the mutation sheet's TMT). ``code`` is the
    error code to report (a catalogue code, e.g. ``"mutation.date_invalid"``), on ``column`` and
    ``row``. Returns ``(date, None)``, ``(None, None)`` for an empty cell, or ``(None, issue)``
    where the issue carries the machine-readable ``problem`` param (two_digit_year,
    impossible_date, before_1900, year_only, excel_1900_02_29, unreadable). Never raises on cell
    values.
    """
    try:
        return _parse_date(value, code), None
    except _Bad as bad:
        return None, bad.issue(column, row)


def _parse_birth_date(value: object, ctx: RowContext) -> date | None:
    if type(value) is datetime:
        value = value.date()  # how openpyxl returns a date cell
    if type(value) is date and value.year >= EARLIEST_YEAR and value <= ctx.today:
        return value  # the common case, straight from a date cell
    parsed = _parse_date(value, "birth_date.format")
    if parsed is not None and parsed > ctx.today:
        raise _Bad("birth_date.future")
    return parsed


def _parse_start_date(value: object, ctx: RowContext) -> date | None:
    if type(value) is datetime:
        value = value.date()
    if type(value) is date and value.year >= EARLIEST_YEAR:
        return value
    return _parse_date(value, "start_date.format")


# Coded cells -------------------------------------------------------------------------------------

_FOLD = str.maketrans({"-": " ", "_": " ", ".": " ", "/": " ", ",": " ", "'": " "})
_UNKNOWN: Final = object()  # vocabulary markers
_AMBIGUOUS_WORD: Final = object()
_CACHE_LIMIT = 4096


def _fold(text: str) -> str:
    """'  laki-LAKI ' -> 'LAKI LAKI': case, spaces and punctuation do not matter."""
    return " ".join(text.translate(_FOLD).split()).upper()


class _Words:
    """A vocabulary: spellings (folded) -> a canonical value or a marker; cached per raw text.

    Canonical values given as StrEnum members are stored as plain ``str``, so parsed rows hold
    plain strings (as before the vocabulary became enums).
    """

    __slots__ = ("_cache", "_table")

    def __init__(self, table: Mapping[str, object]) -> None:
        self._table = {_fold(key): plain(value) for key, value in table.items()}
        self._cache: dict[str, object] = {}

    def get(self, text: str) -> object:
        """The value for ``text`` (a str), or `_UNKNOWN`."""
        found = self._cache.get(text, _UNKNOWN)
        if found is _UNKNOWN:
            found = self._table.get(_fold(text), _UNKNOWN)
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[text] = found
        return found


_SEX_WORDS = _Words(
    {
        **dict.fromkeys(("L", "Laki-laki", "Laki", "Lelaki", "Pria", "Male", "M"), "L"),
        **dict.fromkeys(("P", "Perempuan", "Wanita", "Female", "F"), "P"),
        "LakiLaki": "L",
        "Laki2": "L",
    }
)


def _parse_sex(value: object, ctx: RowContext | None = None) -> str | None:
    if isinstance(value, str):
        found = _SEX_WORDS.get(value)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
        if not value.strip():
            return None
    elif value is None or _is_nan(value):
        return None
    raise _Bad("sex.invalid")


def _sex_or_none(value: object) -> str | None:
    try:
        return _parse_sex(value)
    except _Bad:
        return None


_MARRIED_WORDS = (
    "Menikah", "Sudah Menikah", "Sudah Kawin", "Kawin Tercatat", "Kawin Belum Tercatat",
    "Kawin Tidak Tercatat", "Married",
)  # fmt: skip

_MARITAL_WORDS = _Words(
    {
        **{word: word for word in MARITAL_STATUSES},
        **dict.fromkeys(_MARRIED_WORDS, MARRIED),
        **dict.fromkeys(
            ("Belum Menikah", "Tidak Kawin", "Belum Nikah", "Lajang", "Single", "Unmarried"),
            SINGLE,
        ),
        "Divorced": DIVORCED,
        **dict.fromkeys(("Widowed", "Widow", "Widower"), WIDOWED),
        **dict.fromkeys(("Janda", "Duda", "Cerai", "Janda Duda"), _AMBIGUOUS_WORD),
    }
)


def _parse_marital_status(value: object, ctx: RowContext) -> str:
    if isinstance(value, str):
        found = _MARITAL_WORDS.get(value)
        if isinstance(found, str):
            return found
        if found is _AMBIGUOUS_WORD:
            raise _Bad("marital_status.invalid", _AMBIGUOUS)
    raise _Bad("marital_status.invalid")


_NOT_COVERABLE: Final = object()
_SPOUSE_BY_SEX: Final = {"L": HUSBAND, "P": WIFE}
_PARENT_BY_SEX: Final = {"L": FATHER, "P": MOTHER}
_CHILD_NUMBER = re.compile(r"ANAK(?: ?KE)? ?[0-9]{1,2}", re.ASCII)

_WORKER_WORDS = (
    "Pekerja", "Karyawan", "Karyawati", "Pegawai", "Peserta Utama", "PU", "Peserta PU",
    "Diri Sendiri", "Sendiri", "YBS", "Worker", "Employee", "Self",
)  # fmt: skip
_PARENT_IN_LAW_WORDS = (
    "Bapak Mertua", "Ayah Mertua", "Ibu Mertua", "Father in law", "Mother in law",
    "Parent in law",
)  # fmt: skip
# Relatives and household members a PPU contribution never covers: they register as mandiri.
_NOT_COVERABLE_WORDS = (
    "Menantu", "Cucu", "Famili Lain", "Famili", "Keluarga Lain", "Lainnya", "Lain Lain", "Lain",
    "Pembantu", "Asisten Rumah Tangga", "ART", "Saudara", "Saudara Kandung", "Kakak", "Adik",
    "Kakak Kandung", "Adik Kandung", "Ipar", "Kakak Ipar", "Adik Ipar", "Keponakan", "Paman",
    "Om", "Bibi", "Tante", "Kakek", "Nenek", "Cicit", "Sopir", "Sibling", "Brother", "Sister",
    "Grandchild", "Grandparent", "Other",
)  # fmt: skip

_RELATIONSHIP_WORDS = _Words(
    {
        **{word: word for word in RELATIONSHIPS},
        **dict.fromkeys(_WORKER_WORDS, WORKER),
        "Husband": HUSBAND,
        **dict.fromkeys(("Isteri", "Wife"), WIFE),
        **dict.fromkeys(
            ("Anak Kandung", "Anak Tiri", "Anak Angkat", "Anak Sah", "Child", "Son", "Daughter"),
            CHILD,
        ),
        **dict.fromkeys(("Bapak", "Bapa", "Bapak Kandung", "Ayah Kandung", "Father"), FATHER),
        **dict.fromkeys(("Ibu Kandung", "Mother"), MOTHER),
        **dict.fromkeys(_PARENT_IN_LAW_WORDS, PARENT_IN_LAW),
        **dict.fromkeys(("Orang Tua", "Orangtua", "Ortu", "Parent"), _PARENT_BY_SEX),
        **dict.fromkeys(("Pasangan", "Spouse"), _SPOUSE_BY_SEX),
        **dict.fromkeys(("Kepala Keluarga", "Kepala Rumah Tangga", "KK", "Head"), _AMBIGUOUS_WORD),
        **dict.fromkeys(_NOT_COVERABLE_WORDS, _NOT_COVERABLE),
    }
)


def _parse_relationship(value: object, sex: str | None) -> str:
    """The canonical relationship; ``sex`` (the row's parsed sex) resolves Orang Tua/Pasangan."""
    if isinstance(value, str):
        found = _RELATIONSHIP_WORDS.get(value)
        if isinstance(found, str):
            return found
        if found is _UNKNOWN and _CHILD_NUMBER.fullmatch(_fold(value)):
            return CHILD.value  # "Anak ke-2"
        if found is _NOT_COVERABLE:
            raise _Bad("family.not_dependant")
        if found is _AMBIGUOUS_WORD:
            raise _Bad("relationship.invalid", _AMBIGUOUS)
        if isinstance(found, dict):
            resolved = found.get(sex)
            if resolved is not None:
                return resolved
            raise _Bad("relationship.invalid", _problem("needs_sex"))
    raise _Bad("relationship.invalid")


def _parse_relationship_alone(value: object, ctx: RowContext) -> str:
    return _parse_relationship(value, None)


def _relationship_or_none(value: object, sex: str | None) -> str | None:
    try:
        return _parse_relationship(value, sex)
    except _Bad:
        return None


# Numbers -----------------------------------------------------------------------------------------

_WAGE_TEXT = re.compile(
    r"(?:RP\.?|IDR)?\s*"
    r"(?P<whole>[0-9]{1,3}(?P<sep>[.,\s])[0-9]{3}(?:(?P=sep)[0-9]{3})*|[0-9]+)"
    r"(?:(?P<dec>[.,])(?P<fraction>[0-9]{1,2}|-))?",
    re.IGNORECASE,
)
_NON_DIGITS = re.compile(r"[^0-9]")


def _whole_number(value: object) -> int | None:
    """A non-bool number cell that holds a whole number, as int; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None  # inf/NaN are not integers
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return None
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Rational):
        return int(value) if value.denominator == 1 else None
    if isinstance(value, Real):
        try:
            as_float = float(value)
        except (TypeError, ValueError, OverflowError):
            return None
        return int(as_float) if as_float.is_integer() else None
    return None


def _parse_wage(value: object, ctx: RowContext | None = None) -> int | None:
    if type(value) is int and 0 <= value <= WAGE_MAX:
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        match = _WAGE_TEXT.fullmatch(text)
        if match is None:
            raise _Bad("wage.format")
        if match["dec"] is not None:
            fraction = match["fraction"]
            if match["dec"] == match["sep"] or (fraction != "-" and int(fraction)):
                raise _Bad("wage.format")
        wage = int(_NON_DIGITS.sub("", match["whole"]))
    elif value is None or _is_nan(value):
        return None
    else:
        whole = _whole_number(value)
        if whole is None:
            raise _Bad("wage.format")
        wage = whole
    if not 0 <= wage <= WAGE_MAX:
        raise _Bad("wage.format")
    return wage


_CLASS_WORDS = _Words(
    {
        **dict.fromkeys(("1", "I", "Kelas 1", "Kelas I", "Kls 1", "Kls I", "Class 1"), 1),
        **dict.fromkeys(("2", "II", "Kelas 2", "Kelas II", "Kls 2", "Kls II", "Class 2"), 2),
        **dict.fromkeys(("1.0", "1,0", "1.00"), 1),
        **dict.fromkeys(("2.0", "2,0", "2.00"), 2),
    }
)
_CARE_CLASSES = (1, 2)


def _parse_care_class(value: object, ctx: RowContext) -> int:
    if isinstance(value, str):
        found = _CLASS_WORDS.get(value)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
    elif value is not None and not _is_nan(value):
        whole = _whole_number(value)
        if whole in _CARE_CLASSES:
            return whole  # type: ignore[return-value]
    raise _Bad("care_class.invalid")


# Other text cells --------------------------------------------------------------------------------

_FASKES = re.compile(r"[0-9]{4}[A-Z][0-9]{3}", re.ASCII)


def _parse_faskes_code(value: object, ctx: RowContext) -> str:
    if isinstance(value, str):
        code = "".join(value.split()).upper()
        if _FASKES.fullmatch(code):
            return code
        if code:
            raise _Bad("faskes_code.format")
    elif value is not None and not _is_nan(value):
        raise _Bad("faskes_code.format")
    raise _Bad("faskes_code.format", _REQUIRED)


_PHONE_SEPARATORS = str.maketrans("", "", " -.()/\u00a0\t")
_MOBILE = re.compile(r"08[0-9]{8,11}", re.ASCII)


def _is_placeholder(text: str) -> bool:
    """'' or '-', '--', '—': how sheets say "nothing to put here"."""
    return not text.strip(" -\u2013\u2014")


def _parse_phone(value: object, ctx: RowContext) -> str | None:
    if isinstance(value, str):
        shown = value.strip()
        if _is_placeholder(shown):
            return None
        digits = shown.translate(_PHONE_SEPARATORS)
    elif value is None or _is_nan(value):
        return None
    else:
        whole = _whole_number(value)
        if whole is None or whole <= 0:
            raise _Bad("phone.format")
        shown = digits = str(whole)  # a numeric cell: Excel dropped the leading 0
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62"):
        digits = "0" + digits[2:]
    elif digits.startswith("8"):
        digits = "0" + digits
    if _MOBILE.fullmatch(digits):
        return digits
    raise _Bad("phone.format", keep=shown[:PHONE_MAX])


_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})",
    re.ASCII,
)


def _parse_email(value: object, ctx: RowContext) -> str | None:
    if isinstance(value, str):
        text = value.strip()
        if _is_placeholder(text):
            return None
        match = _EMAIL.fullmatch(text)
        if match is None or len(text) > EMAIL_MAX or text.index("@") > 64:
            raise _Bad("email.format", keep=text if len(text) <= EMAIL_MAX else None)
        return text[: match.start(1)] + match[1].lower()
    if value is None or _is_nan(value):
        return None
    raise _Bad("email.format")


_YES_WORDS = (
    "Ya", "Y", "Yes", "True", "Benar", "1", "Masih", "Masih Sekolah", "Masih Kuliah", "Sekolah",
    "Kuliah", "Pelajar", "Mahasiswa", "Mahasiswi", "Student",
)  # fmt: skip
_NO_WORDS = (
    "Tidak", "Tdk", "T", "No", "N", "False", "Salah", "0", "Bukan", "Tidak Sekolah",
    "Tidak Kuliah",
)  # fmt: skip

_SCHOOL_WORDS = _Words(
    {
        **dict.fromkeys(_YES_WORDS, True),
        **dict.fromkeys(_NO_WORDS, False),
    }
)


def _parse_in_school(value: object, ctx: RowContext) -> bool | None:
    if isinstance(value, str):
        found = _SCHOOL_WORDS.get(value)
        return None if found is _UNKNOWN else found  # type: ignore[return-value]
    if isinstance(value, bool):
        return value
    if value is None or _is_nan(value):
        return None
    whole = _whole_number(value)
    return bool(whole) if whole in (0, 1) else None


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


def _worker_nik_result(value: object, today: date, row: int | None) -> ParseResult[Any]:
    """parse_nik for the worker_nik column, without warnings (the worker's own row has them)."""
    result = parse_nik(value, today=today, column="worker_nik", row=row)
    if result.issues and result.issues[0].code != "nik.required":
        errors = tuple(issue for issue in result.issues if issue.is_error)
        if len(errors) != len(result.issues):
            return ParseResult(result.value, result.parts, errors)
    return result


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
                    expected = 1 if wage > ctx.class1_wage_threshold else 2
                    if care_class != expected:
                        params = {"care_class": care_class, "expected": expected}
                        issues.append(Issue("care_class.wage_mismatch", "care_class", row, params))
        if "start_date" in data and data["start_date"] is None:
            issues.append(Issue("start_date.format", "start_date", row, _REQUIRED))
    elif relationship is not None and "worker_nik" in data and data["worker_nik"] is None:
        issues.append(Issue("family.worker_missing", "worker_nik", row))
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


class _WorkerNIK(NIK):
    """worker_nik: a NIK without the warnings (the worker's own row reports them)."""

    def _parse(self, value: object, column: str | None) -> ParseResult[Any]:
        return _worker_nik_result(value, self.today or date.today(), None)


_CELLS_BY_KEY = {cell.key: cell for cell in _SIMPLE_CELLS}


class RosterRowSchema(IssueSchema):
    """One roster row (contract §2); use ``load_issues(raw, row)``, or `load_row`.

    ``RosterRowSchema(ctx=RowContext(today=...))``. The fields' order is the sheet's: issues
    come in that order, row-level ones last.
    """

    nik = NIK(required=True)
    kk = KK(required=True)
    name = _CellField(_CELLS_BY_KEY["name"])
    birth_place = _CellField(_CELLS_BY_KEY["birth_place"])
    birth_date = _CellField(_CELLS_BY_KEY["birth_date"])
    sex = _CellField(_CELLS_BY_KEY["sex"])
    marital_status = _CellField(_CELLS_BY_KEY["marital_status"])
    relationship = _RelationshipField(_Cell("relationship", _parse_relationship_alone))
    worker_nik = _WorkerNIK(required=False)
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
    "CHILD",
    "DEPENDANT_RELATIONSHIPS",
    "DIVORCED",
    "FATHER",
    "HUSBAND",
    "MARITAL_STATUSES",
    "MARRIED",
    "MOTHER",
    "PARENT_IN_LAW",
    "RELATIONSHIPS",
    "ROW_KEYS",
    "SINGLE",
    "WIDOWED",
    "WIFE",
    "WORKER",
    "RosterRowSchema",
    "RowContext",
    "load_row",
    "parse_date_cell",
    "partial_member_values",
    "row_schema",
]
