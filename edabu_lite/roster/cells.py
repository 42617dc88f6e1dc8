"""The roster's cell parsers, part one: the canonical values, the `RowContext` an import
fixes, and the parsers of free text, names and dates. Each parser turns a raw cell into the
stored value (None for an empty cell) or raises `_Bad` with the issue code. The decisions
behind each rule are in `roster.schemas`' docstring; coded cells (words) are in
`roster.words`. Pure: no Flask, no database.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from numbers import Real
from typing import Final

from edabu_lite.issues import CATALOGUE, ERROR, Issue
from edabu_lite.roster.vocabulary import Relationship
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
#: A child (Anak) born at most this many days ago may come without a NIK (contract §2,
#: Pandawa C): the NIK often follows the birth by weeks. The `NEWBORN_DAYS` setting.
NEWBORN_DAYS: Final = 90


@dataclass(frozen=True, slots=True)
class RowContext:
    """What row validation needs besides the cells; fixed once per import."""

    today: date
    minimum_wage: int | None = None  # employer's UMK/UMP; None = don't check wage.below_minimum
    class1_wage_threshold: int = 4_000_000  # wage above -> Kelas 1, else Kelas 2 (domain §4)
    newborn_days: int = NEWBORN_DAYS  # an Anak this young may wait for a NIK (nik.newborn_pending)


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
