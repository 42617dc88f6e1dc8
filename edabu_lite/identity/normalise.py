"""Turning a raw identity cell (NIK, KK, card number) into a clean digit string, or saying why not.

Cells arrive from openpyxl/calamine as str, int, float, Decimal, datetime, None... The rules:

* empty (None, blank text, a float NaN as pandas writes empty cells) -> `EMPTY`;
* any number (int, float, Decimal, Fraction, numpy scalars) -> `NUMERIC`, whatever its value: Excel
  keeps 15 significant digits, so the 16th digit of a NIK/KK (and a card's leading zeros) is gone;
* text that is a number in disguise ("3.27E+15", "3,27E+15", "3201011234560001.0") -> `NUMERIC`
  too, because that is how a damaged number looks once converted back to text;
* text -> separators removed (spaces, non-breaking and other Unicode spaces, dots, hyphens and
  dashes, a leading apostrophe Excel users type to force text) -> `DIGITS` when only ASCII
  digits remain, else `GARBAGE` (letters, full-width digits, symbols);
* anything else (bool, bytes, dates, lists...) -> `GARBAGE`. A bool is not Excel number damage
  (TRUE/FALSE is a typing mistake), so it is reported as a format problem, not as not_text.

Normalisation is idempotent: `normalise_digits(normalise_digits(s)) == normalise_digits(s)`.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Final

EMPTY: Final = 0
NUMERIC: Final = 1
GARBAGE: Final = 2
DIGITS: Final = 3

_SEPARATORS = (
    " .-\t\r\n\v\f"
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u202f\u205f\u3000\ufeff"  # non-breaking, thin, zero-width and ideographic spaces
    "\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphens and dashes pasted from Word or PDFs
)
_DELETE_SEPARATORS = str.maketrans("", "", _SEPARATORS)
_LEADING_QUOTES = "'\u2018\u2019`"

# How a number stored by Excel looks once it becomes text again: scientific notation (with a dot
# or an Indonesian decimal comma) or a float's trailing ".0".
_NUMBER_AS_TEXT = re.compile(
    r"[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+|[0-9]{9,}[.,]0+",
    re.ASCII,
)


def normalise_digits(text: str) -> str:
    """Strip surrounding blanks, leading apostrophes and every separator from ``text``."""
    # Only quotes in front count (Excel's text prefix); a quote elsewhere stays and is garbage.
    return text.translate(_DELETE_SEPARATORS).lstrip(_LEADING_QUOTES)


def classify_cell(value: object) -> tuple[int, str]:
    """Classify a raw cell: (`EMPTY` | `NUMERIC` | `GARBAGE` | `DIGITS`, normalised text).

    The text is the normalised digit string for `DIGITS`, and "" otherwise, so nothing of a
    possibly personal value travels further than it needs to.
    """
    if value is None:
        return EMPTY, ""
    if isinstance(value, str):
        return _classify_text(value)
    if isinstance(value, bool):
        return GARBAGE, ""
    if isinstance(value, numbers.Number):
        if isinstance(value, float) and math.isnan(value):
            return EMPTY, ""
        return NUMERIC, ""
    return GARBAGE, ""


def _classify_text(text: str) -> tuple[int, str]:
    if text.isascii() and text.isdigit():  # most cells: nothing to strip (translate costs µs)
        return DIGITS, text
    digits = normalise_digits(text)
    if not digits:
        return EMPTY, ""
    # Checked before the digit test: "3201011234560001.0" would otherwise pass as 17 digits.
    if _looks_like_number_text(text):
        return NUMERIC, ""
    if digits.isdigit() and digits.isascii():
        return DIGITS, digits
    return GARBAGE, ""


def _looks_like_number_text(text: str) -> bool:
    if "." not in text and "," not in text and "e" not in text and "E" not in text:
        return False
    return _NUMBER_AS_TEXT.fullmatch(text.strip().lstrip(_LEADING_QUOTES).strip()) is not None
