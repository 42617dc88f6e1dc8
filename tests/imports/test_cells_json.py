"""The staged-row JSON text reads back (as SQLAlchemy's JSON type reads it) as the encoded
cells, whatever they are."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from edabu_lite.imports.cells import (
    decode_row,
    encode_row,
    row_json,
)

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and infinities included: stored as null
    st.text(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),  # an exotic cell is stored as its text
)


@given(st.lists(cells, max_size=20))
def test_row_json_reads_back_as_the_encoded_row(row: list[object]) -> None:
    assert json.loads(row_json(row)) == encode_row(row)


def test_row_json_round_trip() -> None:
    row = [
        "3273015507900001",
        3273015507900001,
        1.5,
        math.nan,
        date(2020, 2, 29),
        datetime(2020, 1, 2, 3, 4, 5),
        time(7, 30),
        timedelta(days=1),
        None,
        True,
    ]
    assert decode_row(json.loads(row_json(row))) == [
        "3273015507900001",
        3273015507900001,
        1.5,
        None,
        date(2020, 2, 29),
        datetime(2020, 1, 2, 3, 4, 5),
        time(7, 30),
        "1 day, 0:00:00",
        None,
        True,
    ]
