"""Parsing and checking a KK number (Nomor Kartu Keluarga): ``PP RR DD DDMMYY SSSS``.

The region of issue, the recording date (no +40 rule) and a serial. A KK is re-issued whenever a
family changes, so it is checked less strictly than a NIK:

* unknown province -> kk.province (error); unknown regency/district -> kk.region (warning);
* an impossible recording date -> kk.date (warning). Days 41-71 are impossible for a KK too, and
  they are what a woman's NIK has there, so the kk.date message says the number looks like a NIK;
* the same number as the row's NIK -> kk.same_as_nik (warning);
* serial 0000 is accepted: unlike the NIK's, no public rule says a KK serial starts at 0001, and
  refusing a number printed on a real card would block the upload for nothing.

`parse_kk` never raises.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from edabu_lite.identity import dates
from edabu_lite.identity.normalise import DIGITS, EMPTY, NUMERIC, classify_cell
from edabu_lite.identity.regions import Region, RegionTable, get_regions
from edabu_lite.identity.result import ParseResult
from edabu_lite.issues import Issue

KK_LENGTH = 16

_CELL_CODES = {EMPTY: "kk.required", NUMERIC: "kk.not_text"}
_NO_ISSUES: tuple[Issue, ...] = ()


class KkParts(NamedTuple):
    """What a KK without errors encodes; ``issue_date`` is None when the date part is impossible."""

    kk: str
    issue_date: date | None
    region: Region

    @property
    def province_code(self) -> str:
        return self.kk[:2]

    @property
    def regency_code(self) -> str:
        return self.kk[:4]

    @property
    def district_code(self) -> str:
        return self.kk[:6]

    @property
    def serial(self) -> str:
        return self.kk[12:]


KkResult = ParseResult[KkParts]


def parse_kk(
    value: object,
    *,
    nik: object = None,
    today: date | None = None,
    column: str | None = "kk",
    row: int | None = None,
    regions: RegionTable | None = None,
) -> KkResult:
    """Parse a raw KK cell; pass the row's ``nik`` (raw or clean) to get kk.same_as_nik."""
    if type(value) is str and len(value) == KK_LENGTH and value.isdigit() and value.isascii():
        kk = value
    else:
        kind, kk = classify_cell(value)
        if kind != DIGITS:
            issue = Issue(_CELL_CODES.get(kind, "kk.format"), column, row)
            return ParseResult(None, None, (issue,))
        if len(kk) != KK_LENGTH:
            issue = Issue("kk.length", column, row, {"length": len(kk)})
            return ParseResult(None, None, (issue,))
    table = regions if regions is not None else get_regions()
    issues: list[Issue] = []
    region = table.districts.get(kk[:6])
    if region is None:
        province = table.province_name(kk[:2])
        if province is None:
            return ParseResult(kk, None, (Issue("kk.province", column, row, {"code": kk[:2]}),))
        region = table.region(kk[:6])
        if region is None:
            issues.append(Issue("kk.region", column, row, {"code": kk[:6]}))
            region = Region(province, None, None)
    decoded = dates.decode(kk[6:12], dates.KK_DAY_MONTH, near=None, today=today or date.today())
    if decoded is None:
        issues.append(Issue("kk.date", column, row, {"date_part": kk[6:12]}))
    if nik is not None and _same_number(kk, nik):
        issues.append(Issue("kk.same_as_nik", column, row))
    issue_date = decoded[0] if decoded is not None else None
    return ParseResult(kk, KkParts(kk, issue_date, region), tuple(issues) or _NO_ISSUES)


def check_kk_not_nik(
    kk: object, nik: object, *, column: str | None = "kk", row: int | None = None
) -> Issue | None:
    """The kk.same_as_nik warning when both cells hold the same 16 digits, else None."""
    kind, clean_kk = classify_cell(kk)
    if kind != DIGITS or len(clean_kk) != KK_LENGTH or not _same_number(clean_kk, nik):
        return None
    return Issue("kk.same_as_nik", column, row)


def _same_number(clean_kk: str, nik: object) -> bool:
    if type(nik) is str and nik == clean_kk:
        return True
    kind, clean_nik = classify_cell(nik)
    return kind == DIGITS and clean_nik == clean_kk
