"""Calendar-month arithmetic of membership dates (TMTs, coverage periods, waiting periods):
pure, shared by the mutation rules and the roster import."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's end (31-08 + 6 → 28/29-02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_day_of_next_month(today: date) -> date:
    """The default TMT of a mutation (domain.md §5: unconfirmed, hence configurable)."""
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def shift_months(day: date, months: int) -> date:
    """`add_months`, clamped to the representable dates instead of raising near year 1 or 9999."""
    try:
        return add_months(day, months)
    except (ValueError, OverflowError):
        return date.max if months > 0 else date.min
