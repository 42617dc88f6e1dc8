"""Safe, fast reading of an uploaded roster or mutation workbook (.xlsx).

`open_sheet` checks the upload before any spreadsheet parser touches it, then streams the first
visible worksheet with python-calamine-plus (calamine, in Rust, ~1 s per 100,000 rows of 18
columns) one row at a time: the sheet is never held in memory as a whole, so a 300,000-row
roster is read in a few MB. (python-calamine itself loads the whole sheet first, ~370 MB at
300,000 rows; the fork adds the streaming reader and is otherwise the same binding.) Without
the fork, or for a sheet it cannot stream (values out of row order), python-calamine reads
the sheet whole within the same bounds and gives the same rows (`backend`).

Before parsing, with the standard library only:

* the size (0 bytes: ``file.empty``; over ``max_bytes``: ``file.too_large``);
* the magic bytes: an old .xls or a password-protected workbook (both OLE2 compound files; an
  ``EncryptionInfo`` stream means encrypted), a CSV or HTML file renamed to .xlsx, or random
  bytes are ``file.unreadable``, with ``params["reason"]`` saying which (see `REASONS`);
* the zip container (`archive.inspect_zip`): a corrupt zip, encrypted members, exotic
  compression, no ``xl/workbook.xml``, too many members, zip bombs, members that inflate to
  more than they declare, huge shared strings or cells, DOCTYPE and ENTITY declarations;
* workbook.xml and its relationships are read with expat, no deeper than `MAX_XML_DEPTH`;
* the extent of the chosen sheet: the last row and column that
  may hold a value. The stream is bounded by them, so a 2 KB file with one value in A1 and
  one in XFD1048576 is refused (too many columns) instead of yielding rows 16,384 cells wide,
  and formatted empty rows down to row 1,048,576 are not even visited. The sheet XML is
  streamed once for this (zlib plus a few C-speed regular-expression passes, ~0.3 s per
  100,000 rows), which also gives the progress bar its total; unusual XML (namespace
  prefixes, cells without a reference, three-letter columns, rows out of order) falls back
  to a slower but exact expat scan. Empty formatted cells and rows hold no value and never
  count as rows.

Reading:

* the first visible worksheet (hidden and very hidden sheets, chart and dialog sheets are
  skipped); the header is Excel row 1, data starts at row 2; ``excel_row`` numbers and column
  indexes are the sheet's own, whatever calamine's range offset;
* headers match `HeaderIndex` (case-, space- and punctuation-insensitive, with aliases): a
  missing required column is one ``header.missing_column`` each, the same column twice is
  ``header.duplicate_column``; both reject the file. Unknown headers are a
  ``header.unknown_column`` warning each; an untitled column is ignored unless it holds data,
  in which case the warning (header = the column letter) is added to ``OpenedSheet.issues``
  while `OpenedSheet.rows` runs: read ``issues`` after iterating;
* rows whose cells are all empty or whitespace are skipped; more than ``max_rows`` non-empty
  data rows is ``file.too_many_rows``; a header without data rows is ``file.empty``;
* a text longer than Excel allows in a cell (`MAX_CELL_CHARS`; `MAX_HEADER_CHARS` in the
  header) is ``file.cell_too_long``, a row holding more than `MAX_ROW_CHARS` of text is
  ``file.row_too_long``, with the row; found while the rows are read, so the caller drops
  what it staged.

Cell values: text is stripped (empty text is None); numbers stay numbers: an integral float
within ±2**53 becomes an int, any other float stays a float (a NIK typed as a number arrives as
an int or a float, never as text, so the identity parsers can report ``*.not_text``); booleans
stay booleans; date cells are `datetime.date` (a datetime at midnight becomes a date), other
datetimes, times and durations come as calamine gives them; error cells (``#N/A``, ``#REF!``…)
are empty (the streaming reader gives their text; a text equal to an Excel error literal is
taken for one, so a template with VLOOKUPs dragged down to row 1,000 has no data rows there).
A formula cell yields its cached value (what Excel last computed; a file written by a program
that never computed it yields None). A merged area holds its value in its top-left cell only;
the other cells are empty. A leading apostrophe typed in Excel is not part of the value.

``raw_cells`` is the whole row from column A up to the sheet's last column, in sheet order,
with the same conversions except that text is not stripped (only an empty text becomes
None), so the error report can write the user's row back as uploaded.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO, Final
from xml.parsers import expat

from edabu_lite.issues import Issue
from edabu_lite.sheets.archive import ZIP_ERRORS, inspect_zip, not_a_zip
from edabu_lite.sheets.backend import PLUS, Book, Choice, configured
from edabu_lite.sheets.columns import ColumnSpec
from edabu_lite.sheets.extent import _column_index, _parser, _sheet_extent
from edabu_lite.sheets.rejected import (
    MIB,
    SheetRejected,
    reject,
    too_long,
    unreadable,
)
from edabu_lite.sheets.rows import (
    _calamine_errors,
    _convert,
    _count_data_rows,
    _data_rows,
    _header_text,
    _is_blank,
    _match_headers,
    _Stream,
)
from edabu_lite.sheets.upload import _Input, _open_input

__all__ = ["REASONS", "OpenedSheet", "SheetPart", "SheetRejected", "column_letter", "open_sheet"]

#: workbook.xml and its relationships are parsed in memory: keep them small.
MAX_WORKBOOK_PART: Final = 8 * MIB
#: Widest sheet accepted (the roster has 18 columns; a payroll export a few dozen).
MAX_COLUMNS: Final = 256
#: Characters in one header cell (one cell: `rejected.MAX_CELL_CHARS`; one row:
#: `rows.MAX_ROW_CHARS`).
MAX_HEADER_CHARS: Final = 255
#: Cells a sheet may span, (max_rows + 1) × this and never less than MIN_CELLS: bounds the
#: shared-string table and the cells read.
CELLS_PER_ROW: Final = 32
MIN_CELLS: Final = 1_000_000

#: Stable values of ``params["reason"]`` on ``file.unreadable`` (and ``file.empty``).
REASONS: Final = (
    "not_found",  # the path cannot be opened
    "csv",  # a text file (CSV, TSV) renamed to .xlsx
    "html",  # an HTML/XML page renamed to .xls/.xlsx (common "Excel export" of web apps)
    "xls",  # an old .xls workbook (OLE2)
    "encrypted",  # a password-protected workbook (OLE2 with EncryptionInfo, or encrypted zip)
    "not_xlsx",  # any other bytes
    "corrupt_zip",  # a zip that cannot be read
    "no_workbook",  # a zip without xl/workbook.xml (e.g. .ods, .docx, .xlsb)
    "too_many_parts",  # more than MAX_MEMBERS zip members
    "unsupported_compression",  # a member neither stored nor deflated
    "compression_ratio",  # a member compressed more than MEMBER_RATIO:1 (zip bomb)
    "size_mismatch",  # a member inflates to more than it declares (or its headers disagree)
    "xml_doctype",  # a DOCTYPE or ENTITY declaration (XML entity bomb)
    "xml_too_deep",  # elements nested deeper than MAX_XML_DEPTH
    "too_many_columns",  # a value beyond MAX_COLUMNS or too many cells
    "too_many_strings",  # more shared strings than cells allowed
    "missing_sheet",  # the worksheet part named by the workbook is missing
    "parse_error",  # calamine or the XML scan failed
    "no_visible_sheet",  # (file.empty) no visible worksheet
)

_ZIP_MAGIC: Final = b"PK\x03\x04"
_WORKBOOK_PART: Final = "xl/workbook.xml"
_WORKBOOK_RELS: Final = "xl/_rels/workbook.xml.rels"


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class OpenedSheet:
    """A sheet whose header matched; iterate `rows` (more than once if needed), then `close`.

    ``issues`` is complete once `rows` has run to the end: an untitled column found holding
    data adds its ``header.unknown_column`` warning then. ``total_rows`` is an upper bound for
    a progress bar (exact unless blank rows sit between the data rows).
    """

    columns: dict[str, int]
    headers: list[str]
    issues: list[Issue]
    total_rows: int | None
    _source: _Stream | None = field(default=None, repr=False)
    _untitled: dict[int, bool] = field(default_factory=dict, repr=False)

    def rows(self, first_row: int = 2) -> Iterator[tuple[int, dict[str, object], list[object]]]:
        """Yield ``(excel_row, values_by_key, raw_cells)`` for each non-empty data row, from
        Excel row ``first_row`` on."""
        if self._source is None:
            raise ValueError("the sheet is closed")
        untitled = [index for index, seen in self._untitled.items() if not seen]
        yield from _rows(self._source, self.columns, untitled, self.note_untitled, first_row)

    @property
    def backend(self) -> str | None:
        """Which calamine reads the rows (`backend.PLUS` or `backend.CALAMINE`); None once
        closed."""
        return self._source.book.backend if self._source is not None else None

    def part(self) -> SheetPart | None:
        """The rows' description for another process, which reads them from the same file
        (None when the upload is not a file on disk, or when the sheet is read whole: its
        rows are in this process's memory already, the other would load them again)."""
        source = self._source
        if source is None or source.handle is None or source.handle.path is None:
            return None
        if not source.book.streams:
            return None
        return self._part(source.handle.path, source)

    def _part(self, path: str, source: _Stream) -> SheetPart:
        untitled = tuple(index for index, seen in self._untitled.items() if not seen)
        return SheetPart(
            path, source.index, source.max_row, source.max_col, dict(self.columns), untitled
        )

    def note_untitled(self, index: int) -> None:
        """An untitled column holds data after all: warn once (also for `SheetPart` rows)."""
        if self._untitled.get(index) is False:
            self._untitled[index] = True
            self.issues.append(
                Issue("header.unknown_column", params={"header": column_letter(index)})
            )

    def close(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.close()

    def __enter__(self) -> OpenedSheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - safety net only
        with contextlib.suppress(Exception):
            self.close()


def open_sheet(
    source: str | os.PathLike[str] | BinaryIO | bytes,
    columns: Sequence[ColumnSpec],
    *,
    max_bytes: int,
    max_rows: int,
    early: Callable[[SheetPart], None] | None = None,
) -> OpenedSheet:
    """Check and open the first visible worksheet of an .xlsx upload; raise `SheetRejected`.

    ``source`` is a path, a binary file object (read from its start; a non-seekable stream is
    spooled to a temporary file first) or bytes. Never raises anything but `SheetRejected`
    for a bad file (a programming error such as a bad ``columns`` argument still raises).

    ``early``, for a file on disk: called before the extent scan (the costliest check, ~0.5 s
    per 100,000 rows) with the `SheetPart` the opened sheet will most likely have, guessed
    from the sheet's own ``<dimension>`` (or the row limit) once the zip checks have passed,
    so another process can start reading meanwhile. Only a guess: the caller checks it
    against the opened sheet's `OpenedSheet.part` (`SheetPart.reads_as`) and drops what was
    read if it fails (or if the file is refused after all). Not called when no guess can be
    made (an unusable dimension, a header that will be refused), nor when the sheet is read
    whole (`backend`): its header alone would cost the whole sheet.

    A bad ``EDABU_SHEET_BACKEND`` raises ValueError (a deployment error, not the file's).
    """
    choice = configured()
    handle = _open_input(source, max_bytes)
    try:
        return _open(
            handle, tuple(columns), choice, max_bytes=max_bytes, max_rows=max_rows, early=early
        )
    except SheetRejected:
        handle.close()
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        handle.close()
        raise
    except BaseException as exc:  # incl. pyo3's PanicException, a BaseException
        handle.close()
        raise unreadable("parse_error", detail=type(exc).__name__) from exc


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → 'A', 27 → 'AB')."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --------------------------------------------------------------------------------------------
# Opening
# --------------------------------------------------------------------------------------------


def _open(
    handle: _Input,
    columns: tuple[ColumnSpec, ...],
    choice: Choice,
    *,
    max_bytes: int,
    max_rows: int,
    early: Callable[[SheetPart], None] | None = None,
) -> OpenedSheet:
    fh = handle.fh
    fh.seek(0)
    head = fh.read(8)
    if head[:4] != _ZIP_MAGIC:
        raise not_a_zip(fh, head)
    max_cells = max(MIN_CELLS, (max_rows + 1) * CELLS_PER_ROW)
    fh.seek(0)
    try:
        archive = zipfile.ZipFile(fh)
    except Exception as exc:
        raise unreadable("corrupt_zip") from exc
    with archive:
        try:
            prefixes = inspect_zip(fh, archive, max_bytes, max_cells)
        except ZIP_ERRORS as exc:
            raise unreadable("corrupt_zip") from exc
        fh.seek(0)
        workbook = _calamine(handle, choice)
        try:
            index, name = _choose_sheet(workbook)
            try:
                part = _sheet_part(archive, name)
                dimension = _declared_extent(archive, part)
            except ZIP_ERRORS as exc:
                raise unreadable("corrupt_zip") from exc
            if early is not None and handle.path is not None and workbook.streams:
                guess = _guess_part(
                    handle.path,
                    index,
                    dimension,
                    columns,
                    Choice(workbook.backend, fall_back=False),
                    max_rows=max_rows,
                    max_cells=max_cells,
                )
                if guess is not None:
                    early(guess)  # outside the zip's error translation: not the file's fault
            try:
                max_row, max_col, in_row_order = _sheet_extent(
                    archive, part, prefixes.get(part, b"")
                )
            except ZIP_ERRORS as exc:
                raise unreadable("corrupt_zip") from exc
            declared = dimension[1] if dimension is not None else None
            _check_extent(max_row, max_col, max_rows, max_cells)
            if not in_row_order:
                with _calamine_errors():
                    workbook.unordered()
        except BaseException:
            workbook.close()
            raise
    source = _Stream(workbook, handle, index, max_row, max_col)
    try:
        return _read_header(source, columns, max_rows=max_rows, declared=declared)
    except BaseException:
        source.close()
        raise


@dataclass(frozen=True)
class SheetPart:
    """An opened sheet's rows as another process reads them from the same file (picklable;
    the file passed every check when it was opened). `rows` calls ``found`` with each
    untitled column found holding data, for the opener's `OpenedSheet.note_untitled`."""

    path: str
    index: int
    max_row: int
    max_col: int
    columns: dict[str, int]
    untitled: tuple[int, ...]

    def reads_as(self, opened: SheetPart) -> bool:
        """Whether `rows` yields exactly what ``opened`` (the part of the sheet once open)
        would: the same part but for a row bound at or beyond ``opened``'s (no row past the
        extent scan's bound holds a value)."""
        return self.max_row >= opened.max_row and replace(self, max_row=opened.max_row) == opened

    def rows(
        self, found: Callable[[int], None], first_row: int = 2
    ) -> Iterator[tuple[int, dict[str, object], list[object]]]:
        choice = Choice(PLUS, fall_back=configured().fall_back)  # a part is a streamed sheet
        with _calamine_errors():
            book = Book(self.path, choice)
        source = _Stream(book, None, self.index, self.max_row, self.max_col)
        try:
            yield from _rows(source, self.columns, list(self.untitled), found, first_row)
        finally:
            source.close()


def _rows(
    source: _Stream,
    columns: dict[str, int],
    untitled: list[int],
    found: Callable[[int], None],
    first_row: int,
) -> Iterator[tuple[int, dict[str, object], list[object]]]:
    items = tuple(columns.items())
    for excel_row, raw in _data_rows(source, first_row):
        if untitled:
            for index in [i for i in untitled if not _is_blank(raw[i])]:
                untitled.remove(index)
                found(index)
        values: dict[str, object] = {}
        for key, index in items:
            value = raw[index]
            if value.__class__ is str:
                value = value.strip() or None  # type: ignore[union-attr]
            values[key] = value
        yield excel_row, values, raw


def _calamine(handle: _Input, choice: Choice) -> Book:
    with _calamine_errors():
        return Book(handle.path if handle.path is not None else handle.fh, choice)


def _choose_sheet(workbook: Book) -> tuple[int, str]:
    for index, (name, visible_worksheet) in enumerate(workbook.sheets):
        if visible_worksheet:
            return index, name
    raise reject("file.empty", reason="no_visible_sheet")


def _elements(archive: zipfile.ZipFile, name: str, wanted: str) -> Iterator[dict[str, str]]:
    """The attributes (local names) of each ``wanted`` element of a small XML part, streamed
    with expat: no tree is built, so nesting a million elements deep costs nothing."""
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise unreadable("missing_sheet") from exc
    if info.file_size > MAX_WORKBOOK_PART:
        raise unreadable("parse_error", detail="workbook part too large")
    found: list[dict[str, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag.rpartition("}")[2] == wanted:
            found.append({key.rpartition("}")[2]: value for key, value in attrs.items()})

    parser = _parser(start)
    try:
        parser.Parse(archive.read(info), True)
    except expat.ExpatError as exc:
        raise unreadable("parse_error", detail="workbook xml") from exc
    return iter(found)


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str:
    """The zip member holding the worksheet called ``name`` (workbook.xml → its rels)."""
    rel_id = next(
        (
            sheet.get("id")
            for sheet in _elements(archive, _WORKBOOK_PART, "sheet")
            if sheet.get("name") == name
        ),
        None,
    )
    if rel_id is None:
        raise unreadable("missing_sheet")
    target = next(
        (
            rel.get("Target")
            for rel in _elements(archive, _WORKBOOK_RELS, "Relationship")
            if rel.get("Id") == rel_id
        ),
        None,
    )
    if not target:
        raise unreadable("missing_sheet")
    target = target.replace("\\", "/")
    part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    part = posixpath.normpath(part)
    names = {info.filename: info.filename for info in archive.infolist()}
    if part in names:
        return part
    folded = {n.lower(): n for n in names}
    if part.lower() in folded:
        return folded[part.lower()]
    raise unreadable("missing_sheet")


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*[0-9]*:?([A-Z]{1,3})([0-9]*)"')


def _declared_extent(archive: zipfile.ZipFile, part: str) -> tuple[int, int] | None:
    """The last row and column (0-based; the row -1 when the ref has none) of the sheet's
    ``<dimension ref>``, None when absent. The column only narrows the coarse bound of the
    extent scan, never widens it; both give `_guess_part` its guess."""
    with archive.open(part) as stream:
        head = stream.read(64 * 1024)
    found = _DIMENSION.search(head)
    if found is None:
        return None
    return int(found.group(2) or 0) - 1, _column_index(found.group(1))


def _guess_part(
    path: str,
    index: int,
    dimension: tuple[int, int] | None,
    columns: tuple[ColumnSpec, ...],
    choice: Choice,
    *,
    max_rows: int,
    max_cells: int,
) -> SheetPart | None:
    """The `SheetPart` the sheet will have if its ``<dimension>`` is its true extent (as in
    files from Excel, LibreOffice and openpyxl), or, without one, if its rows end within
    ``max_rows``: the header read with those bounds, on a workbook of its own. None when the
    dimension is unusable or the header would be refused; the real opening then says why."""
    if dimension is None:  # as wide as the header (as `_read_header` reads such a sheet)
        max_row, max_col, declared = max_rows, MAX_COLUMNS - 1, None
    else:
        (max_row, max_col), declared = dimension, dimension[1]
        if max_row < 1 or max_row > max_rows or max_col + 1 > MAX_COLUMNS:
            return None
    try:
        with _calamine_errors():
            book = Book(path, choice)
        source = _Stream(book, None, index, max_row, max_col)
        try:
            guessed = _read_header(source, columns, max_rows=max_rows, declared=declared)
        finally:
            source.close()
        _check_extent(source.max_row, source.max_col, max_rows, max_cells)  # as read: narrowed
    except Exception:  # SheetRejected, or anything: a guess never fails the real opening
        return None
    return guessed._part(path, source)


def _check_extent(max_row: int, max_col: int, max_rows: int, max_cells: int) -> None:
    """Refuse before calamine allocates (max_row + 1) × (max_col + 1) cells."""
    if max_row < 0:
        raise reject("file.empty")
    if max_col + 1 > MAX_COLUMNS:
        raise unreadable("too_many_columns", columns=max_col + 1, max_columns=MAX_COLUMNS)
    if (max_row + 1) * (max_col + 1) > max_cells:
        if max_row > max_rows:
            raise reject(
                "file.too_many_rows", rows=max_row, max_rows=max_rows, last_row=max_row + 1
            )
        raise unreadable("too_many_columns", columns=max_col + 1, max_columns=MAX_COLUMNS)


def _read_header(
    source: _Stream, columns: tuple[ColumnSpec, ...], *, max_rows: int, declared: int | None
) -> OpenedSheet:
    first = next(iter(source.iter_rows()), [])
    headers = [_header_text(value) for value in _convert(first, 1)]
    if any(len(text) > MAX_HEADER_CHARS for text in headers):  # the job keeps its headers
        raise too_long("file.cell_too_long", MAX_HEADER_CHARS, 1)
    # The scan bounds the columns coarsely (to Z when no cell lies beyond); the sheet's own
    # <dimension> is exact in files from Excel, LibreOffice and openpyxl. Rows are read as
    # wide as both allow and never narrower than the header; a file without a dimension
    # (some streaming writers) is read as wide as its header.
    titled = max((i + 1 for i, text in enumerate(headers) if text), default=0)
    declared_width = titled if declared is None else declared + 1
    width = max(titled, min(declared_width, len(headers)))
    del headers[width:]
    source.max_col = width - 1
    found, issues, untitled = _match_headers(headers, columns)
    errors = [issue for issue in issues if issue.is_error]
    if errors:
        raise SheetRejected(issues)
    if _count_data_rows(source, stop_after=1) == 0:
        raise reject("file.empty")
    total_rows = source.max_row  # data rows lie in Excel rows 2 .. max_row + 1
    if total_rows > max_rows:
        total_rows = _count_data_rows(source)
        if total_rows > max_rows:
            raise reject("file.too_many_rows", rows=total_rows, max_rows=max_rows)
    return OpenedSheet(
        columns=found,
        headers=headers,
        issues=issues,
        total_rows=total_rows,
        _source=source,
        _untitled=dict.fromkeys(untitled, False),
    )
