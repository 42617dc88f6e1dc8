"""The sheet's extent, scanned before calamine parses it: the last row and column that may
hold a value, so a sheet that claims a million rows is refused before it is read (a
C-speed scan of the raw XML, with expat as the exact fallback), and whether its values are
stored in row order (the streaming reader refuses a sheet whose values are not: see
`backend`)."""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import BinaryIO, Final, NamedTuple
from xml.parsers import expat

from edabu_lite.sheets.archive import CHUNK
from edabu_lite.sheets.rejected import (
    MIB,
    unreadable,
)

#: Elements open at once in a part parsed here (SpreadsheetML needs about ten).
MAX_XML_DEPTH: Final = 100
_MAX_BLOCK: Final = 32 * MIB


# --------------------------------------------------------------------------------------------
# Sheet extent scan (before calamine): the last row and column that may hold a value
# --------------------------------------------------------------------------------------------


class Extent(NamedTuple):
    """Upper bounds (0-based) of the last row and column holding a value (-1 when none), and
    whether the values are stored in row order (False may also mean: rows listed out of
    order, even empty ones; it only sends the sheet to the reader that loads it whole)."""

    max_row: int
    max_col: int
    in_row_order: bool = True


def _sheet_extent(archive: zipfile.ZipFile, part: str, prefix: bytes) -> Extent:
    """The sheet's `Extent`."""
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
#: A row's number, prefixed or not. Text that happens to look like one can only make the
#: order check fail (a number inserted into a sequence never hides a descent in it).
_ROW_NUMBER = re.compile(rb'row r="([0-9]+)"')


def _fast_extent(stream: BinaryIO) -> Extent | None:
    """Bounds for canonical sheet XML (Excel, LibreOffice, openpyxl...); None: use expat.

    Canonical means every cell is ``<c r="A1"`` (one- or two-letter column), unprefixed. The
    XML is cut into blocks after a ``</c>``, a ``</row>`` or a self-closing row, so a cell and
    its value stay in one block. A block without any ``<v`` or ``<is`` (prefixed or not) holds
    no value at all. In any other block the row of the last cell holding a value is ``last``,
    and one regular expression looks for a cell that is not canonical, or whose row is beyond
    ``last`` and that is not a plain self-closing (valueless) element. None found: no value
    lies beyond ``last``, whatever the cell order or the text in between.

    The rows' numbers must never decrease for the values to be in row order (~0.07 s per
    100,000 rows). Cells are not checked one by one (four times the cost): a canonical
    sheet whose cell references disagree with their rows' numbers and go back is refused
    by the streaming reader (``parse_error``) instead of being read whole.
    """
    max_row = max_col = -1
    last_number, in_order = 0, True
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
        if in_order:
            for number in map(int, _ROW_NUMBER.findall(block)):
                if number < last_number:
                    in_order = False
                    break
                last_number = number
    return Extent(max_row, max_col, in_order)


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
        self.in_order = True  # no value in a row above an earlier value's

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
                if self.cell[0] < self.max_row:
                    self.in_order = False
                self.max_row = max(self.max_row, self.cell[0])
                self.max_col = max(self.max_col, self.cell[1])
            self.cell = None
            self.has_value = False


def _refuse_dtd(*_args: object) -> None:
    raise unreadable("xml_doctype")


def _expat_extent(stream: BinaryIO) -> Extent:
    scan = _ExpatScan()
    parser = _parser(scan.start, scan.end)
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise unreadable("parse_error", detail="sheet xml") from exc
    if scan.max_row < 0:
        return Extent(-1, -1)
    # Cells or rows without a reference: allow for any counting difference with calamine.
    return Extent(
        scan.max_row + scan.rows_without_ref,
        scan.max_col + scan.cells_without_ref,
        scan.in_order,
    )


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
