"""Styled .xlsx writers (openpyxl): the blank template, the error report, plain exports.

* `write_template`: the header row (bold, filled, frozen, with an auto-filter), column widths
  from the spec, identity columns formatted as Text and date columns as DD-MM-YYYY (the whole
  column, plus explicit cells for the first `TEMPLATE_ROWS` rows), drop-down lists for coded
  columns (kept on a hidden "Daftar" sheet), and a "Petunjuk" sheet in Bahasa Indonesia.
* `write_error_report`: the user's header and rows exactly as uploaded, plus a last column of
  messages; cells with an error are red, with a warning yellow, each with a comment.
* `write_rows`: a streaming export (write-only mode, flat memory).

Every text is written as a text cell: openpyxl would otherwise turn "=..." into a formula and
"#N/A" into an error cell. Exports additionally pass text through `neutralise_formula`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import BinaryIO, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from edabu_lite.issues import N_, Issue
from edabu_lite.sheets.columns import (
    MUTATION_COLUMNS,
    REPORT_COLUMN,
    REPORT_COLUMN_ALTERNATIVE,
    ROSTER_COLUMNS,
    CellKind,
    ColumnSpec,
    HeaderIndex,
    Need,
    header_key,
    is_report_header,
)

__all__ = [
    "DATE_FORMAT",
    "ERROR_FILL",
    "TEXT_FORMAT",
    "WARNING_FILL",
    "neutralise_formula",
    "write_error_report",
    "write_template",
]

Gettext = Callable[[str], str]
Output = str | os.PathLike[str] | BinaryIO

TEXT_FORMAT: Final = "@"
DATE_FORMAT: Final = "DD-MM-YYYY"
DATETIME_FORMAT: Final = "DD-MM-YYYY HH:MM:SS"
#: Rows of the template whose identity and date cells are pre-formatted one by one (the whole
#: column carries the format too, for rows typed further down).
TEMPLATE_ROWS: Final = 5_000
#: Comments stop after this many in one report (the messages column still has every message):
#: each comment costs memory until the file is written.
MAX_COMMENTS: Final = 20_000

ERROR_COLOR: Final = "FFC7CE"
WARNING_COLOR: Final = "FFEB9C"
ERROR_FILL: Final = PatternFill("solid", fgColor=ERROR_COLOR)
WARNING_FILL: Final = PatternFill("solid", fgColor=WARNING_COLOR)
HEADER_FILL: Final = PatternFill("solid", fgColor="305496")
HEADER_FONT: Final = Font(bold=True, color="FFFFFF")
TITLE_FONT: Final = Font(bold=True, size=14)
BOLD: Final = Font(bold=True)
WRAP: Final = Alignment(wrap_text=True, vertical="top")
_LAST_ROW: Final = 1_048_576

_COMMENT_AUTHOR: Final = "edabu_lite"
#: A number shown with every digit it has (not 3,27301E+15).
DIGITS_FORMAT: Final = "0"

# Written verbatim as strings, openpyxl turns these into error cells.
_ERROR_CODES: Final = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
_FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
FORMULA_WARNING: Final = N_(
    "Isi sel ini diawali =, +, - atau @: Excel bisa menjalankannya sebagai rumus begitu sel "
    "diubah. Periksa isinya; bila bukan data yang benar, hapus tanda di depannya."
)
# A sign followed only by digits, spaces and number punctuation: a phone number
# ("+62 812-3456-7890") or an amount typed as text ("-1.500"). With no letter, quote, pipe or
# "!", it cannot name a function or a DDE target, so it is kept as typed.
_SIGNED_NUMBER: Final = re.compile(r"[+\-][0-9][0-9 .,()\-]*")


def looks_like_formula(value: object) -> bool:
    """Text a spreadsheet would take for a formula once the cell is edited (see below)."""
    return (
        isinstance(value, str)
        and value.startswith(_FORMULA_TRIGGERS)
        and not _SIGNED_NUMBER.fullmatch(value)
    )


def neutralise_formula(value: object) -> object:
    """Make text that a spreadsheet would run as a formula inert (OWASP CSV injection).

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe, except a sign followed only by digits, spaces, ``.``, ``,``, ``-`` and
    parentheses (phone numbers, amounts; see `_SIGNED_NUMBER`). Anything but text is returned
    unchanged: numbers stay numbers, negative ones included. The writers also always store
    text as text cells, so even un-neutralised text is never a formula inside the .xlsx; the
    apostrophe protects the value once it is copied out or saved as CSV.
    """
    return "'" + value if looks_like_formula(value) else value


# --------------------------------------------------------------------------------------------
# Template
# --------------------------------------------------------------------------------------------

_NEED_TEXT: Final[dict[Need, str]] = {
    Need.ALWAYS: N_("Ya"),
    Need.WORKERS: N_("Ya, pada baris pekerja (Peserta)"),
    Need.DEPENDANTS: N_("Ya, pada baris anggota keluarga"),
    Need.KIND: N_("Tergantung Jenis Mutasi"),
    Need.OPTIONAL: N_("Tidak"),
}


def write_template(
    out: Output,
    columns: Sequence[ColumnSpec] = ROSTER_COLUMNS,
    *,
    title: str,
    gettext: Gettext | None = None,
) -> None:
    """Write the blank upload template: data sheet first (and active), then "Petunjuk"."""
    _ = gettext or _identity
    workbook = Workbook()
    data = workbook.active
    data.title = _sheet_title(title)
    workbook.properties.title = title
    workbook.properties.creator = _COMMENT_AUTHOR

    for index, spec in enumerate(columns, start=1):
        cell = data.cell(row=1, column=index)
        _set_text(cell, spec.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        letter = get_column_letter(index)
        dimension = data.column_dimensions[letter]
        dimension.width = spec.width
        number_format = _column_format(spec)
        if number_format is None:
            continue
        dimension.number_format = number_format  # new cells typed anywhere in the column
        for row in range(2, TEMPLATE_ROWS + 2):
            data.cell(row=row, column=index).number_format = number_format
    last = get_column_letter(len(columns))
    data.freeze_panes = "A2"
    data.auto_filter.ref = f"A1:{last}1"

    guide = workbook.create_sheet(_sheet_title(_("Petunjuk")))
    _write_guide(guide, columns, title, _)

    coded = [
        (index, spec)
        for index, spec in enumerate(columns, start=1)
        if spec.kind == CellKind.CODE and spec.choices
    ]
    if coded:
        lists = workbook.create_sheet("Daftar")
        lists.sheet_state = "hidden"
        for list_column, (index, spec) in enumerate(coded, start=1):
            _set_text(lists.cell(row=1, column=list_column), spec.header)
            numeric = all(choice.isdigit() for choice in spec.choices)
            for offset, choice in enumerate(spec.choices, start=2):
                cell = lists.cell(row=offset, column=list_column)
                if numeric:
                    cell.value = int(choice)  # a typed 1 is a number: let it match
                else:
                    _set_text(cell, choice)
            list_letter = get_column_letter(list_column)
            source = f"Daftar!${list_letter}$2:${list_letter}${len(spec.choices) + 1}"
            validation = DataValidation(
                type="list",
                formula1=source,
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("Isian tidak sesuai")[:32],
                error=(
                    _("Pilih salah satu isian dari daftar: %(choices)s")
                    % {"choices": ", ".join(spec.choices)}
                )[:225],
                showInputMessage=bool(spec.help),
                promptTitle=spec.header[:32],
                prompt=_(spec.help)[:255] if spec.help else None,
            )
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{_LAST_ROW}")
            data.add_data_validation(validation)

    workbook.active = 0
    workbook.save(out)


def _column_format(spec: ColumnSpec) -> str | None:
    if spec.kind == CellKind.IDENTITY:
        return TEXT_FORMAT
    if spec.kind == CellKind.DATE:
        return DATE_FORMAT
    return None


def _write_guide(sheet: object, columns: Sequence[ColumnSpec], title: str, _: Gettext) -> None:
    identity = [spec.header for spec in columns if spec.kind == CellKind.IDENTITY]
    keys = {spec.key for spec in columns}
    intro = [
        _(
            "Isi data mulai baris 2 pada sheet pertama, satu orang per baris. Jangan mengubah, "
            "menghapus, atau memindahkan judul kolom di baris 1."
        ),
    ]
    if "relationship" in keys:
        intro.append(
            _(
                "Tulis baris pekerja (Hubungan Keluarga: Peserta), lalu baris anggota keluarganya "
                "di bawahnya. Pada baris anggota keluarga, isi NIK Peserta Utama dengan NIK "
                "pekerja."
            )
        )
    if "kind" in keys:
        intro.append(
            _(
                "Satu mutasi per baris. Mutasi seorang pekerja juga berlaku bagi anggota keluarga "
                "yang ditanggungnya."
            )
        )
    if identity:
        intro.append(
            _(
                "Kolom %(columns)s sudah berformat Teks. Jangan ubah formatnya: bila diketik "
                "sebagai angka, Excel hanya menyimpan 15 digit dan angka 0 di depan hilang."
            )
            % {"columns": ", ".join(identity)}
        )
    if any(spec.kind == CellKind.DATE for spec in columns):
        intro.append(_("Tulis tanggal dengan format DD-MM-YYYY, misalnya 17-08-1990."))
    intro.append(
        _(
            "Jangan menggabungkan sel (merge), jangan menambah baris judul atau total, dan jangan "
            "menyembunyikan sheet pertama. Kolom tambahan yang tidak dikenal akan diabaikan."
        )
    )

    sheet.column_dimensions["A"].width = 22  # type: ignore[attr-defined]
    sheet.column_dimensions["B"].width = 30  # type: ignore[attr-defined]
    sheet.column_dimensions["C"].width = 70  # type: ignore[attr-defined]
    sheet.column_dimensions["D"].width = 22  # type: ignore[attr-defined]
    heading = sheet.cell(row=1, column=1)  # type: ignore[attr-defined]
    guide = _("Petunjuk Pengisian")  # outside the f-string, so pybabel extracts it
    _set_text(heading, f"{title} — {guide}")
    heading.font = TITLE_FONT
    row = 3
    for number, line in enumerate(intro, start=1):
        sheet.cell(row=row, column=1, value=number)  # type: ignore[attr-defined]
        cell = sheet.cell(row=row, column=2)  # type: ignore[attr-defined]
        _set_text(cell, line)
        cell.alignment = Alignment(wrap_text=False, vertical="top")
        row += 1
    row += 1
    for index, label in enumerate(
        (_("Kolom"), _("Wajib diisi"), _("Keterangan"), _("Contoh")), start=1
    ):
        cell = sheet.cell(row=row, column=index)  # type: ignore[attr-defined]
        _set_text(cell, label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for spec in columns:
        row += 1
        values = (
            spec.header,
            _(_NEED_TEXT[spec.need]),
            _(spec.help) if spec.help else "",
            spec.example,
        )
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=index)  # type: ignore[attr-defined]
            _set_text(cell, value)
            cell.alignment = WRAP
            if index == 1:
                cell.font = BOLD
            if index == 4:
                cell.number_format = TEXT_FORMAT


# --------------------------------------------------------------------------------------------
# Error report
# --------------------------------------------------------------------------------------------

_SPECS_BY_KEY: Final[dict[str, ColumnSpec]] = {}
for _spec in (*ROSTER_COLUMNS, *MUTATION_COLUMNS):
    _SPECS_BY_KEY.setdefault(_spec.key, _spec)
del _spec


def write_error_report(
    out: Output,
    headers: list[str],
    rows: Iterable[tuple[int, list[object], list[Issue]]],
    columns_by_key: dict[str, int],
    *,
    gettext: Gettext | None = None,
    columns: Sequence[ColumnSpec] | None = None,
) -> None:
    """The user's header and rows as uploaded, a messages column, fills and comments.

    ``rows`` are ``(excel_row, raw_cells, issues)`` as `open_sheet` and the validators produce
    them, written in the order given (streamed: write-only mode). ``columns_by_key`` maps spec
    keys to column indexes (`OpenedSheet.columns`); ``columns`` are the specs (default: guessed
    from the keys, roster or mutation) and give each column its kind: identity columns are
    written as text cells formatted ``@``, except a number (Excel damage: its last digits are
    already lost), which stays a number, shown with all the digits Excel kept: uploaded again
    unretyped it is refused again, never taken for the NIK it no longer is. Dates are date
    cells in DD-MM-YYYY.

    The messages column is "Keterangan", or "Keterangan Validasi" when "Keterangan" is a
    column of the sheet or of its spec (the mutation sheet's note). Reading the report back
    with `open_sheet` yields the same values and no warning for that column; a report's
    messages column uploaded again is left out of the next report (it gets a fresh one).
    """
    specs = (
        tuple(columns)
        if columns is not None
        else (MUTATION_COLUMNS if "kind" in columns_by_key else ROSTER_COLUMNS)
    )
    kinds = _column_kinds(columns_by_key, specs)
    index_by_key = dict(columns_by_key)
    read = set(index_by_key.values())
    kept = [i for i, text in enumerate(headers) if i in read or not is_report_header(text)]
    width = len(kept)
    dropped = width < len(headers)  # a report uploaded again: its old messages column goes
    if dropped:
        headers = [headers[i] for i in kept]
        moved = {old: new for new, old in enumerate(kept)}
        index_by_key = {key: moved[i] for key, i in index_by_key.items()}
        kinds = {moved[i]: kind for i, kind in kinds.items() if i in moved}
    report_header = _report_header(headers, specs, gettext)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Laporan")
    widths = {spec.key: spec.width for spec in specs}
    for key, index in index_by_key.items():
        sheet.column_dimensions[get_column_letter(index + 1)].width = widths.get(key, 16)
    sheet.column_dimensions[get_column_letter(width + 1)].width = 70
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(width + 1)}1"

    header_cells = []
    for text in [*headers, report_header]:
        cell = WriteOnlyCell(sheet)
        if text:
            _set_text(cell, text)
        cell.font = BOLD
        header_cells.append(cell)
    sheet.append(header_cells)

    comments = 0
    for _excel_row, raw, issues in rows:
        if dropped:
            raw = [raw[i] if i < len(raw) else None for i in kept]
        by_column: dict[int, list[Issue]] = {}
        for issue in issues:
            index = index_by_key.get(issue.column) if issue.column is not None else None
            if index is not None and index < width:
                by_column.setdefault(index, []).append(issue)
        cells: list[object] = []
        for index in range(width):
            value = raw[index] if index < len(raw) else None
            cell_issues = by_column.get(index)
            formula = looks_like_formula(value)
            if cell_issues is None and kinds.get(index) is None and _plain(value):
                cells.append(value)
                continue
            cell = _report_cell(sheet, value, kinds.get(index))
            if formula:
                # Kept as uploaded (the report goes back to the user), but marked: the quote
                # prefix keeps it text when the cell is edited in Excel.
                cell.quotePrefix = True
            if cell_issues or formula:
                error = _has_error(cell_issues or ())
                cell.fill = ERROR_FILL if error else WARNING_FILL
                if comments < MAX_COMMENTS:
                    messages = [issue.message(gettext) for issue in cell_issues or ()]
                    if formula:
                        messages.append((gettext or _identity)(FORMULA_WARNING))
                    text = "\n".join(messages)
                    lines = text.count("\n") + 1 + len(text) // 60
                    cell.comment = Comment(
                        text, _COMMENT_AUTHOR, height=min(40 + 18 * lines, 400), width=320
                    )
                    comments += 1
            cells.append(cell)
        note = WriteOnlyCell(sheet)
        if issues:
            _set_text(
                note, "\n".join(f"{issue.code}: {issue.message(gettext)}" for issue in issues)
            )
            note.fill = ERROR_FILL if _has_error(issues) else WARNING_FILL
        note.alignment = WRAP
        cells.append(note)
        sheet.append(cells)
    workbook.save(out)


def _column_kinds(
    columns_by_key: Mapping[str, int], specs: Sequence[ColumnSpec]
) -> dict[int, CellKind]:
    by_key = {spec.key: spec for spec in specs}
    kinds: dict[int, CellKind] = {}
    for key, index in columns_by_key.items():
        spec = by_key.get(key) or _SPECS_BY_KEY.get(key)
        if spec is not None and spec.kind in (CellKind.IDENTITY, CellKind.DATE):
            kinds[index] = spec.kind
    return kinds


def _report_header(
    headers: Sequence[str], specs: Sequence[ColumnSpec], gettext: Gettext | None
) -> str:
    _ = gettext or _identity
    taken = {header_key(text) for text in headers}
    index = HeaderIndex.build(tuple(specs))
    for candidate in (_(REPORT_COLUMN), _(REPORT_COLUMN_ALTERNATIVE)):
        if header_key(candidate) not in taken and index.match(candidate) is None:
            return candidate
    number = 2
    while True:
        candidate = f"{_(REPORT_COLUMN_ALTERNATIVE)} {number}"
        if header_key(candidate) not in taken and index.match(candidate) is None:
            return candidate
        number += 1


def _has_error(issues: Iterable[Issue]) -> bool:
    return any(issue.is_error for issue in issues)


def _plain(value: object) -> bool:
    """Values openpyxl writes right without help: not text, not a date/time."""
    return value is None or value.__class__ in (int, float, bool)


def _report_cell(sheet: object, value: object, kind: CellKind | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    if kind == CellKind.IDENTITY:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            cell.value = value  # Excel damage stays visible as such (see write_error_report)
            cell.number_format = DIGITS_FORMAT
            return cell
        cell.number_format = TEXT_FORMAT
        if value is not None:
            _set_text(cell, _identity_text(value))
        return cell
    _set_value(cell, value)
    return cell


def _identity_text(value: object) -> str:
    """An identity cell's value as text; a number (Excel damage) as the digits Excel kept."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------------------------
# Streaming export
# --------------------------------------------------------------------------------------------


def _identity(message: str) -> str:
    return message


def _clean_text(text: str) -> str:
    """Text openpyxl accepts: control characters other than tab/newline/CR removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _set_text(cell: object, text: str) -> None:
    """Store ``text`` as a text cell, never a formula or an error value."""
    cell.value = _clean_text(str(text))  # type: ignore[attr-defined]
    cell.data_type = "s"  # type: ignore[attr-defined]


def _set_value(cell: object, value: object) -> None:
    if value is None:
        return
    if isinstance(value, str):
        _set_text(cell, value)
        return
    if isinstance(value, datetime):
        cell.value = value  # type: ignore[attr-defined]
        cell.number_format = (  # type: ignore[attr-defined]
            DATE_FORMAT if value.time() == time() else DATETIME_FORMAT
        )
        return
    if isinstance(value, date):
        cell.value = value  # type: ignore[attr-defined]
        cell.number_format = DATE_FORMAT  # type: ignore[attr-defined]
        return
    try:
        cell.value = value  # type: ignore[attr-defined]
    except (ValueError, TypeError):
        _set_text(cell, str(value))


def _sheet_title(title: str) -> str:
    """A valid sheet name: no []:*?/\\ and at most 31 characters."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip().strip("'") or "Data"
    return cleaned[:31]
