"""The two calamine bindings behind the reader (`edabu_lite.sheets.backend`): python-calamine,
which loads a sheet whole, gives the rows python-calamine-plus streams, and reads the sheet
when the fork is absent, forced off, or cannot stream it (values out of row order)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from python_calamine_plus import CalamineError

from edabu_lite.config import ConfigError, load_config
from edabu_lite.sheets import backend, extent
from edabu_lite.sheets.backend import CALAMINE, ENV, PLUS, Book, Choice
from edabu_lite.sheets.columns import ROSTER_COLUMNS
from edabu_lite.sheets.reader import OpenedSheet, SheetRejected, open_sheet
from edabu_lite.sheets.rows import _ERROR_TEXTS
from tests.sheets.test_reader_properties import sheets
from tests.sheets.xlsx_parts import cells_reversed, rearranged, rows_1_3_4_2, sheet_xml, xlsx

MB = 1024 * 1024
SAMPLE = Path(__file__).resolve().parents[2] / "sample_sheets" / "contoh-peserta-salah.xlsx"
SHEET = "xl/worksheets/sheet1.xml"
FORK = Choice(PLUS, fall_back=False)
UPSTREAM = Choice(CALAMINE, fall_back=False)


def _book_rows(source: bytes | Path, choice: Choice, window: tuple[int, int, int]) -> list:
    book = Book(str(source) if isinstance(source, Path) else io.BytesIO(source), choice)
    try:
        return list(book.rows(0, *window))
    finally:
        book.close()


def _assert_same_rows(fork: list, upstream: list) -> None:
    """Cell for cell: the same value and type, but for the two documented differences (an
    error cell is its text in the fork, "" upstream; an integer is an int in the fork, a
    float upstream)."""
    assert [len(row) for row in fork] == [len(row) for row in upstream]
    for fork_row, upstream_row in zip(fork, upstream, strict=True):
        for a, b in zip(fork_row, upstream_row, strict=True):
            if isinstance(a, str) and a in _ERROR_TEXTS and b == "":
                continue
            assert a == b, (a, b)
            assert type(a) is type(b) or {type(a), type(b)} == {int, float}, (a, b)


def _read(source: bytes | Path, monkeypatch, setting: str | None, **limits) -> tuple[str, list]:
    """open_sheet under ``EDABU_SHEET_BACKEND=setting``: which backend read the rows, and the
    rows with each raw cell's type (the reader's conversions applied)."""
    if setting is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, setting)
    opened: OpenedSheet = open_sheet(
        source, ROSTER_COLUMNS, max_bytes=20 * MB, max_rows=limits.get("max_rows", 1_000)
    )
    with opened:
        rows = [
            (row, values, raw, [type(cell) for cell in raw]) for row, values, raw in opened.rows()
        ]
        return opened.backend, rows  # type: ignore[return-value]


# --- The same rows, cell for cell ---------------------------------------------------------------


@pytest.fixture(scope="module")
def varied() -> bytes:
    """Every kind of cell, in a range starting at C3 (rows and columns before it empty)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet["C3"], sheet["D3"], sheet["E3"], sheet["F3"] = "teks", 1, 1.5, True
    sheet["G3"], sheet["H3"] = False, "  spasi  "
    cells = {
        "C4": (date(2020, 1, 2), "DD-MM-YYYY"),
        "D4": (datetime(2020, 1, 2, 3, 4, 5), "yyyy-mm-dd hh:mm:ss"),
        "E4": (time(13, 30), "hh:mm"),
        "F4": (timedelta(hours=30, minutes=5), "[h]:mm:ss"),
        "G4": (datetime(1990, 7, 15), "DD-MM-YYYY"),
    }
    for ref, (value, number_format) in cells.items():
        sheet[ref] = value
        sheet[ref].number_format = number_format
    sheet["C6"], sheet["D6"], sheet["E6"], sheet["F6"] = 3.0, 1e20, -0.0, 9007199254740993
    sheet["G6"], sheet["H6"] = 3273015507900001, -7
    sheet["I8"] = "#N/A"  # openpyxl writes an error cell (t="e")
    sheet["J8"] = "#DIV/0!"
    sheet["C9"].style = "Good"  # formatted, empty
    sheet["Z40"].number_format = "0.00"  # formatted, empty, far away
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "window",
    [(0, 100, 12), (0, 100, 25), (2, 5, 3), (3, 3, 20), (7, 7, 9), (8, 60, 4), (50, 60, 5)],
    ids=str,
)
def test_the_fallback_gives_the_forks_rows_in_any_window(varied: bytes, window):
    """Rows numbered and columns indexed from A1 (python-calamine's range starts at C3),
    cut at max_col or padded to it, none past max_row nor past the last value."""
    fork = _book_rows(varied, FORK, window)
    upstream = _book_rows(varied, UPSTREAM, window)
    _assert_same_rows(fork, upstream)
    min_row, max_row, max_col = window
    assert len(upstream) == max(0, min(max_row, 7) + 1 - min_row)
    assert all(len(row) == max_col + 1 for row in upstream)


def test_the_varied_cells_are_what_the_fork_gives(varied: bytes):
    """So that the comparison above compares something: the values themselves."""
    fork = _book_rows(varied, FORK, (0, 100, 9))
    upstream = _book_rows(varied, UPSTREAM, (0, 100, 9))
    assert fork[2][2:8] == upstream[2][2:8] == ["teks", 1, 1.5, True, False, "  spasi  "]
    assert upstream[3][2:7] == [
        date(2020, 1, 2),
        datetime(2020, 1, 2, 3, 4, 5),
        time(13, 30),
        timedelta(hours=30, minutes=5),
        date(1990, 7, 15),
    ]
    assert [type(v) for v in upstream[3][2:6]] == [date, datetime, time, timedelta]
    assert fork[5][2:8] == upstream[5][2:8] == [3, 1e20, 0, 2**53, 3273015507900001, -7]
    assert type(fork[5][2]) is int and type(upstream[5][2]) is float  # rows.py: int for both
    assert fork[7][8:10] == ["#N/A", "#DIV/0!"] and upstream[7][8:10] == ["", ""]
    assert upstream[0] == upstream[1] == [""] * 10


def test_the_reader_gives_the_same_rows_and_types_on_both(monkeypatch):
    """A roster with typical mistakes (NIKs as numbers, dates as text...): the same
    (row, values, raw cells, types) through open_sheet."""
    fork = _read(SAMPLE, monkeypatch, "plus")
    upstream = _read(SAMPLE, monkeypatch, "calamine")
    assert fork[0] == PLUS and upstream[0] == CALAMINE
    assert fork[1] == upstream[1] and len(fork[1]) == 40


def test_a_sheet_without_any_value_yields_no_row():
    data = xlsx(sheet_xml('<row r="3"><c r="B3" s="1"/></row>'))
    assert _book_rows(data, FORK, (0, 10, 3)) == _book_rows(data, UPSTREAM, (0, 10, 3)) == []


@settings(max_examples=150, deadline=None)
@given(sheets(), st.integers(0, 40), st.integers(0, 3_100), st.integers(0, 70))
def test_random_sheets_read_alike(sheet: str, min_row: int, span: int, max_col: int):
    data = xlsx(sheet)
    with zipfile.ZipFile(io.BytesIO(data)).open(SHEET) as stream:
        assume(extent._expat_extent(stream).in_row_order)  # else the fork refuses it
    window = (min_row, min_row + span, max_col)
    _assert_same_rows(_book_rows(data, FORK, window), _book_rows(data, UPSTREAM, window))


# --- Values out of row order --------------------------------------------------------------------


def test_rows_out_of_order_are_read_whole_with_the_same_rows(monkeypatch):
    in_order = _read(SAMPLE, monkeypatch, None)
    shuffled = rearranged(SAMPLE, rows_1_3_4_2)
    with zipfile.ZipFile(io.BytesIO(shuffled)).open(SHEET) as stream:
        assert extent._fast_extent(stream).in_row_order is False  # type: ignore[union-attr]
    with zipfile.ZipFile(io.BytesIO(shuffled)).open(SHEET) as stream:
        assert extent._expat_extent(stream).in_row_order is False
    read = _read(shuffled, monkeypatch, None)
    assert read == (CALAMINE, in_order[1])
    assert _read(shuffled, monkeypatch, "calamine") == read


def test_forcing_the_fork_on_rows_out_of_order_refuses_the_file(monkeypatch):
    """What the fork alone does (the behaviour before the fallback): refused, unreadable."""
    monkeypatch.setenv(ENV, "plus")
    shuffled = rearranged(SAMPLE, rows_1_3_4_2)
    with (
        pytest.raises(SheetRejected) as caught,
        open_sheet(shuffled, ROSTER_COLUMNS, max_bytes=MB, max_rows=1_000) as opened,
    ):
        list(opened.rows())
    assert caught.value.issues[0].code == "file.unreadable"
    assert caught.value.issues[0].params["reason"] == "parse_error"


def test_cells_out_of_order_within_their_rows_still_stream(monkeypatch):
    in_order = _read(SAMPLE, monkeypatch, None)
    assert _read(rearranged(SAMPLE, cells_reversed), monkeypatch, None) == in_order


def test_a_sheet_read_whole_has_no_part_for_another_process(tmp_path, monkeypatch):
    """Its rows are in the opener's memory already (another process would load the whole
    sheet again): none is offered, so a guess made for the fork (before the scan found the
    rows out of order) is dropped, and the rows are read here."""
    monkeypatch.delenv(ENV, raising=False)
    path = tmp_path / "shuffled.xlsx"
    path.write_bytes(rearranged(SAMPLE, rows_1_3_4_2))
    guesses: list = []
    with open_sheet(
        path, ROSTER_COLUMNS, max_bytes=MB, max_rows=1_000, early=guesses.append
    ) as opened:
        assert opened.backend == CALAMINE and opened.part() is None
        assert len(guesses) == 1  # made before the scan; the importer drops it (part None)
    with open_sheet(SAMPLE, ROSTER_COLUMNS, max_bytes=MB, max_rows=1_000) as opened:
        assert opened.backend == PLUS and opened.part() is not None


# --- Which backend, and when the fork fails -------------------------------------------------------


def test_without_the_fork_the_fallback_reads_every_sheet(monkeypatch):
    """python-calamine-plus not installed (its import failed): python-calamine reads."""
    expected = _read(SAMPLE, monkeypatch, "plus")[1]
    monkeypatch.setattr(backend, "python_calamine_plus", None)
    monkeypatch.delenv(ENV)
    assert backend.configured() == Choice(CALAMINE, fall_back=True)
    assert _read(SAMPLE, monkeypatch, None) == (CALAMINE, expected)
    monkeypatch.setenv(ENV, "plus")
    with pytest.raises(ValueError, match="python-calamine-plus is not installed"):
        backend.configured()
    with pytest.raises(ConfigError, match="python-calamine-plus is not installed"):
        load_config()


def test_a_failed_import_of_the_fork_leaves_the_reader_working():
    """In a fresh interpreter where importing python_calamine_plus raises ImportError."""
    probe = (
        "import sys; sys.modules['python_calamine_plus'] = None\n"
        "from edabu_lite.sheets import backend\n"
        "from edabu_lite.sheets.columns import ROSTER_COLUMNS\n"
        "from edabu_lite.sheets.reader import open_sheet\n"
        "assert backend.python_calamine_plus is None\n"
        "with open_sheet(sys.argv[1], ROSTER_COLUMNS, max_bytes=2**20, max_rows=100) as s:\n"
        "    print(s.backend, len(list(s.rows())))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != ENV}
    done = subprocess.run(
        [sys.executable, "-c", probe, str(SAMPLE)],
        capture_output=True, text=True, check=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.stdout.split() == [CALAMINE, "40"]


def test_the_setting_chooses_and_a_bad_one_is_refused_clearly(monkeypatch):
    assert _read(SAMPLE, monkeypatch, None)[0] == PLUS
    assert _read(SAMPLE, monkeypatch, " Calamine ")[0] == CALAMINE
    monkeypatch.setenv(ENV, "fast")
    message = "EDABU_SHEET_BACKEND must be one of auto, calamine, plus, got 'fast'"
    with pytest.raises(ValueError, match=message):
        open_sheet(SAMPLE, ROSTER_COLUMNS, max_bytes=MB, max_rows=1_000)
    with pytest.raises(ConfigError, match=message):
        load_config()
    monkeypatch.setenv(ENV, "calamine")
    assert load_config()["SHEET_BACKEND"] == CALAMINE


def test_a_sheet_read_whole_gets_no_early_guess(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, "calamine")
    guesses: list = []
    with open_sheet(SAMPLE, ROSTER_COLUMNS, max_bytes=MB, max_rows=1_000, early=guesses.append):
        pass
    assert guesses == []


def _failing_stream(yield_first: bool):  # type: ignore[no-untyped-def]
    real = Book._stream

    def stream(self, *args):  # type: ignore[no-untyped-def]
        rows = real(self, *args)
        if yield_first:
            yield next(rows)
        raise CalamineError("a failure of the fork's own stream")

    return stream


def test_a_fork_failure_before_its_first_row_is_read_by_the_fallback(monkeypatch):
    expected = _read(SAMPLE, monkeypatch, None)[1]
    monkeypatch.setattr(Book, "_stream", _failing_stream(yield_first=False))
    assert _read(SAMPLE, monkeypatch, None) == (CALAMINE, expected)
    monkeypatch.setenv(ENV, "plus")  # forced: no fallback
    with pytest.raises(SheetRejected) as caught:
        open_sheet(SAMPLE, ROSTER_COLUMNS, max_bytes=MB, max_rows=1_000)
    assert caught.value.issues[0].params == {"reason": "parse_error", "detail": "CalamineError"}


def test_a_fork_failure_after_rows_were_yielded_stays_unreadable(monkeypatch):
    """Rows already handed on cannot be taken back: the file is refused as before."""
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setattr(Book, "_stream", _failing_stream(yield_first=True))
    with open_sheet(SAMPLE, ROSTER_COLUMNS, max_bytes=MB, max_rows=1_000) as opened:
        with pytest.raises(SheetRejected) as caught:
            list(opened.rows())
        assert opened.backend == PLUS
    assert caught.value.issues[0].params == {"reason": "parse_error", "detail": "CalamineError"}
