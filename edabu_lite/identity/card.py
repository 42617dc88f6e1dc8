"""The 13-digit JKN card number (No Kartu JKN), e.g. ``0001234567890``.

Optional in the roster: an empty cell is fine and yields None. A numeric cell is always
card_number.not_text (Excel drops the leading zeros); anything but 13 ASCII digits after
removing separators is card_number.format. `parse_card_number` never raises.
"""

from __future__ import annotations

from edabu_lite.identity.normalise import DIGITS, EMPTY, NUMERIC, classify_cell
from edabu_lite.identity.result import ParseResult
from edabu_lite.issues import Issue

CARD_NUMBER_LENGTH = 13

_NO_ISSUES: tuple[Issue, ...] = ()
_EMPTY_RESULT: ParseResult[None] = ParseResult(None, None, _NO_ISSUES)


def parse_card_number(
    value: object, *, column: str | None = "card_number", row: int | None = None
) -> ParseResult[None]:
    """Parse a raw card-number cell; ``value`` of the result is the 13 digits, or None."""
    kind, digits = classify_cell(value)
    if kind == EMPTY:
        return _EMPTY_RESULT
    if kind == NUMERIC:
        return ParseResult(None, None, (Issue("card_number.not_text", column, row),))
    if kind != DIGITS or len(digits) != CARD_NUMBER_LENGTH:
        return ParseResult(None, None, (Issue("card_number.format", column, row),))
    return ParseResult(digits, None, _NO_ISSUES)
