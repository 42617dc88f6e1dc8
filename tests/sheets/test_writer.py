"""The writers: template, error report (and its round trip), streaming export."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from edabu_lite.issues import Issue
from edabu_lite.sheets.columns import MUTATION_COLUMNS, ROSTER_COLUMNS, CellKind, Need
from edabu_lite.sheets.reader import SheetRejected, open_sheet
from edabu_lite.sheets.stream import excel_day, write_rows, write_table
from edabu_lite.sheets.writer import (
    DATE_FORMAT,
    ERROR_COLOR,
    TEMPLATE_ROWS,
    TEXT_FORMAT,
    WARNING_COLOR,
    neutralise_formula,
    write_error_report,
    write_template,
)

MB = 1024 * 1024
NIK = "3273015507900001"
KK = "3273012001150003"


def _saved(write, *args, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write(buffer, *args, **kwargs)
    return buffer.getvalue()


def _load(data: bytes):
    return load_workbook(io.BytesIO(data))


def _rgb(cell) -> str | None:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else None


# --- Template ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def roster_template() -> bytes:
    return _saved(write_template, ROSTER_COLUMNS, title="Data Peserta")


def test_template_sheets_order_and_active_sheet(roster_template: bytes):
    workbook = _load(roster_template)
    assert workbook.sheetnames == ["Data Peserta", "Petunjuk", "Daftar"]
    assert workbook.active.title == "Data Peserta"
    assert [s.sheet_state for s in workbook] == ["visible", "visible", "hidden"]


def test_template_header_row(roster_template: bytes):
    sheet = _load(roster_template).active
    header = list(sheet[1])
    assert [cell.value for cell in header] == [spec.header for spec in ROSTER_COLUMNS]
    assert all(cell.font.bold and cell.data_type == "s" and _rgb(cell) for cell in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:R1"
    for index, spec in enumerate(ROSTER_COLUMNS, start=1):
        letter = header[index - 1].column_letter
        assert sheet.column_dimensions[letter].width == spec.width


def test_template_formats_identity_columns_as_text_and_dates(roster_template: bytes):
    sheet = _load(roster_template).active
    for index, spec in enumerate(ROSTER_COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        expected = {CellKind.IDENTITY: TEXT_FORMAT, CellKind.DATE: DATE_FORMAT}.get(spec.kind)
        if expected is None:
            assert sheet.cell(row=2, column=index).number_format == "General"
            continue
        assert sheet.cell(row=2, column=index).number_format == expected
        assert sheet.cell(row=TEMPLATE_ROWS + 1, column=index).number_format == expected
        assert sheet.column_dimensions[letter].number_format == expected
    identity = [spec.key for spec in ROSTER_COLUMNS if spec.kind == CellKind.IDENTITY]
    assert identity == ["nik", "kk", "worker_nik", "card_number"]


def test_template_offers_drop_down_lists_for_coded_columns(roster_template: bytes):
    workbook = _load(roster_template)
    sheet = workbook.active
    lists = workbook["Daftar"]
    validations = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    coded = [
        (i, spec) for i, spec in enumerate(ROSTER_COLUMNS, start=1) if spec.kind == CellKind.CODE
    ]
    assert len(validations) == len(coded) == 5
    for index, spec in coded:
        letter = sheet.cell(row=1, column=index).column_letter
        validation = validations[f"{letter}2:{letter}1048576"]
        assert validation.type == "list" and validation.showErrorMessage
        sheet_name, cells = validation.formula1.split("!")
        assert sheet_name == "Daftar"
        first, last = cells.replace("$", "").split(":")
        values = [str(row[0].value) for row in lists[first:last]]
        assert values == list(spec.choices)


def test_template_petunjuk_explains_every_column(roster_template: bytes):
    guide = _load(roster_template)["Petunjuk"]
    text = [list(row) for row in guide.iter_rows(values_only=True)]
    flat = " ".join(str(v) for row in text for v in row if v)
    assert "satu orang per baris" in flat
    assert "Teks" in flat and "DD-MM-YYYY" in flat and "menggabungkan sel" in flat
    assert "anggota keluarga" in flat
    header_row = next(i for i, row in enumerate(text) if row[0] == "Kolom")
    table = text[header_row + 1 : header_row + 1 + len(ROSTER_COLUMNS)]
    assert [row[0] for row in table] == [spec.header for spec in ROSTER_COLUMNS]
    by_header = {row[0]: row for row in table}
    assert by_header["NIK"][1] == "Ya"
    assert by_header["Gaji"][1] == "Ya, pada baris pekerja (Peserta)"
    assert by_header["NIK Peserta Utama"][1] == "Ya, pada baris anggota keluarga"
    assert by_header["Email"][1] == "Tidak"
    assert by_header["No Kartu JKN"][3] == "0001234567890"  # text: leading zeros kept
    for spec in ROSTER_COLUMNS:
        assert by_header[spec.header][2] == spec.help


def test_template_for_mutations(tmp_path):
    path = tmp_path / "mutasi.xlsx"
    write_template(path, MUTATION_COLUMNS, title="Mutasi: Peserta/Keluar [v1]")
    workbook = _load(path.read_bytes())
    assert workbook.sheetnames[1:] == ["Petunjuk", "Daftar"]
    sheet = workbook.active
    assert sheet.title == "Mutasi  Peserta Keluar  v1"[:31]
    assert [c.value for c in sheet[1]] == [spec.header for spec in MUTATION_COLUMNS]
    assert sheet["A2"].number_format == TEXT_FORMAT
    assert sheet["D2"].number_format == DATE_FORMAT
    assert len(sheet.data_validations.dataValidation) == 4
    guide = " ".join(
        str(v) for row in workbook["Petunjuk"].iter_rows(values_only=True) for v in row if v
    )
    assert "Satu mutasi per baris" in guide
    needs = {spec.need for spec in MUTATION_COLUMNS}
    assert Need.KIND in needs and "Tergantung Jenis Mutasi" in guide


def test_blank_template_reads_back_as_an_empty_file(roster_template: bytes):
    with pytest.raises(SheetRejected) as caught:
        open_sheet(roster_template, ROSTER_COLUMNS, max_bytes=MB, max_rows=10)
    assert [issue.code for issue in caught.value.issues] == ["file.empty"]


def test_filled_template_reads_back(roster_template: bytes):
    workbook = _load(roster_template)
    sheet = workbook.active
    for column, value in enumerate([NIK, KK, "Siti"], start=1):
        sheet.cell(row=2, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with open_sheet(buffer.getvalue(), ROSTER_COLUMNS, max_bytes=MB, max_rows=10) as opened:
        assert opened.issues == []
        assert [(r, v["nik"], v["kk"]) for r, v, _ in opened.rows()] == [(2, NIK, KK)]


# --- Error report -----------------------------------------------------------------------------

HEADERS = ["NIK", "No. KK", "Nama", "Tgl Lahir", "Departemen"]
COLUMNS = {"nik": 0, "kk": 1, "name": 2, "birth_date": 3}


def _report(rows, headers=HEADERS, columns_by_key=COLUMNS, **kwargs) -> bytes:
    return _saved(write_error_report, headers, rows, columns_by_key, **kwargs)


def test_error_report_marks_cells_and_lists_messages():
    rows = [
        (
            2,
            [NIK, 3273012001150000, "Siti", date(1990, 7, 15), "Gudang"],
            [
                Issue("kk.not_text", column="kk"),
                Issue("nik.region", column="nik", params={"code": "327301"}),
                Issue("row.nik_other_employer"),
            ],
        ),
        (
            5,
            ["1234", KK, "Budi", "15/07/1990", None],
            [
                Issue("nik.length", column="nik", params={"length": 4}),
                Issue("nik.sex_mismatch", column="nik", params={"nik_sex": "P", "sex": "L"}),
            ],
        ),
    ]
    sheet = _load(_report(rows)).active
    assert [c.value for c in sheet[1]] == [*HEADERS, "Keterangan"]
    first, second = sheet[2], sheet[3]

    assert _rgb(first[0]) == WARNING_COLOR  # warning only
    assert _rgb(first[1]) == ERROR_COLOR
    assert _rgb(first[2]) is None and _rgb(first[3]) is None
    assert _rgb(second[0]) == ERROR_COLOR  # an error and a warning: red
    assert "Kode wilayah 327301" in first[0].comment.text
    assert "tersimpan sebagai angka" in first[1].comment.text
    assert first[2].comment is None
    assert second[0].comment.text.count("\n") == 1

    note = first[5].value.split("\n")
    assert [line.split(":")[0] for line in note] == [
        "kk.not_text",
        "nik.region",
        "row.nik_other_employer",
    ]
    assert "badan usaha lain" in note[2]
    assert _rgb(first[5]) == ERROR_COLOR
    assert _rgb(second[5]) == ERROR_COLOR
    assert sheet.freeze_panes == "A2"


def test_error_report_keeps_excel_damage_a_number_with_every_digit_shown():
    """A NIK that arrived as a number has lost its 16th digit: written back as text it would
    pass as a (wrong) NIK on the next upload. It stays a number, shown in full."""
    rows = [
        (
            2,
            [3273015507900000, 3.2730120011500e15, "Siti", None, None],
            [Issue("nik.not_text", column="nik"), Issue("kk.not_text", column="kk")],
        )
    ]
    sheet = _load(_report(rows)).active
    nik, kk = sheet["A2"], sheet["B2"]
    assert (nik.value, nik.data_type, nik.number_format) == (3273015507900000, "n", "0")
    assert (kk.value, kk.data_type, kk.number_format) == (3273012001150000, "n", "0")
    assert "tersimpan sebagai angka" in nik.comment.text


def test_error_report_writes_dates_as_dates_and_text_as_text():
    rows = [
        (
            2,
            [NIK, KK, '=HYPERLINK("http://x")', date(1990, 7, 15), "#N/A"],
            [Issue("name.format", column="name")],
        )
    ]
    sheet = _load(_report(rows)).active
    assert sheet["D2"].value == datetime(1990, 7, 15)
    assert sheet["D2"].number_format == DATE_FORMAT
    assert (sheet["C2"].value, sheet["C2"].data_type) == ('=HYPERLINK("http://x")', "s")
    assert (sheet["E2"].value, sheet["E2"].data_type) == ("#N/A", "s")


def test_error_report_translates_messages():
    rows = [(2, [NIK, KK, "Siti", None, None], [Issue("name.format", column="name")])]
    sheet = _load(_report(rows, gettext=lambda m: "EN: " + m)).active
    assert sheet["C2"].comment.text.startswith("EN: ")
    assert sheet["F2"].value.startswith("name.format: EN: ")


def test_warning_only_report_round_trips_through_open_sheet():
    headers = [spec.header for spec in ROSTER_COLUMNS]
    row = [
        NIK,
        KK,
        "  Siti Aminah ",
        "Bandung",
        date(1990, 7, 15),
        "P",
        "Kawin",
        "Peserta",
        None,
        "EMP-1",
        6_500_000,
        1,
        "0112U020",
        datetime(2026, 1, 1),
        "0001234567890",
        "+62 812 3456 7890",
        "=siti@example.com",
        None,
    ]
    second = [*row]
    second[0], second[4], second[11] = "3273015507900002", "15-07-1990", 2.5
    source = _saved_roster(headers, [row, second])
    with open_sheet(source, ROSTER_COLUMNS, max_bytes=MB, max_rows=10) as opened:
        original = list(opened.rows())
        columns = dict(opened.columns)
    issues = [
        Issue("nik.region", column="nik", params={"code": "327301"}),
        Issue(
            "wage.below_minimum",
            column="wage",
            params={"wage": "6.500.000", "minimum": "7.000.000"},
        ),
        Issue("row.nik_other_employer"),
    ]
    report = _saved(
        write_error_report, headers, ((r, raw, issues) for r, _v, raw in original), columns
    )
    with open_sheet(report, ROSTER_COLUMNS, max_bytes=MB, max_rows=10) as reread:
        again = list(reread.rows())
        assert reread.issues == []  # the report's own messages column is known, not unknown
        assert reread.columns == columns
    assert [values for _r, values, _raw in again] == [values for _r, values, _raw in original]
    assert [raw[:-1] for _r, _v, raw in again] == [raw for _r, _v, raw in original]


def _saved_roster(headers, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_mutation_report_keeps_its_note_column_apart_from_the_messages():
    headers = ["NIK", "Jenis Mutasi", "Alasan", "Kelas Mandiri", "Keterangan"]
    source = _saved_roster(headers, [[NIK, "NONAKTIF", "PHK", None, "pindah kerja"]])
    with open_sheet(source, MUTATION_COLUMNS, max_bytes=MB, max_rows=10) as opened:
        original = list(opened.rows())
        columns = dict(opened.columns)
    report = _saved(
        write_error_report,
        headers,
        [(r, raw, [Issue("mutation.not_active")]) for r, _v, raw in original],
        columns,
    )
    assert [c.value for c in _load(report).active[1]][-1] == "Keterangan Validasi"
    with open_sheet(report, MUTATION_COLUMNS, max_bytes=MB, max_rows=10) as reread:
        [(_, values, _)] = list(reread.rows())
        assert reread.issues == []
    assert values == original[0][1]


def test_mutation_report_without_note_column_still_avoids_keterangan():
    report = _report(
        [(2, [NIK, "X"], [Issue("mutation.kind_invalid", column="kind")])],
        headers=["NIK", "Jenis Mutasi"],
        columns_by_key={"nik": 0, "kind": 1},
    )
    sheet = _load(report).active
    assert sheet["C1"].value == "Keterangan Validasi"
    assert _rgb(sheet["B2"]) == ERROR_COLOR


def test_error_report_streams_many_rows_and_caps_comments(monkeypatch):
    import edabu_lite.sheets.writer as writer

    monkeypatch.setattr(writer, "MAX_COMMENTS", 5)
    rows = (
        (n, [NIK, KK, f"Nama {n}", None, None], [Issue("name.format", column="name")])
        for n in range(2, 3_002)
    )
    sheet = _load(_report(rows)).active
    assert sheet.max_row == 3_001
    comments = [c for row in sheet.iter_rows(min_row=2) for c in row if c.comment]
    assert len(comments) == 5
    assert _rgb(sheet["C3001"]) == ERROR_COLOR
    assert sheet["F3001"].value.startswith("name.format: ")


# --- Export -----------------------------------------------------------------------------------


class Status(StrEnum):
    ACTIVE = "AKTIF"


def test_write_rows_neutralises_formulas_and_keeps_types():
    rows = [
        {
            "nik": NIK,
            "kk": 3273012001150000,
            "name": '=HYPERLINK("http://evil","x")',
            "birth_place": "@SUM(A1)",
            "birth_date": date(1990, 7, 15),
            "sex": "-2+3",
            "marital_status": "+cmd|' /C calc'!A0",
            "relationship": Status.ACTIVE,
            "wage": 6_500_000,
            "care_class": -1,
            "faskes_code": "#N/A",
            "start_date": datetime(2026, 1, 1, 8, 0),
            "card_number": "0001234567890",
            "phone": "+62 812-3456-7890",
            "email": "\tsiti@example.com",
            "in_school": True,
            "employee_number": Decimal("12.5"),
        },
        {"nik": None, "name": "-", "phone": "-12.500"},
    ]
    data = _saved(write_rows, ROSTER_COLUMNS, iter(rows), sheet_title="Ekspor")
    sheet = _load(data)["Ekspor"]
    assert [c.value for c in sheet[1]] == [spec.header for spec in ROSTER_COLUMNS]
    cells = {spec.key: sheet.cell(row=2, column=i) for i, spec in enumerate(ROSTER_COLUMNS, 1)}
    assert cells["name"].value == '\'=HYPERLINK("http://evil","x")'
    assert cells["birth_place"].value == "'@SUM(A1)"
    assert cells["sex"].value == "'-2+3"
    assert cells["marital_status"].value == "'+cmd|' /C calc'!A0"
    assert cells["email"].value == "'\tsiti@example.com"
    assert cells["phone"].value == "+62 812-3456-7890"
    assert cells["relationship"].value == "AKTIF"
    assert cells["faskes_code"].value == "#N/A" and cells["faskes_code"].data_type == "s"
    for key in ("name", "birth_place", "sex", "marital_status", "email", "phone"):
        assert cells[key].data_type == "s"
    assert (cells["nik"].value, cells["nik"].number_format) == (NIK, TEXT_FORMAT)
    assert (cells["kk"].value, cells["kk"].data_type) == ("3273012001150000", "s")
    assert cells["card_number"].value == "0001234567890"
    assert cells["birth_date"].value == datetime(1990, 7, 15)
    assert cells["birth_date"].number_format == DATE_FORMAT
    assert cells["start_date"].value == datetime(2026, 1, 1, 8, 0)
    assert cells["wage"].value == 6_500_000 and cells["care_class"].value == -1
    assert cells["in_school"].value is True
    assert cells["employee_number"].value == 12.5
    assert sheet["C3"].value == "'-"
    assert sheet.cell(row=3, column=16).value == "-12.500"


def test_write_rows_reads_back_with_open_sheet(tmp_path):
    rows = (
        {
            "nik": f"32730155079{n:05d}",
            "kk": KK,
            "name": f"Orang {n}",
            "birth_date": date(1990, 1, 1),
            "card_number": "0001234567890",
            "wage": 5_000_000,
        }
        for n in range(200)
    )
    path = tmp_path / "export.xlsx"
    write_rows(path, ROSTER_COLUMNS, rows, sheet_title="Peserta")
    with open_sheet(path, ROSTER_COLUMNS, max_bytes=MB, max_rows=1_000) as opened:
        read = list(opened.rows())
    assert len(read) == 200
    assert read[7][1]["nik"] == "3273015507900007"
    assert read[7][1]["card_number"] == "0001234567890"
    assert read[7][1]["birth_date"] == date(1990, 1, 1)
    assert read[7][1]["wage"] == 5_000_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-A1", "'-A1"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+6281234567890", "+6281234567890"),
        ("+62 (812) 3456-7890", "+62 (812) 3456-7890"),
        ("-1.500,50", "-1.500,50"),
        ("-1+1", "'-1+1"),
        ("-", "'-"),
        ("Siti = Aminah", "Siti = Aminah"),
        ("", ""),
        (-5, -5),
        (None, None),
        (date(2020, 1, 1), date(2020, 1, 1)),
    ],
)
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def test_error_report_flags_formula_like_text_and_keeps_it_text_when_edited():
    link = '=HYPERLINK("http://evil.example","Klik")'
    rows = [(2, [NIK, KK, link, date(1990, 7, 15), "+62 812-3456-7890"], [])]
    data = _report(rows)
    sheet = _load(data).active
    name, department = sheet[2][2], sheet[2][4]
    assert name.value == link and name.data_type == "s"  # given back as uploaded, as text
    assert name.quotePrefix  # Excel keeps it text when the cell is edited
    assert _rgb(name) == WARNING_COLOR and "rumus" in name.comment.text
    assert department.value == "+62 812-3456-7890" and not department.quotePrefix  # a phone
    assert department.comment is None


def test_write_rows_refuses_more_rows_than_a_sheet_holds_instead_of_dropping_them(
    tmp_path, monkeypatch
):
    from edabu_lite.sheets import stream

    monkeypatch.setattr(stream, "LAST_ROW", 3)
    rows = [{"nik": NIK, "name": f"Orang {n}"} for n in range(4)]
    with pytest.raises(ValueError, match="more rows than an Excel sheet holds"):
        write_rows(str(tmp_path / "x.xlsx"), ROSTER_COLUMNS, rows, sheet_title="Peserta")
    write_rows(str(tmp_path / "y.xlsx"), ROSTER_COLUMNS, rows[:3], sheet_title="Peserta")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_excel_day_is_the_number_xlsxwriter_stores_for_a_date(day):
    from xlsxwriter.utility import _datetime_to_excel_datetime

    assert excel_day(day) == _datetime_to_excel_datetime(day, False, True)


def test_a_date_cell_written_as_its_day_number_reads_back_as_the_date(tmp_path):
    days = [date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1), date(1990, 7, 15)]
    path = tmp_path / "dates.xlsx"
    write_table(path, ROSTER_COLUMNS[:5], [[NIK, KK, "A", None, d] for d in days], sheet_title="P")
    sheet = load_workbook(path).active
    assert [sheet.cell(row=n, column=5).value.date() for n in range(2, 6)] == days
    assert all(sheet.cell(row=n, column=5).number_format == DATE_FORMAT for n in range(2, 6))
