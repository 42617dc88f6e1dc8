"""Which calamine reads a sheet's rows: the one module that knows the two bindings.

python-calamine-plus (a fork of python-calamine) streams a sheet row by row within the
extent scan's bounds, so the sheet is never held whole. python-calamine itself (upstream)
can only load a sheet whole: it is the fallback, read within the same bounds, used

* when the fork is not installed, or ``EDABU_SHEET_BACKEND=calamine`` says so;
* for a sheet whose values are not stored in row order (the extent scan says so, `Book.
  unordered`): the fork refuses such a valid sheet ("cells are not stored in row order"),
  and only after yielding rows, some of them wrong (a row whose values come later in the
  file is yielded empty first), so the choice is made before any row is read;
* when the fork's stream fails before its first row of a pass (``auto`` only): its
  streaming reader is the fork's own code, the rest is upstream's calamine. A failure
  after rows were yielded is not retried (they cannot be taken back): it stays the
  reader's ``file.unreadable`` (``parse_error``), as does the fallback's own failure.

Both give the same rows to `rows.py` (tests/sheets/test_backends.py compares them): every
row from ``min_row`` to the last row holding a value (at most ``max_row``), exactly
``max_col + 1`` cells from column A, empty cells as "". What differs is converted by
`rows._convert` alike: the fork gives a number written as an integer as an int where
upstream gives a float (any integral float within ±2**53 becomes an int there), and an
error cell as its text ("#N/A") where upstream gives "" (both mean an empty cell).
Dates, datetimes, times, durations, booleans and text are the same objects.

Read whole, a sheet costs memory in proportion to its cells (python-calamine's range spans
the cells holding a value, so within the extent scan's checked bounds): +141 MB at 100,000
roster rows, +424 MB at 300,000, against +9 MB streamed (bench/NOTES.md). Such a sheet is
read in the opening process only (`reader.OpenedSheet.part` offers no part to another).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Final

import python_calamine

try:
    import python_calamine_plus
except ImportError:  # the fork is optional: upstream reads every sheet, whole
    python_calamine_plus = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

ENV: Final = "EDABU_SHEET_BACKEND"
AUTO: Final = "auto"
PLUS: Final = "plus"  # python-calamine-plus: streams the rows
CALAMINE: Final = "calamine"  # python-calamine: loads the sheet whole
CHOICES: Final = (AUTO, CALAMINE, PLUS)

_INTERRUPTS: Final = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


@dataclass(frozen=True)
class Choice:
    """The backend a sheet in row order is read with, and whether a failure of the fork's
    stream is retried with python-calamine (``auto`` only)."""

    backend: str
    fall_back: bool


def configured() -> Choice:
    """``EDABU_SHEET_BACKEND`` (``auto``, ``calamine`` or ``plus``); ValueError when it names
    something else, or the fork while it is not installed."""
    raw = os.environ.get(ENV, "").strip().lower() or AUTO
    if raw not in CHOICES:
        raise ValueError(f"{ENV} must be one of {', '.join(CHOICES)}, got {raw!r}")
    if raw == PLUS and python_calamine_plus is None:
        raise ValueError(f"{ENV}=plus, but python-calamine-plus is not installed")
    if raw == AUTO:
        return Choice(PLUS if python_calamine_plus is not None else CALAMINE, fall_back=True)
    return Choice(raw, fall_back=False)


class Book:
    """An open workbook: its sheets, and the rows of one, whichever binding reads them.

    ``backend`` says which one reads the rows now (`PLUS` or `CALAMINE`); it changes to
    `CALAMINE` when the fork cannot stream the sheet. ``source`` is a path or a seekable
    binary file, kept open by the caller until `close`."""

    def __init__(self, source: str | BinaryIO, choice: Choice) -> None:
        self.backend = choice.backend
        self._fall_back = choice.fall_back and choice.backend == PLUS
        self._source = source
        self._workbook: Any = _open(source, self.backend)
        self._loaded: tuple[int, Any] | None = None  # upstream's sheet, loaded once

    @property
    def streams(self) -> bool:
        """Whether reading a few rows costs a few rows (not the whole sheet)."""
        return self.backend == PLUS

    @property
    def sheets(self) -> list[tuple[str, bool]]:
        """Each sheet's name, and whether it is a visible worksheet, in workbook order."""
        module = _module(self.backend)
        visible, worksheet = module.SheetVisibleEnum.Visible, module.SheetTypeEnum.WorkSheet
        return [
            (meta.name, meta.visible == visible and meta.typ == worksheet)
            for meta in self._workbook.sheets_metadata
        ]

    def unordered(self) -> None:
        """The sheet's values are not stored in row order: read it whole (unless the fork
        is forced, which then refuses it)."""
        if self._fall_back:
            self._switch("values not stored in row order")

    def rows(self, index: int, min_row: int, max_row: int, max_col: int) -> Iterator[list[Any]]:
        """Rows ``min_row`` .. ``max_row`` (0-based, inclusive) of sheet ``index``, each
        ``max_col + 1`` cells from column A, ending at the last row holding a value."""
        if self.backend == PLUS and not self._fall_back:
            yield from self._stream(index, min_row, max_row, max_col)
            return
        if self.backend == PLUS:
            try:
                stream = self._stream(index, min_row, max_row, max_col)
                first = next(stream)
            except StopIteration:
                return
            except _INTERRUPTS:
                raise
            except BaseException as exc:  # incl. pyo3's PanicException
                self._switch(type(exc).__name__)  # its text may quote a cell
            else:
                yield first
                yield from stream
                return
        yield from self._whole_sheet_rows(index, min_row, max_row, max_col)

    def _stream(self, index: int, min_row: int, max_row: int, max_col: int) -> Iterator[list[Any]]:
        return iter(
            self._workbook.stream_sheet_by_index(
                index, min_row=min_row, max_row=max_row, max_col=max_col
            )
        )

    def close(self) -> None:
        self._loaded = None
        workbook, self._workbook = self._workbook, None
        if workbook is not None:
            with contextlib.suppress(Exception):  # already closed: nothing to free
                workbook.close()

    def _switch(self, why: str) -> None:
        log.warning("python-calamine-plus cannot stream this sheet (%s): read whole", why)
        self.close()
        self.backend, self._fall_back = CALAMINE, False
        self._workbook = _open(self._source, CALAMINE)

    def _whole_sheet_rows(
        self, index: int, min_row: int, max_row: int, max_col: int
    ) -> Iterator[list[Any]]:
        """python-calamine's rows, aligned with the sheet's own A1 indexes.

        Its range covers the cells holding a value only (formatted empty cells do not widen
        it), so it is no larger than the extent scan's bounds. ``iter_rows`` first yields
        the rows above the range as empty rows (upstream's own test, test_xlsx_iter_rows),
        so rows are numbered from row 0; columns start at the range's first column, so each
        row gets that many empty cells in front, then is cut or padded to the width."""
        if self._loaded is None or self._loaded[0] != index:
            self._loaded = (index, self._workbook.get_sheet_by_index(index))
        sheet = self._loaded[1]
        start, end = sheet.start, sheet.end
        if start is None or end is None or not sheet.height:
            return  # no value at all (iter_rows would fail on the empty range)
        width = max_col + 1
        lead = [""] * start[1]
        last = min(max_row, end[0])
        count = 0
        for cells in itertools.islice(sheet.iter_rows(), min_row, last + 1):
            count += 1
            row = lead + cells if lead else cells
            missing = width - len(row)
            if missing > 0:
                row.extend([""] * missing)
            elif missing < 0:
                del row[width:]
            yield row
        if min_row <= last and count != last + 1 - min_row:  # an upstream change to iter_rows
            raise RuntimeError(f"python-calamine yielded {count} rows, not {last + 1 - min_row}")


def _module(backend: str) -> Any:
    return python_calamine_plus if backend == PLUS else python_calamine


def _open(source: str | BinaryIO, backend: str) -> Any:
    module = _module(backend)
    if module is None:
        raise RuntimeError("python-calamine-plus is not installed")
    if isinstance(source, str):
        return module.CalamineWorkbook.from_path(source)
    source.seek(0)
    return module.CalamineWorkbook.from_filelike(source)
