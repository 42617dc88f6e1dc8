"""The header row matched to the column specs, and the data rows converted to plain cell
values as the row validators expect them."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from edabu_lite.issues import Issue
from edabu_lite.sheets.backend import Book
from edabu_lite.sheets.columns import ColumnSpec, HeaderIndex, header_key, is_report_header
from edabu_lite.sheets.rejected import (
    MAX_CELL_CHARS,
    too_long,
    unreadable,
)
from edabu_lite.sheets.upload import _Input

MAX_ROW_CHARS: Final = 256 * 1024
#: A number stored as a float is an exact integer up to this magnitude.
_MAX_EXACT_INT: Final = 2.0**53


@dataclass
class _Stream:
    """The chosen sheet, read anew for each pass, within the bounds of the extent scan. The
    upload stays open while the sheet is read: calamine reads it as the rows go by (or, the
    fallback, once, at the first pass: see `backend`)."""

    book: Book
    handle: _Input | None  # None in a `SheetPart`'s process
    index: int
    max_row: int
    max_col: int

    def iter_rows(self, first_row: int = 0) -> Iterator[list[object]]:
        """calamine's rows from ``first_row`` (0-based) on, each ``max_col + 1`` cells wide."""
        if first_row > self.max_row:
            return
        with _calamine_errors():  # a cell the scan let through but calamine cannot read
            yield from self.book.rows(self.index, first_row, self.max_row, self.max_col)

    def close(self) -> None:
        self.book.close()
        if self.handle is not None:
            self.handle.close()


# --------------------------------------------------------------------------------------------
# Header and rows
# --------------------------------------------------------------------------------------------


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
