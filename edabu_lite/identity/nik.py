"""Parsing and checking a NIK (Nomor Induk Kependudukan): ``PP RR DD DDMMYY SSSS``.

Province, regency/city and district of first registration, the birth date with 40 added to the day
for women, and a serial from 0001. There is no check digit, so these structural checks are all a
NIK can be given without asking Dukcapil.

`parse_nik` never raises: every problem becomes an `Issue` with a contract code (nik.required,
nik.not_text, nik.format, nik.length, nik.province, nik.region, nik.date, nik.serial). Checks
that need other cells of the row (birth date, sex) are in `check_nik_against_row` and only warn,
because a NIK is permanent and may not match the true birth date.

The happy path is tuned for bulk imports (see bench/bench_identity.py): one type test, three
dict lookups and two small tuples; issues are only built when something is wrong.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from edabu_lite.identity import dates
from edabu_lite.identity.normalise import DIGITS, EMPTY, NUMERIC, classify_cell
from edabu_lite.identity.regions import Region, RegionTable, get_regions
from edabu_lite.identity.result import ParseResult
from edabu_lite.issues import Issue

NIK_LENGTH = 16

_NIK_DAY_MONTH = dates.NIK_DAY_MONTH
_TWO_DIGITS = dates.TWO_DIGITS
_CELL_CODES = {EMPTY: "nik.required", NUMERIC: "nik.not_text"}
_NO_ISSUES: tuple[Issue, ...] = ()


class NikParts(NamedTuple):
    """What a NIK without errors encodes.

    ``region`` always has the province; its regency and district are None when the code is not
    in the region data (reported as the nik.region warning).
    """

    nik: str
    birth_date: date
    sex: str
    region: Region

    @property
    def province_code(self) -> str:
        return self.nik[:2]

    @property
    def regency_code(self) -> str:
        return self.nik[:4]

    @property
    def district_code(self) -> str:
        return self.nik[:6]

    @property
    def serial(self) -> str:
        return self.nik[12:]

    @property
    def province(self) -> str:
        return self.region.province

    @property
    def regency(self) -> str | None:
        return self.region.regency

    @property
    def district(self) -> str | None:
        return self.region.district


NikResult = ParseResult[NikParts]


def parse_nik(
    value: object,
    *,
    birth_date: date | None = None,
    today: date | None = None,
    column: str | None = "nik",
    row: int | None = None,
    regions: RegionTable | None = None,
) -> NikResult:
    """Parse a raw NIK cell.

    ``birth_date`` (the roster's) picks the century of the encoded date; without it the most
    recent date not after ``today`` (default: the system date) is used. Issues carry ``column``
    and ``row``. Never raises, whatever ``value`` is.
    """
    if type(value) is str and len(value) == NIK_LENGTH and value.isdigit() and value.isascii():
        nik = value
    else:
        kind, nik = classify_cell(value)
        if kind != DIGITS:
            issue = Issue(_CELL_CODES.get(kind, "nik.format"), column, row)
            return ParseResult(None, None, (issue,))
        if len(nik) != NIK_LENGTH:
            issue = Issue("nik.length", column, row, {"length": len(nik)})
            return ParseResult(None, None, (issue,))
    table = regions if regions is not None else get_regions()
    if not isinstance(birth_date, date):
        birth_date = None  # a garbage roster date must not break NIK parsing
    region = table.districts.get(nik[:6])
    day_month = _NIK_DAY_MONTH.get(nik[6:10])
    if region is None or day_month is None or nik[12:] == "0000":
        return _parse_with_issues(nik, birth_date, today, column, row, table)
    day, month, sex = day_month
    yy = _TWO_DIGITS[nik[10:12]]
    year = dates.resolve_year(yy, month, day, near=birth_date, today=today or date.today())
    if month == 2 and day == 29 and not dates.is_leap(year):
        return _parse_with_issues(nik, birth_date, today, column, row, table)
    return ParseResult(nik, NikParts(nik, date(year, month, day), sex, region), _NO_ISSUES)


def _parse_with_issues(
    nik: str,
    birth_date: date | None,
    today: date | None,
    column: str | None,
    row: int | None,
    table: RegionTable,
) -> NikResult:
    """The slow path: run every check and report each problem found."""
    issues: list[Issue] = []
    region = None
    province = table.province_name(nik[:2])
    if province is None:
        issues.append(Issue("nik.province", column, row, {"code": nik[:2]}))
    else:
        region = table.region(nik[:6])
        if region is None:
            issues.append(Issue("nik.region", column, row, {"code": nik[:6]}))
            region = Region(province, None, None)
    decoded = dates.decode(nik[6:12], _NIK_DAY_MONTH, near=birth_date, today=today or date.today())
    if decoded is None:
        issues.append(Issue("nik.date", column, row, {"date_part": nik[6:12]}))
    if nik[12:] == "0000":
        issues.append(Issue("nik.serial", column, row))
    blocked = decoded is None or region is None or any(issue.is_error for issue in issues)
    parts = None if blocked else NikParts(nik, decoded[0], decoded[1], region)
    return ParseResult(nik, parts, tuple(issues))


def is_valid_nik(value: object, *, today: date | None = None) -> bool:
    """True when ``value`` is a NIK without errors (warnings allowed)."""
    return parse_nik(value, today=today).parts is not None


_SEX_WORDS = {"L": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "P": "P", "PEREMPUAN": "P"}


def check_nik_against_row(
    parts: NikParts,
    *,
    birth_date: object = None,
    sex: object = None,
    column: str | None = "nik",
    row: int | None = None,
) -> list[Issue]:
    """Warnings when the NIK's date or sex differs from the roster's birth date and sex.

    Dates are compared on day, month and the last two digits of the year, the only year
    information a NIK holds. A missing or unreadable roster value is skipped: its own column
    reports it.
    """
    issues: list[Issue] = []
    nik_date = parts.birth_date
    if isinstance(birth_date, date) and (
        nik_date.day != birth_date.day
        or nik_date.month != birth_date.month
        or nik_date.year % 100 != birth_date.year % 100
    ):
        params = {"nik_date": _ddmmyyyy(nik_date), "birth_date": _ddmmyyyy(birth_date)}
        issues.append(Issue("nik.birth_date_mismatch", column, row, params))
    row_sex = _SEX_WORDS.get(sex.strip().upper()) if isinstance(sex, str) else None
    if row_sex is not None and row_sex != parts.sex:
        params = {"nik_sex": parts.sex, "sex": row_sex}
        issues.append(Issue("nik.sex_mismatch", column, row, params))
    return issues


def _ddmmyyyy(value: date) -> str:
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"
