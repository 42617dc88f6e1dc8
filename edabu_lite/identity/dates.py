"""The DDMMYY date encoded in digits 7-12 of a NIK (day + 40 for women) and of a KK (no +40).

Tables are precomputed so the hot path is a dict lookup: "DDMM" -> (day, month, sex). The
century is not encoded; `resolve_year` picks it from the roster's birth date when known (the
nearest year ending in YY), else the most recent year that does not put the date after today.
"""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from typing import Final

MALE: Final = "L"
FEMALE: Final = "P"

# Days per month with 29 for February: 29 Feb is allowed here and checked once the year is known.
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _day_month_table(women_add_40: bool) -> dict[str, tuple[int, int, str]]:
    table: dict[str, tuple[int, int, str]] = {}
    for month, days in enumerate(_MONTH_DAYS, start=1):
        for day in range(1, days + 1):
            table[f"{day:02d}{month:02d}"] = (day, month, MALE)
            if women_add_40:
                table[f"{day + 40:02d}{month:02d}"] = (day, month, FEMALE)
    return table


#: NIK "DDMM" -> (day, month, sex); days 41-71 are women.
NIK_DAY_MONTH = MappingProxyType(_day_month_table(women_add_40=True))
#: KK "DDMM" -> (day, month, "L"): a KK date has no +40 rule, the sex slot is meaningless there.
KK_DAY_MONTH = MappingProxyType(_day_month_table(women_add_40=False))
#: "00".."99" -> int, faster than int() on the hot path.
TWO_DIGITS = MappingProxyType({f"{n:02d}": n for n in range(100)})


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def resolve_year(yy: int, month: int, day: int, *, near: date | None, today: date) -> int:
    """The full year for two digits ``yy``.

    With ``near`` (the roster's birth date) the year ending in ``yy`` nearest to it, ties going
    to the earlier one; otherwise the latest year whose date is not after ``today``.
    """
    if near is not None:
        pivot = near.year
        year = pivot - (pivot - yy) % 100
        if year + 100 - pivot < pivot - year:
            year += 100
        return year
    current = today.year
    year = current - (current - yy) % 100
    if year == current and (month > today.month or (month == today.month and day > today.day)):
        year -= 100
    return year


def decode(
    ddmmyy: str,
    table: MappingProxyType[str, tuple[int, int, str]],
    *,
    near: date | None,
    today: date,
) -> tuple[date, str] | None:
    """Decode a DDMMYY slice with ``table``; None when it is not a real date."""
    found = table.get(ddmmyy[:4])
    yy = TWO_DIGITS.get(ddmmyy[4:6])
    if found is None or yy is None:
        return None
    day, month, sex = found
    year = resolve_year(yy, month, day, near=near, today=today)
    if month == 2 and day == 29 and not is_leap(year):
        if yy % 4:
            return None  # no century makes 29 Feb of this YY real
        # Only a century year (1900, 2100) gets here; the next one over (2000) is leap.
        year = year + 100 if is_leap(year + 100) else year - 100
    return date(year, month, day), sex
