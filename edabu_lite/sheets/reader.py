"""Safe, fast reading of an uploaded roster or mutation workbook (.xlsx).

`open_sheet` checks the upload before any spreadsheet parser touches it, then streams the first
visible worksheet with python-calamine-plus (calamine, in Rust, ~1 s per 100,000 rows of 18
columns) one row at a time: the sheet is never held in memory as a whole, so a 300,000-row
roster is read in a few MB. (python-calamine itself loads the whole sheet first, ~370 MB at
300,000 rows; the fork adds the streaming reader and is otherwise the same binding.)

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
import functools
import io
import os
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import BinaryIO, Final
from xml.parsers import expat

from python_calamine_plus import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from edabu_lite.issues import Issue
from edabu_lite.sheets.archive import CHUNK, ZIP_ERRORS, inspect_zip, not_a_zip
from edabu_lite.sheets.columns import ColumnSpec, HeaderIndex, header_key, is_report_header
from edabu_lite.sheets.rejected import (
    MAX_CELL_CHARS,
    MIB,
    SheetRejected,
    mb,
    reject,
    too_large,
    too_long,
    unreadable,
)

__all__ = ["REASONS", "OpenedSheet", "SheetPart", "SheetRejected", "column_letter", "open_sheet"]

#: workbook.xml and its relationships are parsed in memory: keep them small.
MAX_WORKBOOK_PART: Final = 8 * MIB
#: Elements open at once in a part parsed here (SpreadsheetML needs about ten).
MAX_XML_DEPTH: Final = 100
#: Widest sheet accepted (the roster has 18 columns; a payroll export a few dozen).
MAX_COLUMNS: Final = 256
#: Characters in one header cell and in one row (one cell: `rejected.MAX_CELL_CHARS`).
MAX_HEADER_CHARS: Final = 255
MAX_ROW_CHARS: Final = 256 * 1024
#: Cells a sheet may span, (max_rows + 1) × this and never less than MIN_CELLS: bounds the
#: shared-string table and the cells read.
CELLS_PER_ROW: Final = 32
MIN_CELLS: Final = 1_000_000
#: A number stored as a float is an exact integer up to this magnitude.
_MAX_EXACT_INT: Final = 2.0**53

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
_MAX_BLOCK: Final = 32 * MIB
_SPOOL_IN_MEMORY: Final = 8 * MIB


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

    def part(self) -> SheetPart | None:
        """The rows' description for another process, which reads them from the same file
        (None when the upload is not a file on disk)."""
        source = self._source
        if source is None or source.handle is None or source.handle.path is None:
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
    made (an unusable dimension, a header that will be refused).
    """
    handle = _open_input(source, max_bytes)
    try:
        return _open(handle, tuple(columns), max_bytes=max_bytes, max_rows=max_rows, early=early)
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
# Input
# --------------------------------------------------------------------------------------------


@dataclass
class _Input:
    fh: BinaryIO
    path: str | None
    size: int
    owned: bool

    def close(self) -> None:
        if self.owned:
            self.fh.close()


def _open_input(source: object, max_bytes: int) -> _Input:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return _checked_size(_Input(io.BytesIO(data), None, len(data), True), max_bytes)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed by OpenedSheet.close
            size = os.fstat(fh.fileno()).st_size
        except (OSError, ValueError) as exc:
            raise unreadable("not_found") from exc
        return _checked_size(_Input(fh, path, size, True), max_bytes)
    if not hasattr(source, "read"):
        raise TypeError("source must be a path, bytes or a binary file object")
    stream: BinaryIO = source  # type: ignore[assignment]
    try:
        seekable = bool(stream.seekable()) if hasattr(stream, "seekable") else False
    except (OSError, ValueError):
        seekable = False
    try:
        if seekable:
            size = stream.seek(0, os.SEEK_END)
            stream.seek(0)
            return _checked_size(_Input(stream, None, size, False), max_bytes)
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
        copied = _copy_limited(stream, spool, max_bytes + 1)
        spool.seek(0)
    except (OSError, ValueError) as exc:
        raise unreadable("not_found") from exc
    if copied > max_bytes:
        spool.close()
        raise reject("file.too_large", size_mb=f"> {mb(max_bytes)}", max_mb=mb(max_bytes))
    return _checked_size(_Input(spool, None, copied, True), max_bytes)  # type: ignore[arg-type]


def _copy_limited(src: BinaryIO, dst: BinaryIO, limit: int) -> int:
    copied = 0
    while copied < limit:
        chunk = src.read(min(CHUNK, limit - copied))
        if not chunk:
            break
        dst.write(chunk)
        copied += len(chunk)
    return copied


def _checked_size(handle: _Input, max_bytes: int) -> _Input:
    if handle.size == 0:
        handle.close()
        raise reject("file.empty")
    if handle.size > max_bytes:
        handle.close()
        raise too_large(handle.size, max_bytes)
    return handle


# --------------------------------------------------------------------------------------------
# Opening
# --------------------------------------------------------------------------------------------


def _open(
    handle: _Input,
    columns: tuple[ColumnSpec, ...],
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
        workbook = _calamine(handle)
        try:
            index, name = _choose_sheet(workbook)
            try:
                part = _sheet_part(archive, name)
                dimension = _declared_extent(archive, part)
            except ZIP_ERRORS as exc:
                raise unreadable("corrupt_zip") from exc
            if early is not None and handle.path is not None:
                guess = _guess_part(
                    handle.path, index, dimension, columns, max_rows=max_rows, max_cells=max_cells
                )
                if guess is not None:
                    early(guess)  # outside the zip's error translation: not the file's fault
            try:
                max_row, max_col = _sheet_extent(archive, part, prefixes.get(part, b""))
            except ZIP_ERRORS as exc:
                raise unreadable("corrupt_zip") from exc
            declared = dimension[1] if dimension is not None else None
            _check_extent(max_row, max_col, max_rows, max_cells)
        except BaseException:
            workbook.close()
            raise
    source = _Stream(workbook, handle, index, max_row, max_col)
    try:
        return _read_header(source, columns, max_rows=max_rows, declared=declared)
    except BaseException:
        source.close()
        raise


@dataclass
class _Stream:
    """The chosen sheet, streamed anew for each pass, within the bounds of the extent scan.
    The upload stays open while the sheet is read: calamine reads it as the rows go by."""

    workbook: CalamineWorkbook
    handle: _Input | None  # None in a `SheetPart`'s process
    index: int
    max_row: int
    max_col: int

    def iter_rows(self, first_row: int = 0) -> Iterator[list[object]]:
        """calamine's rows from ``first_row`` (0-based) on, each ``max_col + 1`` cells wide."""
        if first_row > self.max_row:
            return
        with _calamine_errors():  # a cell the scan let through but calamine cannot read
            yield from self.workbook.stream_sheet_by_index(
                self.index, min_row=first_row, max_row=self.max_row, max_col=self.max_col
            )

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already closed: nothing to free
            self.workbook.close()
        if self.handle is not None:
            self.handle.close()


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
        with _calamine_errors():
            workbook = CalamineWorkbook.from_path(self.path)
        source = _Stream(workbook, None, self.index, self.max_row, self.max_col)
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


@contextlib.contextmanager
def _calamine_errors() -> Iterator[None]:
    """What calamine raises (CalamineError, PasswordError, ZipError, pyo3 panics, which are
    BaseExceptions) as ``file.unreadable``; interruptions pass through."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as exc:
        raise unreadable("parse_error", detail=type(exc).__name__) from exc


def _calamine(handle: _Input) -> CalamineWorkbook:
    with _calamine_errors():
        if handle.path is not None:
            return CalamineWorkbook.from_path(handle.path)
        handle.fh.seek(0)
        return CalamineWorkbook.from_filelike(handle.fh)


def _choose_sheet(workbook: CalamineWorkbook) -> tuple[int, str]:
    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet:
            return index, meta.name
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


def _parser(
    start: Callable[[str, dict[str, str]], None], end: Callable[[str], None] | None = None
) -> expat.XMLParserType:
    """An expat parser that refuses a DTD, and nesting deeper than `MAX_XML_DEPTH` (expat
    keeps every open element: a million levels take it ~150 MB)."""
    depth = 0

    def opened(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise unreadable("xml_too_deep")
        start(name, attrs)

    def closed(name: str) -> None:
        nonlocal depth
        depth -= 1
        if end is not None:
            end(name)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = opened
    parser.EndElementHandler = closed
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


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
            workbook = CalamineWorkbook.from_path(path)
        source = _Stream(workbook, None, index, max_row, max_col)
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


# --------------------------------------------------------------------------------------------
# Sheet extent scan (before calamine): the last row and column that may hold a value
# --------------------------------------------------------------------------------------------


def _sheet_extent(archive: zipfile.ZipFile, part: str, prefix: bytes) -> tuple[int, int]:
    """Upper bounds (0-based) of the last row and column holding a value; -1 when none."""
    info = archive.getinfo(part)
    if not prefix:
        with archive.open(info) as stream:
            fast = _fast_extent(stream)
        if fast is not None:
            return fast
    with archive.open(info) as stream:
        return _expat_extent(stream)


_PREFIXED = re.compile(rb":(?:c|v|is)[\s/>]")  # <x:c>, <x:v>, <x:is>: leave it to expat
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"')
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2})[0-9]')


def _fast_extent(stream: BinaryIO) -> tuple[int, int] | None:
    """Bounds for canonical sheet XML (Excel, LibreOffice, openpyxl...); None: use expat.

    Canonical means every cell is ``<c r="A1"`` (one- or two-letter column), unprefixed. The
    XML is cut into blocks after a ``</c>``, a ``</row>`` or a self-closing row, so a cell and
    its value stay in one block. A block without any ``<v`` or ``<is`` (prefixed or not) holds
    no value at all. In any other block the row of the last cell holding a value is ``last``,
    and one regular expression looks for a cell that is not canonical, or whose row is beyond
    ``last`` and that is not a plain self-closing (valueless) element. None found: no value
    lies beyond ``last``, whatever the cell order or the text in between.
    """
    max_row = max_col = -1
    buffer = b""
    for chunk in _chunks(stream):
        if chunk:
            buffer += chunk
            cut = max(
                _after(buffer, b"</c>"), _after(buffer, b"</row>"), _after(buffer, b"/><row") - 4
            )  # between self-closing rows
            if cut <= 0:
                if len(buffer) > _MAX_BLOCK:
                    return None
                continue
            block, buffer = buffer[:cut], buffer[cut:]
        else:
            block, buffer = buffer, b""
        bounds = _block_extent(block)
        if bounds is None:
            return None
        max_row, max_col = max(max_row, bounds[0]), max(max_col, bounds[1])
    return max_row, max_col


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    """The stream's chunks, then one b"" (an inflating thread does not help: the GIL)."""
    while True:
        chunk = stream.read(CHUNK)
        yield chunk
        if not chunk:
            return


def _after(data: bytes, mark: bytes) -> int:
    found = data.rfind(mark)
    return found + len(mark) if found >= 0 else 0


def _block_extent(block: bytes) -> tuple[int, int] | None:
    if _PREFIXED.search(block):
        return None
    marker = max(block.rfind(b"<v"), block.rfind(b"<is"))
    if marker < 0:
        return -1, -1  # no value element at all: empty or formatted cells only
    start = block.rfind(b"<c ", 0, marker)
    found = _CELL_REF.match(block, start) if start >= 0 else None
    if found is None:
        return None
    last_row = int(found.group(2)) - 1  # 0-based row of the last cell holding a value
    if not _flag_pattern(last_row, wide=False).search(block):
        return last_row, 25
    if _flag_pattern(last_row, wide=True).search(block):
        return None
    widest = max(set(_WIDE_COLUMN.findall(block)), default=None)
    if widest is None:
        return None
    return last_row, _column_index(widest)


@functools.lru_cache(maxsize=64)
def _flag_pattern(last_row: int, *, wide: bool) -> re.Pattern[bytes]:
    letters = rb"[A-Z]{1,2}" if wide else rb"[A-Z]"
    beyond = _digits_greater_than(last_row + 1)  # Excel row numbers are 1-based
    return re.compile(
        rb"<c(?:[>/\t\r\n]"  # no attributes, or odd whitespace
        rb'| (?!r="' + letters + rb"[0-9])"  # r not first, or a wider column
        rb'| r="' + letters + beyond + rb'"(?!(?: [\w:.\-]+="[^"<>/]*")*/>))'  # beyond, not empty
    )


def _digits_greater_than(number: int) -> bytes:
    """A regex for decimal strings whose value exceeds ``number`` (longer strings always)."""
    digits = str(max(number, 0))
    alternatives = [b"[0-9]{%d,}" % (len(digits) + 1)]
    for position, char in enumerate(digits):
        if char != "9":
            rest = len(digits) - position - 1
            alternatives.append(
                digits[:position].encode()
                + b"[%d-9]" % (int(char) + 1)
                + (b"[0-9]{%d}" % rest if rest else b"")
            )
    return b"(?:" + b"|".join(alternatives) + b")"


def _column_index(letters: bytes | str) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index - 1


_REF = re.compile(r"\s*([A-Za-z]{1,4})([0-9]{1,10})\s*$")


class _ExpatScan:
    """Exact bounds for any well-formed sheet XML, the way calamine positions cells."""

    def __init__(self) -> None:
        self.row = -1
        self.col = -1
        self.cell: tuple[int, int] | None = None
        self.has_value = False
        self.max_row = -1
        self.max_col = -1
        self.rows_without_ref = 0
        self.cells_without_ref = 0
        self.row_cells_without_ref = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition("}")[2]
        if local == "c":
            ref = _REF.match(attrs.get("r", ""))
            if ref is not None:
                self.cell = (int(ref.group(2)) - 1, _column_index(ref.group(1)))
            else:
                self.row_cells_without_ref += 1
                self.cells_without_ref = max(self.cells_without_ref, self.row_cells_without_ref)
                self.cell = (self.row, self.col + 1)
            self.col = self.cell[1]
            self.has_value = False
        elif local in ("v", "is"):
            self.has_value = self.cell is not None
        elif local == "row":
            number = attrs.get("r", "").strip()
            if number.isdigit():
                self.row = int(number) - 1
            else:
                self.row += 1
                self.rows_without_ref += 1
            self.col = -1
            self.row_cells_without_ref = 0

    def end(self, name: str) -> None:
        if name.rpartition("}")[2] == "c":
            if self.has_value and self.cell is not None:
                self.max_row = max(self.max_row, self.cell[0])
                self.max_col = max(self.max_col, self.cell[1])
            self.cell = None
            self.has_value = False


def _refuse_dtd(*_args: object) -> None:
    raise unreadable("xml_doctype")


def _expat_extent(stream: BinaryIO) -> tuple[int, int]:
    scan = _ExpatScan()
    parser = _parser(scan.start, scan.end)
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise unreadable("parse_error", detail="sheet xml") from exc
    if scan.max_row < 0:
        return -1, -1
    # Cells or rows without a reference: allow for any counting difference with calamine.
    return (scan.max_row + scan.rows_without_ref, scan.max_col + scan.cells_without_ref)


# --------------------------------------------------------------------------------------------
# Header and rows
# --------------------------------------------------------------------------------------------


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


def _match_headers(
    headers: list[str], columns: tuple[ColumnSpec, ...]
) -> tuple[dict[str, int], list[Issue], list[int]]:
    index = HeaderIndex.build(columns)
    found: dict[str, int] = {}
    texts: dict[str, list[str]] = {}
    issues: list[Issue] = []
    untitled: list[int] = []
    duplicated: list[str] = []
    for position, text in enumerate(headers):
        if not text:
            untitled.append(position)
            continue
        spec = index.match(text)
        if spec is None and is_report_header(text):
            continue  # an error report's own messages, uploaded again: nothing to read
        if spec is None:
            issues.append(Issue("header.unknown_column", params={"header": _param_text(text)}))
            continue
        texts.setdefault(spec.key, []).append(text)
        if spec.key in found:
            if spec.key not in duplicated:
                duplicated.append(spec.key)
            continue
        found[spec.key] = position
    for key in duplicated:
        seen = texts[key]
        same = len({header_key(text) for text in seen}) == 1
        shown = seen[0] if same else " / ".join(dict.fromkeys(seen))
        issues.append(
            Issue("header.duplicate_column", column=key, params={"header": _param_text(shown)})
        )
    for spec in columns:
        if spec.header_required and spec.key not in found:
            issues.append(
                Issue("header.missing_column", column=spec.key, params={"header": spec.header})
            )
    return found, issues, untitled


_LONG_DIGITS = re.compile(r"[0-9]{16,}")
_SPACES = re.compile(r"\s+")


def _param_text(text: str, limit: int = 60) -> str:
    """A header as a message parameter: one line, short, never a full NIK/KK."""
    text = _SPACES.sub(" ", text).strip()
    text = _LONG_DIGITS.sub(lambda m: m.group(0)[:4] + "…", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


#: Excel's error values: the streaming reader gives an error cell as this text.
_ERROR_TEXTS: Final = frozenset(
    {
        "#N/A",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)


def _convert(cells: list[object], excel_row: int) -> list[object]:
    """calamine values → reader values (raw: text kept unstripped, empty text → None).

    Text longer than Excel allows in a cell, or a row holding more text than `MAX_ROW_CHARS`,
    refuses the file: only a program, not a person, writes such a cell, and none of it is
    worth storing."""
    out: list[object] = []
    append = out.append
    text = 0
    for value in cells:
        kind = value.__class__
        if kind is str:
            length = len(value)  # type: ignore[arg-type]
            if length > MAX_CELL_CHARS:
                raise too_long("file.cell_too_long", MAX_CELL_CHARS, excel_row)
            text += length
            append(value if value and value not in _ERROR_TEXTS else None)
        elif kind is float:
            if value.is_integer() and -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT:  # type: ignore[attr-defined,operator]
                append(int(value))  # type: ignore[call-overload]
            else:
                append(value)
        elif kind is datetime:
            if value.hour or value.minute or value.second or value.microsecond:  # type: ignore[attr-defined]
                append(value)
            else:
                append(value.date())  # type: ignore[attr-defined]
        else:
            append(value)
    if text > MAX_ROW_CHARS:
        raise too_long("file.row_too_long", MAX_ROW_CHARS, excel_row)
    return out


def _is_blank(value: object) -> bool:
    return value is None or (value.__class__ is str and not value.strip())  # type: ignore[attr-defined]


def _has_data(cells: list[object]) -> bool:
    """Whether any cell holds something other than empty text, whitespace or an error."""
    for value in cells:  # a plain loop: faster than any() on the hot path
        if value.__class__ is not str or (
            value and not value.isspace() and value not in _ERROR_TEXTS  # type: ignore[attr-defined]
        ):
            return True
    return False


def _count_data_rows(source: _Stream, stop_after: int | None = None) -> int:
    count = 0
    for cells in source.iter_rows(first_row=1):  # below the header
        if _has_data(cells):
            count += 1
            if count == stop_after:
                break
    return count


def _data_rows(source: _Stream, first_row: int = 2) -> Iterator[tuple[int, list[object]]]:
    """(excel_row, raw cells from column A) for each data row holding something, from Excel
    row ``first_row`` on. The stream yields every row, empty ones included, so the numbering
    is exact."""
    first_row = max(first_row, 2)
    for excel_row, cells in enumerate(source.iter_rows(first_row - 1), start=first_row):
        if _has_data(cells):  # skip rows whose cells are all empty or whitespace
            yield excel_row, _convert(cells, excel_row)
