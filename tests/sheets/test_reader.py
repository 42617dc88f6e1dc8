"""open_sheet: header matching, values, offsets, and every kind of bad upload."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

import pytest
import python_calamine
import python_calamine_plus
from openpyxl import Workbook

from edabu_lite.sheets import backend
from edabu_lite.sheets.columns import MUTATION_COLUMNS, ROSTER_COLUMNS
from edabu_lite.sheets.reader import OpenedSheet, SheetRejected, column_letter, open_sheet
from tests.sheets.xlsx_parts import (
    empty_cell,
    fake_ole2,
    forge_sizes,
    number_cell,
    row_xml,
    sheet_xml,
    simple_xlsx,
    text_cell,
    workbook_members,
    xlsx,
    zip_bomb,
    zip_bytes,
)

MB = 1024 * 1024
HEADERS = [spec.header for spec in ROSTER_COLUMNS]
REQUIRED = {spec.key for spec in ROSTER_COLUMNS if spec.header_required}
NIK = "3273015507900001"
KK = "3273012001150003"
#: The early guess is made only when the rows are streamed (`make test` runs this file again
#: with EDABU_SHEET_BACKEND=calamine, where the sheet is read whole).
streaming_only = pytest.mark.skipif(
    backend.configured().backend != backend.PLUS,
    reason="a sheet read whole gets no early guess: its header would cost the whole sheet",
)


def _open(source, columns=ROSTER_COLUMNS, *, max_bytes=20 * MB, max_rows=1_000) -> OpenedSheet:
    return open_sheet(source, columns, max_bytes=max_bytes, max_rows=max_rows)


def _rejected(source, columns=ROSTER_COLUMNS, **limits) -> list:
    with pytest.raises(SheetRejected) as caught:
        _open(source, columns, **limits)
    return caught.value.issues


def _codes(issues) -> list[str]:
    return [issue.code for issue in issues]


def _unreadable_reason(source, **limits) -> str:
    issues = _rejected(source, **limits)
    assert _codes(issues) == ["file.unreadable"]
    assert issues[0].row is None and issues[0].column is None
    return issues[0].params["reason"]


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _roster_row(**overrides) -> list[object]:
    values = {
        "nik": NIK,
        "kk": KK,
        "name": "Siti Aminah",
        "birth_place": "Bandung",
        "birth_date": date(1990, 7, 15),
        "sex": "P",
        "marital_status": "Kawin",
        "relationship": "Peserta",
        "worker_nik": None,
        "employee_number": "EMP-1",
        "wage": 6_500_000,
        "care_class": "1",
        "faskes_code": "0112U020",
        "start_date": date(2026, 1, 1),
        "card_number": "0001234567890",
        "phone": "081234567890",
        "email": "siti@example.com",
        "in_school": None,
    }
    values.update(overrides)
    return [values[spec.key] for spec in ROSTER_COLUMNS]


# --- Valid files -------------------------------------------------------------------------------


def test_valid_roster_with_aliases_and_odd_spellings():
    headers = [
        "NIK",
        "No. KK",
        "nama",
        "Tempat  Lahir",
        "tgl lahir",
        "JENIS KELAMIN",
        "Status Perkawinan",
        "Hubungan",
        "NIK Peserta Utama",
        "NIP",
        "Gaji",
        "KELAS",
        "Kode Faskes",
        "T.M.T.",
        "No Kartu JKN",
        "No. HP",
        "E-mail",
        "masih_sekolah",
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    sheet.append(_roster_row())
    sheet.append(
        _roster_row(
            nik="3273015507900002",
            relationship="Anak",
            worker_nik=NIK,
            employee_number=None,
            wage=None,
            birth_date=date(2015, 3, 1),
            in_school="Ya",
        )
    )
    with _open(_workbook_bytes(workbook)) as opened:
        assert opened.columns == {spec.key: index for index, spec in enumerate(ROSTER_COLUMNS)}
        assert opened.headers == headers
        assert opened.issues == []
        assert opened.total_rows == 2
        rows = list(opened.rows())
    assert [row for row, _values, _raw in rows] == [2, 3]
    first = rows[0][1]
    assert first["nik"] == NIK
    assert first["birth_date"] == date(1990, 7, 15)
    assert first["wage"] == 6_500_000 and type(first["wage"]) is int
    assert first["card_number"] == "0001234567890"
    assert first["worker_nik"] is None
    assert rows[1][1]["worker_nik"] == NIK
    assert rows[1][1]["in_school"] == "Ya"
    assert rows[0][2] == _roster_row()  # raw cells: the row as typed, in sheet order


def test_columns_in_another_order_map_to_their_positions():
    order = list(reversed(ROSTER_COLUMNS))
    workbook = Workbook()
    workbook.active.append([spec.header for spec in order])
    row = dict(zip([s.key for s in ROSTER_COLUMNS], _roster_row(), strict=True))
    workbook.active.append([row[spec.key] for spec in order])
    with _open(_workbook_bytes(workbook)) as opened:
        assert opened.columns["nik"] == len(order) - 1
        assert opened.columns["in_school"] == 0
        [(_, values, _)] = list(opened.rows())
    assert values["nik"] == NIK and values["name"] == "Siti Aminah" and values["kk"] == KK


def test_mutation_sheet_is_read_with_its_own_columns():
    data = simple_xlsx(
        ["NIK", "Jenis Mutasi", "Alasan", "Kelas Mandiri", "Keterangan"],
        [[NIK, "NONAKTIF", "PHK", None, "  pindah kerja  "]],
    )
    with _open(data, MUTATION_COLUMNS) as opened:
        [(row, values, raw)] = list(opened.rows())
    assert row == 2
    assert values == {
        "nik": NIK,
        "kind": "NONAKTIF",
        "reason": "PHK",
        "mandiri_class": None,
        "note": "pindah kerja",
    }
    assert raw[4] == "  pindah kerja  "  # raw cells keep the text as typed


def test_path_stream_and_non_seekable_stream_sources(tmp_path: Path):
    data = simple_xlsx(HEADERS, [_roster_row(birth_date="15-07-1990", start_date=None)])
    path = tmp_path / "roster.xlsx"
    path.write_bytes(data)

    class Pipe(io.RawIOBase):
        def __init__(self, payload: bytes) -> None:
            self._inner = io.BytesIO(payload)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer) -> int:
            chunk = self._inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    for source in (path, str(path), io.BytesIO(data), Pipe(data), data):
        with _open(source) as opened:
            [(_, values, _)] = list(opened.rows())
        assert values["nik"] == NIK and values["birth_date"] == "15-07-1990"


def test_rows_can_be_iterated_twice_and_close_is_idempotent():
    opened = _open(simple_xlsx(HEADERS, [_roster_row(), _roster_row(nik="3273015507900002")]))
    assert len(list(opened.rows())) == 2
    assert len(list(opened.rows())) == 2
    opened.close()
    opened.close()
    with pytest.raises(ValueError):
        list(opened.rows())


# --- Header problems -------------------------------------------------------------------------


def test_each_missing_required_column_is_named_and_rejects():
    headers = [h for h in HEADERS if h not in ("No KK", "Kelas Rawat", "Gaji")]
    issues = _rejected(simple_xlsx(headers, [["x"] * len(headers)]))
    missing = [i for i in issues if i.code == "header.missing_column"]
    assert {i.column for i in missing} == {"kk", "care_class", "wage"}
    assert {i.params["header"] for i in missing} == {"No KK", "Kelas Rawat", "Gaji"}
    assert all(i.is_error and i.row is None for i in missing)


def test_missing_optional_columns_are_fine():
    optional = {spec.header for spec in ROSTER_COLUMNS if not spec.header_required}
    headers = [h for h in HEADERS if h not in optional]
    with _open(simple_xlsx(headers, [[NIK] * len(headers)])) as opened:
        assert set(opened.columns) == REQUIRED
        assert opened.issues == []


def test_duplicate_column_rejects():
    issues = _rejected(simple_xlsx([*HEADERS, "nik"], [[*_roster_row(), NIK]]))
    assert _codes(issues) == ["header.duplicate_column"]
    assert issues[0].column == "nik" and issues[0].params["header"] == "NIK"


def test_duplicate_through_an_alias_names_both_spellings():
    issues = _rejected(simple_xlsx([*HEADERS, "Nomor Kartu Keluarga"], [[*_roster_row(), KK]]))
    assert _codes(issues) == ["header.duplicate_column"]
    assert issues[0].params["header"] == "No KK / Nomor Kartu Keluarga"


def test_unknown_column_is_a_warning_and_its_cells_stay_raw():
    with _open(simple_xlsx([*HEADERS, "Departemen"], [[*_roster_row(), "Gudang"]])) as opened:
        assert _codes(opened.issues) == ["header.unknown_column"]
        assert opened.issues[0].params == {"header": "Departemen"}
        assert not opened.issues[0].is_error
        [(_, values, raw)] = list(opened.rows())
    assert "Departemen" not in values and len(values) == len(ROSTER_COLUMNS)
    assert raw[-1] == "Gudang"


def test_untitled_column_is_ignored_unless_it_holds_data():
    quiet = simple_xlsx([*HEADERS, None, "Departemen"], [[*_roster_row(), None, "Gudang"]])
    with _open(quiet) as opened:
        list(opened.rows())
        assert [i.params["header"] for i in opened.issues] == ["Departemen"]
    noisy = simple_xlsx([*HEADERS, None, "Departemen"], [[*_roster_row(), "?", "Gudang"]])
    with _open(noisy) as opened:
        assert len(opened.issues) == 1
        list(opened.rows())
        list(opened.rows())  # warned once
        assert [i.params["header"] for i in opened.issues] == ["Departemen", column_letter(18)]


def test_data_in_row_one_never_leaks_a_nik_into_issue_params():
    issues = _rejected(simple_xlsx([NIK, "Siti"], [[KK, "Budi"]]))
    unknown = [i for i in issues if i.code == "header.unknown_column"]
    assert unknown[0].params["header"] == "3273…"
    assert {i.column for i in issues if i.code == "header.missing_column"} == REQUIRED


def test_header_not_in_row_one_is_missing_columns():
    sheet = sheet_xml([row_xml(2, HEADERS), row_xml(3, _text_row())])
    issues = _rejected(xlsx(sheet))
    assert set(_codes(issues)) == {"header.missing_column"}
    assert {i.column for i in issues} == REQUIRED


def _text_row() -> list[object]:
    return [value.isoformat() if isinstance(value, date) else value for value in _roster_row()]


# --- Empty files -------------------------------------------------------------------------------


def test_zero_bytes_is_empty():
    assert _codes(_rejected(b"")) == ["file.empty"]


def test_header_only_is_empty():
    assert _codes(_rejected(simple_xlsx(HEADERS))) == ["file.empty"]


def test_header_and_blank_rows_is_empty():
    sheet = sheet_xml([row_xml(1, HEADERS), row_xml(2, ["   ", ""]), row_xml(5, ["\t"])])
    assert _codes(_rejected(xlsx(sheet))) == ["file.empty"]


def test_sheet_without_cells_is_empty():
    assert _codes(_rejected(xlsx(sheet_xml("")))) == ["file.empty"]


def test_workbook_whose_sheets_are_all_hidden_is_empty():
    data = xlsx(
        [
            ("A", sheet_xml(row_xml(1, HEADERS)), "hidden"),
            ("B", sheet_xml(row_xml(1, HEADERS)), "veryHidden"),
        ]
    )
    issues = _rejected(data)
    assert _codes(issues) == ["file.empty"]
    assert issues[0].params["reason"] == "no_visible_sheet"


# --- Not an xlsx -------------------------------------------------------------------------------


def test_csv_renamed_to_xlsx():
    assert _unreadable_reason(b"NIK;No KK;Nama\n3273015507900001;3273012001150003;Siti\n") == "csv"


def test_html_export_renamed_to_xls():
    assert _unreadable_reason(b"<html><table><tr><td>NIK</td></tr></table></html>") == "html"


def test_old_xls_is_unreadable():
    assert _unreadable_reason(fake_ole2(encrypted=False)) == "xls"


def test_password_protected_workbook_is_called_encrypted():
    assert _unreadable_reason(fake_ole2(encrypted=True)) == "encrypted"


def test_random_bytes():
    assert _unreadable_reason(bytes(range(256)) * 8) == "not_xlsx"


def test_truncated_zip_is_corrupt():
    data = simple_xlsx(HEADERS, [_roster_row()])
    assert _unreadable_reason(data[: len(data) // 2]) == "corrupt_zip"


def test_zip_with_flipped_bytes_in_the_sheet_is_unreadable():
    data = bytearray(simple_xlsx(HEADERS, [_roster_row()] * 20))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + 10
    for offset in range(start, start + 40):
        data[offset] ^= 0x5A
    assert _unreadable_reason(bytes(data)) in {"corrupt_zip", "parse_error"}


def test_zip_without_workbook_xml():
    members = workbook_members([("Data", sheet_xml(row_xml(1, HEADERS)), "")])
    del members["xl/workbook.xml"]
    assert _unreadable_reason(zip_bytes(members)) == "no_workbook"


def test_a_docx_is_not_a_workbook():
    assert _unreadable_reason(zip_bytes({"word/document.xml": "<document/>"})) == "no_workbook"


def test_malformed_sheet_xml_is_unreadable():
    members = workbook_members([("Data", sheet_xml(row_xml(1, HEADERS)), "")])
    members["xl/worksheets/sheet1.xml"] = str(members["xl/worksheets/sheet1.xml"]).replace(
        "</sheetData>", "<row>"
    )
    assert _unreadable_reason(zip_bytes(members)) == "parse_error"


def test_missing_path_is_unreadable(tmp_path: Path):
    assert _unreadable_reason(tmp_path / "nope.xlsx") == "not_found"


# --- Size limits and bombs -------------------------------------------------------------------


def test_file_over_max_bytes_is_too_large():
    data = simple_xlsx(HEADERS, [_roster_row()] * 50)
    issues = _rejected(data, max_bytes=len(data) - 1)
    assert _codes(issues) == ["file.too_large"]
    assert set(issues[0].params) >= {"size_mb", "max_mb"}


def test_non_seekable_stream_over_max_bytes_is_too_large():
    class Stream(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = b"x" * len(buffer)
            return len(buffer)

    issues = _rejected(Stream(), max_bytes=MB)
    assert _codes(issues) == ["file.too_large"]
    assert issues[0].params["size_mb"] == "> 1"


def test_zip_bomb_of_two_gigabytes_is_refused_before_parsing():
    data = zip_bomb(2 * 1024 * MB)
    assert len(data) < 4 * MB
    started = time.perf_counter()
    issues = _rejected(data)
    assert time.perf_counter() - started < 1
    assert _codes(issues) == ["file.too_large"]
    assert issues[0].params["size_mb"] == "2048" and issues[0].params["max_mb"] == "512"


def test_uncompressed_cap_scales_with_max_bytes():
    issues = _rejected(zip_bomb(64 * MB), max_bytes=MB)
    assert _codes(issues) == ["file.too_large"]
    assert issues[0].params["max_mb"] == "40"


def test_member_with_absurd_compression_ratio_is_refused():
    assert _unreadable_reason(zip_bomb(64 * MB)) == "compression_ratio"


def test_forged_declared_size_is_unreadable():
    rows = "".join(row_xml(n, [f"value {n}"]) for n in range(1, 2000))
    data = xlsx(sheet_xml(rows))
    forged = forge_sizes(data, "xl/worksheets/sheet1.xml", 1000)
    assert _unreadable_reason(forged) == "size_mismatch"


def _entity(n: int) -> str:
    previous = f"&lol{n - 1};" if n > 1 else "&lol;"
    return f'<!ENTITY lol{n} "{previous * 10}">'


ENTITY_BOMB = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(map(_entity, range(1, 10))) + "]>"


def test_xml_entity_bomb_is_refused():
    sheet = sheet_xml(row_xml(1, ["&lol9;"]).replace("&amp;lol9;", "&lol9;"), prolog=ENTITY_BOMB)
    assert _unreadable_reason(xlsx(sheet)) == "xml_doctype"


@pytest.mark.parametrize("binding", [python_calamine_plus, python_calamine])
def test_entity_bomb_is_harmless_to_calamine_itself(tmp_path: Path, binding):
    """Even without our check, calamine refuses custom entities instead of expanding them."""
    sheet = sheet_xml(row_xml(1, ["&lol9;"]).replace("&amp;lol9;", "&lol9;"), prolog=ENTITY_BOMB)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(xlsx(sheet))
    started = time.perf_counter()
    with pytest.raises(binding.XmlError):
        binding.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    assert time.perf_counter() - started < 1


def test_doctype_in_any_part_is_refused():
    members = workbook_members([("Data", sheet_xml(row_xml(1, HEADERS)), "")])
    members["xl/workbook.xml"] = str(members["xl/workbook.xml"]).replace(
        "<workbook", '<!DOCTYPE workbook SYSTEM "http://example.com/x.dtd"><workbook', 1
    )
    assert _unreadable_reason(zip_bytes(members)) == "xml_doctype"


def test_values_far_apart_are_refused_before_calamine_allocates():
    """A1 and XFD1048576: calamine would allocate 550 GB and abort the process."""
    sheet = sheet_xml(
        [
            row_xml(1, HEADERS),
            row_xml(2, _text_row()),
            f'<row r="1048576">{number_cell("XFD1048576", 1)}</row>',
        ]
    )
    issues = _rejected(xlsx(sheet))
    assert _codes(issues) == ["file.unreadable"]
    assert issues[0].params["reason"] == "too_many_columns"


@pytest.mark.parametrize("far", ["XFD1048576", "A1048576"])
@pytest.mark.parametrize(
    "variant",
    ["prefixed", "prefixed_value", "no_refs", "unordered", "tab_in_tag", "quoted_slash", "comment"],
)
def test_far_values_are_caught_in_unusual_xml_too(variant: str, far: str):
    """Every way of hiding a far value from a naive scan still bounds the sheet."""
    header = row_xml(1, HEADERS)
    data = row_xml(2, _text_row())
    far_cell = number_cell(far, 1)
    if variant == "prefixed":
        body = header + data + f'<row r="1048576">{far_cell}</row>'
        for tag in ("row", "c", "is", "t", "v"):
            body = body.replace(f"<{tag} ", f"<x:{tag} ").replace(f"<{tag}>", f"<x:{tag}>")
            body = body.replace(f"</{tag}>", f"</x:{tag}>")
        sheet = (
            f'<?xml version="1.0"?><x:worksheet xmlns:x="{_main()}"><x:sheetData>{body}'
            "</x:sheetData></x:worksheet>"
        )
    elif variant == "prefixed_value":  # only the value element is prefixed
        hidden = far_cell.replace("<v>1</v>", f'<y:v xmlns:y="{_main()}">1</y:v>')
        sheet = sheet_xml(header + data + f'<row r="1048576">{hidden}</row>')
    elif variant == "no_refs":  # position from counting: the row's r, then one per cell
        width = 1100 if far.startswith("X") else 1
        cells = "".join("<c><v>1</v></c>" for _ in range(width))
        sheet = sheet_xml(header + data + f'<row r="1048576">{cells}</row>')
    elif variant == "unordered":  # the far cell first, the header last
        sheet = sheet_xml(f'<row r="1048576">{far_cell}</row>' + data + header)
    elif variant == "tab_in_tag":  # <v\t> is still a value element
        sheet = sheet_xml(
            header
            + data
            + f'<row r="1048576">{far_cell}</row>'.replace("<v>", "<v\t>")
            + '<row r="3">'
            + empty_cell("A3")
            + "</row>"
        )
    elif variant == "quoted_slash":  # looks self-closing to a naive pattern
        tricky = far_cell.replace(f'r="{far}"', f'r="{far}" ph="/>"')
        sheet = sheet_xml(
            header
            + data
            + f'<row r="1048576">{tricky}</row>'
            + '<row r="3">'
            + number_cell("A3", 5)
            + "</row>"
        )
    else:  # a value marker inside a comment after the last real value
        sheet = sheet_xml(
            header
            + data
            + f'<row r="1048576">{far_cell}</row>'
            + '<row r="3"><c r="A3" s="1"/><!-- <v>2</v> --></row>'
        )
    issues = _rejected(xlsx(sheet))
    expected = "file.unreadable" if far.startswith("X") else "file.too_many_rows"
    assert _codes(issues) == [expected]
    if expected == "file.too_many_rows":
        assert issues[0].params["rows"] == 1_048_575


def _main() -> str:
    return "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_prefixed_namespace_sheet_is_read():
    body = row_xml(1, HEADERS) + row_xml(2, _text_row())
    for tag in ("row", "c", "is", "t", "v"):
        body = body.replace(f"<{tag} ", f"<x:{tag} ").replace(f"<{tag}>", f"<x:{tag}>")
        body = body.replace(f"</{tag}>", f"</x:{tag}>")
    sheet = (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{_main()}"><x:sheetData>{body}'
        "</x:sheetData></x:worksheet>"
    )
    with _open(xlsx(sheet)) as opened:
        [(row, values, _)] = list(opened.rows())
    assert row == 2 and values["nik"] == NIK


def test_too_many_shared_strings_are_refused():
    members = workbook_members([("Data", sheet_xml(row_xml(1, HEADERS)), "")])
    members["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0"?><sst xmlns="{_main()}">' + "<si><t/></si>" * 1_000_001 + "</sst>"
    )
    assert _unreadable_reason(zip_bytes(members), max_rows=10) == "too_many_strings"


# --- Rows -------------------------------------------------------------------------------------


def test_too_many_rows():
    data = simple_xlsx(HEADERS, [_roster_row(nik=f"32730155079{n:05d}") for n in range(12)])
    issues = _rejected(data, max_rows=10)
    assert _codes(issues) == ["file.too_many_rows"]
    assert issues[0].params == {"rows": 12, "max_rows": 10}


def test_exactly_max_rows_is_fine_and_blank_rows_do_not_count():
    rows = [row_xml(1, HEADERS)]
    rows += [row_xml(n, _text_row()) for n in range(2, 12)]  # 10 rows
    rows += [row_xml(n, ["  "]) for n in range(12, 30)]  # whitespace only
    with _open(xlsx(sheet_xml(rows)), max_rows=10) as opened:
        assert opened.total_rows == 10
        assert len(list(opened.rows())) == 10


def test_blank_rows_in_between_are_skipped_with_true_row_numbers():
    rows = [
        row_xml(1, HEADERS),
        row_xml(2, _text_row()),
        row_xml(3, [" ", None, ""]),
        row_xml(7, _text_row()),
    ]
    with _open(xlsx(sheet_xml(rows))) as opened:
        assert [row for row, _v, _r in opened.rows()] == [2, 7]


@pytest.fixture(scope="module")
def formatted_to_the_last_row() -> bytes:
    """Three data rows, formatted empty rows down to 1,048,576 (declared in the dimension)."""
    rows = [
        row_xml(1, HEADERS),
        row_xml(2, _text_row()),
        row_xml(3, _text_row()),
        row_xml(4, _text_row()),
    ]
    styled = "".join(empty_cell(f"{column_letter(c)}{{n}}") for c in range(18))
    rows += [
        f'<row r="{n}">' + styled.replace("{n}", str(n)) + "</row>" for n in range(5, 20_000)
    ]  # formatted cells, Excel's borders
    rows.append(
        "".join(f'<row r="{n}" s="1" customFormat="1"/>' for n in range(20_000, 1_048_577))
    )  # formatted rows
    return xlsx(sheet_xml(rows, "A1:R1048576"))


def test_trailing_formatted_rows_down_to_the_last_excel_row(formatted_to_the_last_row: bytes):
    started = time.perf_counter()
    with _open(formatted_to_the_last_row, max_rows=10) as opened:
        assert opened.total_rows == 3
        assert [row for row, _v, _r in opened.rows()] == [2, 3, 4]
    assert time.perf_counter() - started < 10


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_trailing_formatted_rows_keep_memory_bounded(
    formatted_to_the_last_row: bytes, tmp_path: Path
):
    path = tmp_path / "formatted.xlsx"
    path.write_bytes(formatted_to_the_last_row)
    # VmHWM, not ru_maxrss: Linux carries the parent's (pytest's) peak across fork + exec.
    script = (
        "import re, sys\n"
        "from edabu_lite.sheets.columns import ROSTER_COLUMNS\n"
        "from edabu_lite.sheets.reader import open_sheet\n"
        "with open_sheet(sys.argv[1], ROSTER_COLUMNS, max_bytes=2**25, max_rows=10) as s:\n"
        "    assert sum(1 for _ in s.rows()) == 3\n"
        "status = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) // 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    peak_mb = int(result.stdout.split()[-1])
    assert 0 < peak_mb < 200  # a dense 1,048,576 × 18 range alone would be ~600 MB


# --- Cell values -----------------------------------------------------------------------------


def test_numeric_identity_cells_stay_numbers():
    rows = [
        row_xml(1, HEADERS),
        row_xml(2, [3273015507900001, 3.2730120011500e15, "Siti"]),
        row_xml(3, [9.4e15, 1234567890123456.5, "Budi"]),
    ]
    with _open(xlsx(sheet_xml(rows))) as opened:
        (_, first, _), (_, second, _) = list(opened.rows())
    assert first["nik"] == 3273015507900001 and type(first["nik"]) is int
    assert first["kk"] == 3273012001150000 and type(first["kk"]) is int
    assert type(second["nik"]) is float and second["nik"] == 9.4e15  # beyond 2**53: a float
    assert type(second["kk"]) is float and second["kk"] == 1234567890123456.5


def test_number_typed_in_excel_as_number_loses_its_last_digit():
    workbook = Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append(_roster_row(nik=3273015507900001, kk=float(KK)))
    with _open(_workbook_bytes(workbook)) as opened:
        [(_, values, raw)] = list(opened.rows())
    assert isinstance(values["nik"], int) and isinstance(values["kk"], int)
    assert raw[0] == values["nik"]


def test_dates_times_booleans_and_text_dates():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(
        _roster_row(
            birth_date=datetime(1990, 7, 15, 0, 0),
            start_date=datetime(2026, 1, 1, 8, 30),
            in_school=True,
            birth_place=clock(7, 45),
        )
    )
    sheet.append(_roster_row(birth_date="15/07/1990", start_date="2026-01-01", in_school=False))
    with _open(_workbook_bytes(workbook)) as opened:
        (_, first, _), (_, second, _) = list(opened.rows())
    assert first["birth_date"] == date(1990, 7, 15) and type(first["birth_date"]) is date
    assert first["start_date"] == datetime(2026, 1, 1, 8, 30)
    assert first["birth_place"] == clock(7, 45)
    assert first["in_school"] is True
    assert second["birth_date"] == "15/07/1990" and second["start_date"] == "2026-01-01"
    assert second["in_school"] is False


def test_text_is_stripped_and_empty_text_is_none():
    rows = [row_xml(1, HEADERS), row_xml(2, [f"  {NIK}\t", KK, "  Siti  Aminah ", "   "])]
    with _open(xlsx(sheet_xml(rows))) as opened:
        [(_, values, raw)] = list(opened.rows())
    assert values["nik"] == NIK
    assert values["name"] == "Siti  Aminah"
    assert values["birth_place"] is None
    assert raw[:4] == [f"  {NIK}\t", KK, "  Siti  Aminah ", "   "]


def test_formula_cells_yield_their_cached_value():
    rows = [
        row_xml(1, HEADERS),
        '<row r="2"><c r="A2" t="str"><f>CONCAT("3273",B2)</f><v>3273015507900001</v></c>'
        '<c r="B2"><f>1+1</f><v>2</v></c><c r="C2"><f>UPPER("x")</f></c>'
        '<c r="D2" t="e"><v>#N/A</v></c></row>',
    ]
    with _open(xlsx(sheet_xml(rows))) as opened:
        [(_, values, _)] = list(opened.rows())
    assert values["nik"] == NIK
    assert values["kk"] == 2
    assert values["name"] is None  # never computed: no cached value
    assert values["birth_place"] is None  # an error value reads as empty


def test_merged_cells_hold_their_value_in_the_top_left_cell():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(_roster_row())
    sheet.append(_roster_row(nik="3273015507900002"))
    sheet.merge_cells("B2:B3")
    with _open(_workbook_bytes(workbook)) as opened:
        (_, first, _), (_, second, _) = list(opened.rows())
    assert first["kk"] == KK
    assert second["kk"] is None


def test_hidden_first_sheet_is_skipped():
    data = xlsx(
        [
            ("Lama", sheet_xml(row_xml(1, ["tidak", "dipakai"])), "hidden"),
            ("Rahasia", sheet_xml(row_xml(1, ["x"])), "veryHidden"),
            ("Data", sheet_xml([row_xml(1, HEADERS), row_xml(2, _text_row())]), ""),
        ]
    )
    with _open(data) as opened:
        [(_, values, _)] = list(opened.rows())
    assert values["nik"] == NIK


def test_hidden_first_sheet_written_by_openpyxl_is_skipped():
    workbook = Workbook()
    workbook.active.title = "Lama"
    workbook.active.append(["x"])
    workbook.active.sheet_state = "hidden"
    visible = workbook.create_sheet("Peserta")
    visible.append(HEADERS)
    visible.append(_roster_row())
    workbook.active = 1
    with _open(_workbook_bytes(workbook)) as opened:
        assert [v["name"] for _r, v, _raw in opened.rows()] == ["Siti Aminah"]


def test_sheet_starting_at_column_b_keeps_sheet_column_indexes():
    rows = [
        row_xml(1, HEADERS, first_column=1),
        row_xml(2, _text_row(), first_column=1),
        row_xml(4, _text_row(), first_column=1),
    ]
    with _open(xlsx(sheet_xml(rows))) as opened:
        assert opened.columns["nik"] == 1 and opened.columns["in_school"] == 18
        assert opened.headers[0] == "" and opened.headers[1] == "NIK"
        rows_read = list(opened.rows())
    assert [row for row, _v, _r in rows_read] == [2, 4]
    raw = rows_read[0][2]
    assert raw[0] is None and raw[1] == NIK and len(raw) == 19
    assert rows_read[0][1]["nik"] == NIK


def test_data_far_down_after_blank_rows_keeps_excel_row_numbers():
    rows = [row_xml(1, HEADERS), row_xml(500, _text_row()), row_xml(20_000, _text_row())]
    with _open(xlsx(sheet_xml(rows)), max_rows=100_000) as opened:
        assert [row for row, _v, _r in opened.rows()] == [500, 20_000]


def test_column_letter():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702, 16383)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
        "XFD",
    ]


def test_cells_without_reference_are_placed_like_excel():
    body = (
        row_xml(1, HEADERS)
        + '<row r="2">'
        + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in (NIK, KK, "Siti"))
        + "</row>"
    )
    with _open(xlsx(sheet_xml(body))) as opened:
        [(row, values, _)] = list(opened.rows())
    assert row == 2 and values["nik"] == NIK and values["name"] == "Siti"


def test_text_cell_helper_round_trip():
    """The hand-built cells are what the other tests rely on."""
    body = row_xml(1, HEADERS) + f'<row r="2">{text_cell("A2", " <&> ")}</row>'
    with _open(xlsx(sheet_xml(body))) as opened:
        [(_, values, raw)] = list(opened.rows())
    assert raw[0] == " <&> " and values["nik"] == "<&>"


def _error_cell(ref: str, text: str = "#N/A") -> str:
    return f'<c r="{ref}" t="e"><v>{text}</v></c>'


def test_error_cells_are_empty_and_a_row_of_errors_is_no_data_row():
    # A template with VLOOKUPs dragged down: Excel caches #N/A in the rows nobody filled.
    errors_only = "".join(_error_cell(f"{column_letter(i)}3") for i in range(3))
    nik_error = row_xml(4, _text_row()).replace(text_cell("A4", NIK), _error_cell("A4", "#REF!"))
    assert _error_cell("A4", "#REF!") in nik_error  # the NIK cell was replaced
    sheet = sheet_xml(
        [row_xml(1, HEADERS), row_xml(2, _text_row()), f'<row r="3">{errors_only}</row>', nik_error]
    )
    with _open(xlsx(sheet)) as opened:
        rows = list(opened.rows())
    assert [row for row, _values, _raw in rows] == [2, 4]
    assert rows[1][1]["nik"] is None and rows[1][2][0] is None
    assert rows[1][1]["kk"] == KK


def test_a_lying_dimension_does_not_widen_the_rows_to_its_extent():
    # The XML scan bounds the width (no cell beyond column Z here), not the declared XFD.
    sheet = sheet_xml([row_xml(1, HEADERS), row_xml(2, _text_row())], "A1:XFD1048576")
    with _open(xlsx(sheet)) as opened:
        assert opened.headers[: len(HEADERS)] == HEADERS and len(opened.headers) <= 26
        [(_row, values, raw)] = list(opened.rows())
    assert len(raw) <= 26 and values["nik"] == NIK


# --- The early guess of the sheet's part (another process may start reading on it) -----------


def _guessed(path, **limits) -> tuple[list, OpenedSheet]:
    guesses: list = []
    opened = open_sheet(
        path,
        ROSTER_COLUMNS,
        max_bytes=20 * MB,
        max_rows=limits.get("max_rows", 1_000),
        early=guesses.append,
    )
    return guesses, opened


def _untitled_found(part) -> list:  # type: ignore[no-untyped-def]
    found: list[int] = []
    return [*part.rows(found.append)], found


@streaming_only
@pytest.mark.parametrize("dimension", [True, False], ids=["with dimension", "without"])
def test_the_early_guess_reads_as_the_opened_sheet(tmp_path, dimension):
    """From the sheet's <dimension> (Excel, openpyxl) or, without one (streaming writers),
    the row limit: the guessed part yields exactly the opened sheet's rows, untitled
    columns holding data included."""
    rows = [row_xml(1, [*HEADERS, None, "Catatan"])]
    rows += [row_xml(n, [*_text_row(), "lihat" if n == 3 else None]) for n in range(2, 6)]
    xml = sheet_xml(rows, f"A1:{column_letter(len(HEADERS) + 1)}5")
    if not dimension:
        xml = xml.replace(f'<dimension ref="A1:{column_letter(len(HEADERS) + 1)}5"/>', "")
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx(xml))
    guesses, opened = _guessed(path)
    with opened:
        [guess] = guesses
        assert guess.reads_as(opened.part())
        assert guess.max_row == (4 if dimension else 1_000)
        read, untitled = _untitled_found(guess)
        assert (read, untitled) == _untitled_found(opened.part())
        assert [r for r, _v, _raw in read] == [2, 3, 4, 5] and untitled == [len(HEADERS)]


@streaming_only
def test_a_dimension_promising_fewer_rows_gives_a_guess_that_reads_otherwise(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(
        xlsx(
            sheet_xml([row_xml(n, _text_row() if n > 1 else HEADERS) for n in range(1, 6)], "A1:R3")
        )
    )
    guesses, opened = _guessed(path)
    with opened:
        [guess] = guesses
        assert guess.max_row == 2 and opened.part().max_row == 4
        assert not guess.reads_as(opened.part())


def test_no_guess_for_bytes_a_refused_header_or_a_dimension_over_the_limit(tmp_path):
    valid = sheet_xml([row_xml(1, HEADERS), row_xml(2, _text_row())], "A1:R2")
    guesses: list = []
    with open_sheet(xlsx(valid), ROSTER_COLUMNS, max_bytes=MB, max_rows=10, early=guesses.append):
        pass  # not a file on disk: nobody else can read it
    refused = tmp_path / "refused.xlsx"
    refused.write_bytes(
        xlsx(sheet_xml([row_xml(1, HEADERS[1:]), row_xml(2, _text_row()[1:])], "A1:Q2"))
    )
    with pytest.raises(SheetRejected):
        open_sheet(refused, ROSTER_COLUMNS, max_bytes=MB, max_rows=10, early=guesses.append)
    huge = tmp_path / "huge.xlsx"
    huge.write_bytes(
        xlsx(sheet_xml([row_xml(1, HEADERS), row_xml(2, _text_row())], "A1:XFD1048576"))
    )
    with open_sheet(huge, ROSTER_COLUMNS, max_bytes=MB, max_rows=10, early=guesses.append):
        pass
    assert guesses == []


@streaming_only
def test_a_guess_that_fails_never_fails_the_opening(tmp_path, monkeypatch):
    """Whatever goes wrong while guessing (here the header's matching, the guess's alone:
    the real opening comes after it), the sheet opens as without a guess."""
    from edabu_lite.sheets import reader

    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx(sheet_xml([row_xml(1, HEADERS), row_xml(2, _text_row())], "A1:R2")))
    real_match, calls = reader._match_headers, []

    def failing_once(*args):  # type: ignore[no-untyped-def]
        calls.append(True)
        if len(calls) == 1:
            raise RuntimeError("a bug in the guess")
        return real_match(*args)

    monkeypatch.setattr(reader, "_match_headers", failing_once)
    guesses, opened = _guessed(path)
    with opened:
        assert guesses == [] and len(calls) == 2
        assert [row for row, _v, _raw in opened.rows()] == [2]
