"""Properties of the reader: header matching, robustness to any bytes, a sound extent scan."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook as UpstreamWorkbook
from python_calamine_plus import CalamineError, CalamineWorkbook

from edabu_lite.sheets import extent
from edabu_lite.sheets.columns import MUTATION_COLUMNS, ROSTER_COLUMNS, HeaderIndex, header_key
from edabu_lite.sheets.reader import SheetRejected, column_letter, open_sheet
from tests.sheets.xlsx_parts import (
    number_cell,
    row_xml,
    sheet_xml,
    simple_xlsx,
    text_cell,
    xlsx,
    zip_bytes,
)

MB = 1024 * 1024
NAMES = [
    (columns, spec, name)
    for columns in (ROSTER_COLUMNS, MUTATION_COLUMNS)
    for spec in columns
    for name in (spec.header, spec.key, *spec.aliases)
]
SEPARATORS = st.text(alphabet=" \t._-/():'#,*", max_size=2)


@st.composite
def spelling_variants(draw: st.DrawFn, name: str) -> str:
    """``name`` with random case, and separators inserted around and between characters."""
    pieces = [draw(SEPARATORS)]
    for char in name:
        pieces.append(char.upper() if draw(st.booleans()) else char.lower())
        pieces.append(draw(SEPARATORS))
    return "".join(pieces)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), entry=st.sampled_from(NAMES))
def test_every_header_and_alias_matches_whatever_the_case_spacing_and_punctuation(data, entry):
    columns, spec, name = entry
    variant = data.draw(spelling_variants(name))
    index = HeaderIndex.build(columns)
    assert header_key(variant) == header_key(name)
    assert index.match(variant) is index.match(name)
    assert index.match(variant) is not None
    if name == spec.header:
        assert index.match(variant) is spec


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_open_sheet_maps_spelling_variants_of_every_roster_header(data):
    headers = [data.draw(spelling_variants(spec.header)) for spec in ROSTER_COLUMNS]
    assume(all(header_key(h) for h in headers))
    order = data.draw(st.permutations(range(len(headers))))
    shuffled = [headers[i] for i in order]
    body = simple_xlsx(shuffled, [[f"v{i}" for i in order]])
    with open_sheet(body, ROSTER_COLUMNS, max_bytes=MB, max_rows=10) as opened:
        assert opened.issues == []
        assert opened.columns == {ROSTER_COLUMNS[i].key: pos for pos, i in enumerate(order)}
        [(_, values, _)] = list(opened.rows())
    assert values == {spec.key: f"v{i}" for i, spec in enumerate(ROSTER_COLUMNS)}


# --- Robustness -------------------------------------------------------------------------------


def _read_all(data: bytes) -> None:
    """open_sheet then every row; the only exception allowed is SheetRejected."""
    try:
        with open_sheet(data, ROSTER_COLUMNS, max_bytes=MB, max_rows=1_000) as opened:
            for _row in opened.rows():
                pass
    except SheetRejected as rejected:
        assert rejected.issues
        assert all(issue.row is None for issue in rejected.issues)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_only_ever_raise_sheet_rejected(data: bytes):
    _read_all(data)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048))
def test_bytes_behind_a_zip_signature_only_ever_raise_sheet_rejected(data: bytes):
    _read_all(b"PK\x03\x04" + data)


VALID = simple_xlsx(
    [spec.header for spec in ROSTER_COLUMNS],
    [["3273015507900001", "3273012001150003", "Siti", None, "15-07-1990"]] * 5,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID) - 1), st.integers(1, 255)), min_size=1, max_size=8
    ),
    st.integers(0, len(VALID)),
)
def test_damaged_workbooks_only_ever_raise_sheet_rejected(flips, keep):
    data = bytearray(VALID)
    for position, mask in flips:
        data[position] ^= mask
    _read_all(bytes(data[: max(keep, 1)]))


XML_PARTS = st.sampled_from(
    [
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
        "xl/styles.xml",
        "[Content_Types].xml",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        XML_PARTS,
        st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)),
        min_size=1,
    )
)
def test_zips_of_garbage_parts_only_ever_raise_sheet_rejected(parts):
    parts.setdefault("xl/workbook.xml", b"<workbook/>")
    _read_all(zip_bytes(parts))


# --- The extent scan is sound: never below what calamine will allocate ------------------------


@st.composite
def sheets(draw: st.DrawFn) -> str:
    cells: list[tuple[int, int, str]] = []
    for _ in range(draw(st.integers(1, 60))):
        row = draw(st.integers(1, 3_000))
        col = draw(st.integers(0, 60))
        ref = f"{column_letter(col)}{row}"
        kind = draw(st.sampled_from(["number", "text", "empty", "open_empty", "formula"]))
        xml = {
            "number": number_cell(ref, draw(st.integers(-5, 5))),
            "text": text_cell(ref, "x"),
            "empty": f'<c r="{ref}" s="1"/>',
            "open_empty": f'<c r="{ref}" s="1"></c>',
            "formula": f'<c r="{ref}"><f>1+1</f><v>2</v></c>',
        }[kind]
        cells.append((row, col, xml))
    if draw(st.booleans()):
        cells.sort()
    rows: dict[int, list[str]] = {}
    for row, _col, xml in cells:
        rows.setdefault(row, []).append(xml)
    body = "".join(f'<row r="{row}">{"".join(xmls)}</row>' for row, xmls in rows.items())
    if draw(st.booleans()):  # a comment with a fake value, somewhere
        cut = draw(st.integers(0, len(body)))
        cut = body.rfind(">", 0, cut) + 1
        body = body[:cut] + "<!-- <v>9</v> -->" + body[cut:]
    return sheet_xml(body)


def _streams_in_order(data: bytes, bounds: extent.Extent) -> bool:
    """Whether the fork streams the sheet without refusing its order."""
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        for _row in workbook.stream_sheet_by_index(
            0, min_row=0, max_row=max(bounds.max_row, 0), max_col=max(bounds.max_col, 0)
        ):
            pass
    except CalamineError as exc:
        assert "not stored in row order" in str(exc)
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(sheets())
def test_extent_scans_bound_what_calamine_allocates(sheet: str):
    """Both bindings load a range within the scans' bounds, and no scan says the values are
    in row order when the fork would refuse the sheet (it yields wrong rows before it
    fails). The other way round is safe and allowed: a sheet taken for out of order that the
    fork could have streamed is read whole by python-calamine (found: a sheet whose row 2 is
    stored before row 1 and holds nothing the fork yields)."""
    data = xlsx(sheet)
    archive = zipfile.ZipFile(io.BytesIO(data))
    ends = []
    for binding in (CalamineWorkbook, UpstreamWorkbook):
        loaded = binding.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        ends.append(loaded.end if loaded.height else None)
    assert ends[0] == ends[1]
    end = ends[0]
    for scan in (extent._fast_extent, extent._expat_extent):
        with archive.open("xl/worksheets/sheet1.xml") as stream:
            bounds = scan(stream)
        if bounds is None:
            assert scan is extent._fast_extent  # the fast scan may only give up
            continue
        if bounds.in_row_order:
            assert _streams_in_order(data, bounds), scan.__name__
        if end is None:
            continue
        assert bounds[0] >= end[0] and bounds[1] >= end[1], (scan.__name__, bounds, end)


def test_fast_scan_handles_canonical_sheets_itself():
    """The fast path is not always giving up (which would make the property above vacuous)."""
    body = [row_xml(1, ["NIK", "Nama"])] + [row_xml(n, [f"{n}", "x"]) for n in range(2, 500)]
    archive = zipfile.ZipFile(io.BytesIO(xlsx(sheet_xml(body))))
    with archive.open("xl/worksheets/sheet1.xml") as stream:
        assert extent._fast_extent(stream) == (498, 25, True)
    with archive.open("xl/worksheets/sheet1.xml") as stream:
        assert extent._expat_extent(stream) == (498, 1, True)


@pytest.mark.parametrize("seed", range(5))
def test_fast_scan_survives_block_boundaries(seed: int):
    """Over many 1 MiB chunks the bound is still the last row holding a value."""
    rng = random.Random(seed)
    rows = [row_xml(1, ["NIK", "Nama"])]
    rows += [
        row_xml(n, [f"{rng.random()}" * 4, "y" * rng.randint(0, 40)]) for n in range(2, 40_000)
    ]
    rows += [f'<row r="{n}"><c r="A{n}" s="2"/></row>' for n in range(40_000, 60_000)]
    archive = zipfile.ZipFile(io.BytesIO(xlsx(sheet_xml(rows))))
    with archive.open("xl/worksheets/sheet1.xml") as stream:
        assert extent._fast_extent(stream) == (39_998, 25, True)
