"""Today's date, in one place: a membership change takes effect on its TMT, so what the pages
show and count depends on the day (tests move it across midnight)."""

from __future__ import annotations

from datetime import date


def today() -> date:
    return date.today()
