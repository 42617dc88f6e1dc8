"""Rupiah amounts as HR sheets write them in text cells: "Rp 5.000.000", "5,000,000",
"5 000 000", "5000000", with a zero decimal part (",00", ",-", ".00"). One grammar for the
roster's wage and the bill's amount (each says in its own words what is wrong). Pure."""

from __future__ import annotations

import re
from typing import Final

_TEXT: Final = re.compile(
    r"(?:RP\.?|IDR)?\s*(?P<sign>-)?\s*"
    r"(?P<whole>[0-9]{1,3}(?P<sep>[.,\s])[0-9]{3}(?:(?P=sep)[0-9]{3})*|[0-9]+)"
    r"(?:(?P<dec>[.,])(?P<fraction>[0-9]{1,2}|-))?",
    re.IGNORECASE,
)
_NON_DIGITS: Final = re.compile(r"[^0-9]")
#: Why a text is not an amount: unreadable, or a decimal part that is not zero.
FORMAT, NOT_WHOLE = "format", "not_whole"


def read_text(text: str) -> tuple[int | None, str | None]:
    """``(amount, None)`` — negative when written with a minus — or ``(None, FORMAT |
    NOT_WHOLE)``. Groups of three digits must share one separator ("5.000.000"); a single
    group ("5.000") reads as thousands: Rupiah has no decimals in practice."""
    match = _TEXT.fullmatch(text.strip())
    if match is None:
        return None, FORMAT
    if match["dec"] is not None:
        if match["dec"] == match["sep"]:  # "1.000.5": not a number anyone writes
            return None, FORMAT
        if match["fraction"] != "-" and int(match["fraction"]):
            return None, NOT_WHOLE
    amount = int(_NON_DIGITS.sub("", match["whole"]))
    return (-amount if match["sign"] else amount), None
