"""JSON-safe storage of raw cell values (a roster row's parsed values are staged as its
audited snapshot, `roster.snapshot.snapshot_json`).

Raw cells are written back into the error report exactly as uploaded, so their type must
survive the round trip: a numeric NIK must come back a number (that is the damage the user
has to see), a date cell a date.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from typing import Any

import orjson

_TAGS = {"d": date.fromisoformat, "dt": datetime.fromisoformat, "t": time.fromisoformat}


def encode_cell(value: object) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, time):
        return {"t": value.isoformat()}
    return str(value)


def decode_cell(value: Any) -> object:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag in _TAGS:
            return _TAGS[tag](text)
    return value


def encode_row(cells: list[object]) -> list[Any]:
    return [encode_cell(cell) for cell in cells]


def decode_row(cells: list[Any]) -> list[object]:
    return [decode_cell(cell) for cell in cells]


# JSON text for the staged-row columns, written by `database.bulk_insert`: what
# ``json.dumps(encode_row(cells))`` gives, give or take spacing and the spelling of a float,
# read back to the same values. orjson writes the plain cells several times faster than
# json; dates and times reach `encode_cell` (passed through) to get their type tags.
_ROW_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def row_json(cells: list[object]) -> str:
    """The cells as uploaded, as stored JSON (`decode_row` of it gives them back)."""
    try:
        return orjson.dumps(cells, default=encode_cell, option=_ROW_OPTIONS).decode()
    except TypeError:  # a number beyond 64 bits, text that is not valid UTF-8
        return json.dumps(encode_row(cells))
