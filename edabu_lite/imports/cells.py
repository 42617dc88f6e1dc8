"""JSON-safe storage of raw cell values (a roster row's parsed values are staged as its
audited snapshot, `roster.operations.snapshot_json`).

Raw cells are written back into the error report exactly as uploaded, so their type must
survive the round trip: a numeric NIK must come back a number (that is the damage the user
has to see), a date cell a date.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from typing import Any

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


# JSON text for the staged-row columns, written by `database.bulk_insert`: what SQLAlchemy's
# JSON type stores for the encoded value (``json.dumps`` with its defaults), from one C-level
# encode per row with reused encoders: only dates, times and exotic cells reach Python code.
_ROW_ENCODER = json.JSONEncoder(default=encode_cell, allow_nan=False)


def row_json(cells: list[object]) -> str:
    """``json.dumps(encode_row(cells))``, about three times faster."""
    try:
        return _ROW_ENCODER.encode(cells)
    except ValueError:  # NaN or ±inf: encode_cell stores them as null
        return json.dumps(encode_row(cells))
