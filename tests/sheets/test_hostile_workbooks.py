"""Hostile workbooks built in code: zip members whose sizes lie, huge shared strings, huge cells,
rows and headers, deep nesting. Each is refused quickly with a file-level issue, before calamine
gets to hold what it would inflate to."""

from __future__ import annotations

import base64
import random
import time

import pytest

from edabu_lite.sheets import archive
from edabu_lite.sheets.columns import ROSTER_COLUMNS
from edabu_lite.sheets.reader import MAX_COLUMNS, MAX_HEADER_CHARS, SheetRejected, open_sheet
from edabu_lite.sheets.rejected import MAX_CELL_CHARS
from edabu_lite.sheets.rows import MAX_ROW_CHARS
from tests.sheets.xlsx_parts import (
    MAIN_NS,
    column_letters,
    hostile_workbook,
    row_xml,
    shared_cell,
    shared_string_members,
    sheet_xml,
    text_cell,
    workbook_members,
    xlsx,
    zip_bytes,
)

MB = 1024 * 1024
HEADERS = [spec.header for spec in ROSTER_COLUMNS]
ROW = ["3273015507900001", "3273012001150001", "Siti Aminah"]
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
SST_START = (
    f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'
    "<si><t>"
).encode()
SST_END = b"</t></si></sst>"
#: A megabyte of text that compresses about 50:1, under the 200:1 zip-bomb guard, as in the
#: reported attack (161:1): a random block repeated inside deflate's window.
TEXT_MB = (base64.b32encode(random.Random(14).randbytes(4500)) * 150)[:MB]


def refused(data: bytes, *, max_bytes: int = 20 * MB, max_rows: int = 1000) -> list:
    started = time.perf_counter()
    with (
        pytest.raises(SheetRejected) as caught,
        open_sheet(data, ROSTER_COLUMNS, max_bytes=max_bytes, max_rows=max_rows) as sheet,
    ):
        for _ in sheet.rows():
            pass
    assert time.perf_counter() - started < 5
    return caught.value.issues


def only(issues: list) -> tuple[str, object]:
    assert len(issues) == 1, issues
    return issues[0].code, issues[0].params.get("reason")


def strings_sheet() -> str:
    """Headers inline; the first data cell is shared string 0."""
    return sheet_xml([row_xml(1, HEADERS), f'<row r="2">{shared_cell("A2", 0)}</row>'])


# --- Sizes that lie ------------------------------------------------------------------------------


def test_shared_strings_inflating_past_their_declared_size_are_refused_at_once():
    # 1 MB on disk, 4 KB declared (with the CRC of those 4 KB), 1.1 GB of one string inside.
    parts = (SST_START, b"A" * MB, 1100, SST_END)
    data = hostile_workbook(shared_string_members(strings_sheet()), STRINGS, parts, declared=4096)
    assert len(data) < 2 * MB
    assert only(refused(data)) == ("file.unreadable", "size_mismatch")


def test_a_sheet_padded_past_its_declared_end_is_refused():
    start = sheet_xml([row_xml(1, HEADERS), row_xml(2, ROW)]).encode()
    start = start[: start.index(b"</sheetData>")]
    padding = ("<row>" + text_cell("A3", "x" * 1000) + "</row>").encode() * 100
    parts = (start, padding, 2000, b"</sheetData></worksheet>")
    members = workbook_members([("Data", "", "")])
    data = hostile_workbook(members, SHEET, parts, declared=len(start))
    assert only(refused(data)) == ("file.unreadable", "size_mismatch")


def test_every_member_is_counted_not_only_the_sheet_and_strings():
    styles = (b'<?xml version="1.0"?><styleSheet xmlns="x">', b" " * MB, 200, b"</styleSheet>")
    members = workbook_members([("Data", sheet_xml([row_xml(1, HEADERS), row_xml(2, ROW)]), "")])
    data = hostile_workbook(members, "xl/styles.xml", styles, declared=100)
    assert only(refused(data)) == ("file.unreadable", "size_mismatch")


def test_local_header_and_directory_that_disagree_are_refused():
    data = bytearray(xlsx(sheet_xml([row_xml(1, HEADERS), row_xml(2, ROW)])))
    name = SHEET.encode()
    at = data.find(b"PK\x03\x04")  # the sheet's local header: another uncompressed size
    while at >= 0:
        if data[at + 30 : at + 30 + len(name)] == name:
            data[at + 22 : at + 26] = (10**6).to_bytes(4, "little")
            break
        at = data.find(b"PK\x03\x04", at + 4)
    assert only(refused(bytes(data))) == ("file.unreadable", "size_mismatch")


# --- Huge shared strings and cells -------------------------------------------------------------


def test_an_honest_shared_string_table_over_its_cap_is_refused_from_the_directory():
    parts = (SST_START, TEXT_MB, 600, SST_END)  # 600 MB declared truthfully
    data = hostile_workbook(shared_string_members(strings_sheet()), STRINGS, parts)
    issues = refused(data, max_bytes=20 * MB)
    assert [i.code for i in issues] == ["file.too_large"]


def test_one_huge_shared_string_under_every_size_cap_is_refused_as_too_long():
    parts = (SST_START, TEXT_MB, 100, SST_END)  # 100 MB: under both size caps
    data = hostile_workbook(shared_string_members(strings_sheet()), STRINGS, parts)
    assert only(refused(data)) == ("file.cell_too_long", None)


def test_a_shared_string_of_many_formatting_runs_is_bounded_too():
    run = b"<r><rPr><b/></rPr><t>" + b"A" * 1000 + b"</t></r>"
    start = SST_START[: -len(b"<t>")]
    data = hostile_workbook(
        shared_string_members(strings_sheet()), STRINGS, (start, run, 2000, b"</si></sst>")
    )
    assert only(refused(data)) == ("file.cell_too_long", None)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('<c r="A2" t="inlineStr"><is><t>', "</t></is></c>"),  # inline text
        ('<c r="A2"><v>', "</v></c>"),  # a "number" of a hundred million digits
        ('<c r="A2"><f>', "</f><v>1</v></c>"),  # a formula
        ('<c r="A2" s="', '"/>'),  # an attribute
    ],
)
def test_a_huge_cell_in_the_sheet_is_refused_before_calamine_reads_it(before, after):
    start = sheet_xml([row_xml(1, HEADERS)]).encode()
    start = start[: start.index(b"</sheetData>")] + b'<row r="2">' + before.encode()
    end = after.encode() + b"</row></sheetData></worksheet>"
    data = hostile_workbook(workbook_members([("Data", "", "")]), SHEET, (start, TEXT_MB, 100, end))
    assert only(refused(data)) == ("file.cell_too_long", None)


def test_text_run_check_catches_every_run_of_twice_the_window_and_none_under_it():
    for length in (archive.MAX_TEXT_RUN - 3, 2 * archive.MAX_TEXT_RUN):
        for offset in (0, 1, 12345, archive.CHUNK - 7):  # across chunk boundaries too
            filler = (b"<i/>" * offset)[:offset]
            stream = b"<a>" + filler + b"<b>" + b"y" * length + b"</b>" + b"<c/>" * 10
            gap = archive._Gap(b"<", archive.MAX_TEXT_RUN)
            chunks = [stream[i : i + archive.CHUNK] for i in range(0, len(stream), archive.CHUNK)]
            caught = any(gap.exceeded(chunk) for chunk in chunks)
            assert caught == (length + 2 >= archive.MAX_TEXT_RUN), (length, offset)  # "b>" too


def test_a_cell_one_character_over_excels_limit_is_refused_with_its_row():
    ok = xlsx(sheet_xml([row_xml(1, HEADERS), row_xml(2, ["x" * MAX_CELL_CHARS])]))
    with open_sheet(ok, ROSTER_COLUMNS, max_bytes=20 * MB, max_rows=10) as sheet:
        assert len(list(sheet.rows())) == 1
    too_long = xlsx(
        sheet_xml([row_xml(1, HEADERS), row_xml(2, ROW), row_xml(3, ["x" * (MAX_CELL_CHARS + 1)])])
    )
    (issue,) = refused(too_long)
    assert (issue.code, issue.row) == ("file.cell_too_long", 3)
    assert issue.params["max_chars"] == "32.767"


def test_a_header_cell_is_bounded_tighter():
    assert MAX_HEADER_CHARS == 255
    ok = xlsx(sheet_xml([row_xml(1, [*HEADERS, "h" * MAX_HEADER_CHARS]), row_xml(2, ROW)]))
    with open_sheet(ok, ROSTER_COLUMNS, max_bytes=20 * MB, max_rows=10) as sheet:
        assert len(sheet.headers[-1]) == MAX_HEADER_CHARS
    long_header = xlsx(
        sheet_xml([row_xml(1, [*HEADERS, "h" * (MAX_HEADER_CHARS + 1)]), row_xml(2, ROW)])
    )
    (issue,) = refused(long_header)
    assert (issue.code, issue.row) == ("file.cell_too_long", 1)


def test_one_shared_string_repeated_across_a_row_is_bounded_by_the_row_limit():
    text = "z" * 30_000  # under the cell limit; nine of them are over the row limit
    assert 9 * len(text) > MAX_ROW_CHARS
    cells = "".join(shared_cell(f"{column_letters(i)}2", 0) for i in range(9))
    sheet = sheet_xml([row_xml(1, HEADERS), f'<row r="2">{cells}</row>'])
    members = shared_string_members(sheet)
    members[STRINGS] = (SST_START + text.encode() + SST_END).decode()
    (issue,) = refused(zip_bytes(members))
    assert (issue.code, issue.row) == ("file.row_too_long", 2)


def test_columns_are_bounded():
    wide = xlsx(
        sheet_xml(
            [row_xml(1, HEADERS), row_xml(2, ROW), row_xml(3, ["x"], first_column=MAX_COLUMNS)]
        )
    )
    assert only(refused(wide)) == ("file.unreadable", "too_many_columns")


# --- Deep nesting ----------------------------------------------------------------------------


DEEP = "<x>" * 1_000_000 + "</x>" * 1_000_000


def test_deep_nesting_in_the_workbook_part_is_refused():
    members = workbook_members([("Data", sheet_xml([row_xml(1, HEADERS), row_xml(2, ROW)]), "")])
    members["xl/workbook.xml"] = str(members["xl/workbook.xml"]).replace(
        "<sheets>", DEEP + "<sheets>"
    )
    assert only(refused(zip_bytes(members))) == ("file.unreadable", "xml_too_deep")


def test_deep_nesting_in_an_unusual_sheet_is_refused_by_the_exact_scan():
    # A namespace prefix sends the sheet to the expat scan, which stops at MAX_XML_DEPTH.
    sheet = (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>NIK</x:t></x:is></x:c></x:row>'
        f"</x:sheetData>{DEEP}</x:worksheet>"
    )
    assert only(refused(xlsx(sheet))) == ("file.unreadable", "xml_too_deep")


def test_deep_nesting_inside_a_shared_string_is_refused_as_too_long():
    members = shared_string_members(strings_sheet())
    members[STRINGS] = (SST_START[: -len(b"<t>")] + DEEP.encode() + b"</si></sst>").decode()
    assert only(refused(zip_bytes(members))) == ("file.cell_too_long", None)


def test_deep_nesting_where_calamine_streams_costs_nothing():
    # Inside a canonical sheet calamine skips unknown elements as it streams: read, not refused.
    sheet = sheet_xml([row_xml(1, HEADERS), row_xml(2, ROW)], extra=DEEP)
    started = time.perf_counter()
    with open_sheet(xlsx(sheet), ROSTER_COLUMNS, max_bytes=20 * MB, max_rows=10) as opened:
        assert [row for row, _v, _r in opened.rows()] == [2]
    assert time.perf_counter() - started < 2


def test_a_long_run_in_a_part_calamine_never_reads_is_no_reason_to_refuse():
    members = workbook_members([("Data", sheet_xml([row_xml(1, HEADERS), row_xml(2, ROW)]), "")])
    members["xl/theme/theme1.xml"] = f'<a:theme xmlns:a="x">{"q" * 600_000}</a:theme>'
    with open_sheet(zip_bytes(members), ROSTER_COLUMNS, max_bytes=20 * MB, max_rows=10) as sheet:
        assert [row for row, _v, _r in sheet.rows()] == [2]
