"""The first-level faskes (FKTP) a person chooses: the waiting period between two choices and
the day a new choice takes effect (domain.md §9, Pandawa G). Pure: the roster import and the
one-person change use the same rule."""

from __future__ import annotations

from datetime import date

from edabu_lite.issues import Issue
from edabu_lite.months import add_months, first_day_of_next_month

#: A new first-level faskes may be chosen this many months after the last one.
FASKES_MONTHS = 3


def too_soon(since: date | None, today: date, row: int | None = None) -> Issue | None:
    """faskes_code.too_soon when a change on ``today`` comes within `FASKES_MONTHS` of the
    last choice (``since``; None: unknown, not checked). A warning: the user checks."""
    if since is None or today >= add_months(since, FASKES_MONTHS):
        return None
    return Issue("faskes_code.too_soon", "faskes_code", row, {"since": since.strftime("%d-%m-%Y")})


def takes_effect(today: date) -> date:
    """A faskes chosen on ``today`` serves the person from the first day of the next month."""
    return first_day_of_next_month(today)
