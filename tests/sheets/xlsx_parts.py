"""Hand-built .xlsx files for the reader tests: exact XML, odd layouts, bombs.

openpyxl cannot write most of what the reader must survive (a declared dimension down to row
1,048,576, cells far apart, entity declarations, zip members whose sizes are forged), so these
helpers write the zip members themselves.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def number_cell(ref: str, value: float | int) -> str:
    return f'<c r="{ref}"><v>{value!r}</v></c>'


def empty_cell(ref: str, style: int = 1) -> str:
    return f'<c r="{ref}" s="{style}"/>'


def row_xml(number: int, values: Sequence[object], first_column: int = 0) -> str:
    """A row of text/number cells starting at ``first_column`` (None leaves a gap)."""
    cells = []
    for offset, value in enumerate(values):
        if value is None:
            continue
        ref = f"{column_letters(first_column + offset)}{number}"
        cells.append(text_cell(ref, value) if isinstance(value, str) else number_cell(ref, value))
    return f'<row r="{number}">{"".join(cells)}</row>'


def sheet_xml(
    rows: Iterable[str] | str, dimension: str = "A1", *, prolog: str = "", extra: str = ""
) -> str:
    body = rows if isinstance(rows, str) else "".join(rows)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'{prolog}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData>{extra}</worksheet>'
    )


def workbook_members(sheets: Sequence[tuple[str, str, str]]) -> dict[str, str | bytes]:
    """Members of a workbook with ``(name, sheet_xml, state)`` sheets, state '' for visible."""
    entries = []
    rels = []
    members: dict[str, str | bytes] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
    }
    for number, (name, xml, state) in enumerate(sheets, start=1):
        state_attr = f' state="{state}"' if state else ""
        entries.append(
            f'<sheet name="{escape(name)}" sheetId="{number}"{state_attr} r:id="rId{number}"/>'
        )
        rels.append(
            f'<Relationship Id="rId{number}" Type="{REL_NS}/worksheet" '
            f'Target="worksheets/sheet{number}.xml"/>'
        )
        members[f"xl/worksheets/sheet{number}.xml"] = xml
    members["xl/workbook.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{"".join(entries)}</sheets>'
        "</workbook>"
    )
    members["xl/_rels/workbook.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{''.join(rels)}</Relationships>"
    )
    return members


def zip_bytes(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx(sheets: Sequence[tuple[str, str, str]] | str) -> bytes:
    """An .xlsx from one sheet's XML, or from ``(name, sheet_xml, state)`` triples."""
    if isinstance(sheets, str):
        sheets = [("Data", sheets, "")]
    return zip_bytes(workbook_members(sheets))


def simple_xlsx(header: Sequence[object], rows: Sequence[Sequence[object]] = ()) -> bytes:
    body = [row_xml(1, header)] + [row_xml(n, row) for n, row in enumerate(rows, start=2)]
    return xlsx(sheet_xml(body))


# --- Zip bombs -------------------------------------------------------------------------------


def _zeros_deflated(size: int) -> tuple[bytes, int]:
    """Raw deflate data and CRC-32 of ``size`` zero bytes, built from one repeated block.

    After a full flush the compressor starts afresh, so every 1 MiB of zeros compresses to the
    same bytes: a 2 GB member costs one compression and a few MB of memory.
    """
    block = 1 << 20
    assert size % block == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    unit = compressor.compress(bytes(block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    crc = 0
    zero_block = bytes(block)
    block_crc = zlib.crc32(zero_block)
    for _ in range(size // block):
        crc = zlib.crc32(zero_block, crc) if crc else block_crc
    return unit * (size // block) + tail, crc


def raw_zip(entries: Sequence[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from ``(name, stored_data, crc, uncompressed_size, method)`` (no zip64)."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size, method in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(data),
                size,
                len(encoded),
                0,
            )
        )
        out.write(encoded)
        out.write(data)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0
        )
    )
    return out.getvalue()


def zip_bomb(declared: int, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A small workbook whose ``member`` really inflates to ``declared`` zero bytes."""
    entries = []
    for name, text in workbook_members([("Data", sheet_xml(""), "")]).items():
        data = text.encode() if isinstance(text, str) else text
        if name == member:
            continue
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        entries.append((name, packed, zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED))
    packed, crc = _zeros_deflated(declared)
    entries.append((member, packed, crc, declared, zipfile.ZIP_DEFLATED))
    return raw_zip(entries)


def forge_sizes(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the declared uncompressed size of ``member`` (local and central headers)."""
    out = bytearray(data)
    encoded = member.encode()
    for signature, size_at, name_len_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        position = out.find(signature)
        while position >= 0:
            name_len = struct.unpack_from("<H", out, position + name_len_at)[0]
            if out[position + name_at : position + name_at + name_len] == encoded:
                struct.pack_into("<I", out, position + size_at, size)
            position = out.find(signature, position + 4)
    return bytes(out)


# --- OLE2 (old .xls, encrypted .xlsx) ----------------------------------------------------------


def fake_ole2(encrypted: bool) -> bytes:
    """The OLE2 signature and a directory-like area naming its streams (UTF-16LE names)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    names = (
        ["Root Entry", "EncryptionInfo", "EncryptedPackage"]
        if encrypted
        else ["Root Entry", "Workbook", "\x05SummaryInformation"]
    )
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + bytes(64) for name in names)
    return header + directory.ljust(2048, b"\x00")


# --- Hostile members: huge text, sizes that lie ----------------------------------------------


def repeated_deflate(prefix: bytes, unit: bytes, count: int, suffix: bytes) -> bytes:
    """Raw deflate data of ``prefix + unit * count + suffix``, compressing ``unit`` once.

    Each piece ends with a full flush (byte-aligned, no back-references across it), so the
    pieces of separate compressors concatenate into one valid stream: a member of a gigabyte
    costs a few milliseconds and a megabyte of memory to build.
    """

    def flushed(data: bytes) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)

    final = zlib.compressobj(9, zlib.DEFLATED, -15)
    return (
        flushed(prefix)
        + flushed(unit) * count
        + final.compress(suffix)
        + final.flush(zlib.Z_FINISH)
    )


def repeated_crc(prefix: bytes, unit: bytes, count: int, suffix: bytes, size: int) -> int:
    """CRC-32 of the first ``size`` bytes of ``prefix + unit * count + suffix``."""
    crc, left = 0, size
    for piece in _pieces(prefix, unit, count, suffix):
        crc = zlib.crc32(piece[:left], crc)
        left -= min(left, len(piece))
        if not left:
            break
    return crc


def _pieces(prefix: bytes, unit: bytes, count: int, suffix: bytes) -> Iterable[bytes]:
    yield prefix
    for _ in range(count):
        yield unit
    yield suffix


def hostile_workbook(
    members: dict[str, str | bytes],
    member: str,
    parts: tuple[bytes, bytes, int, bytes],
    *,
    declared: int | None = None,
) -> bytes:
    """``members`` with ``member`` holding ``prefix + unit * count + suffix`` (``parts``),
    declaring ``declared`` bytes (with the CRC of those bytes) instead of its true size."""
    prefix, unit, count, suffix = parts
    size = len(prefix) + len(unit) * count + len(suffix)
    declared = size if declared is None else declared
    entries = []
    for name, text in members.items():
        if name == member:
            continue
        data = text.encode() if isinstance(text, str) else text
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        entries.append((name, packed, zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED))
    entries.append(
        (
            member,
            repeated_deflate(*parts),
            repeated_crc(*parts, declared),
            declared,
            zipfile.ZIP_DEFLATED,
        )
    )
    return raw_zip(entries)


SHARED_STRINGS_REL = (
    f'<Relationship Id="rId90" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
)


def shared_string_members(sheet: str) -> dict[str, str | bytes]:
    """A one-sheet workbook whose sheet may refer to ``xl/sharedStrings.xml`` (added by the
    caller)."""
    members = workbook_members([("Data", sheet, "")])
    rels = str(members["xl/_rels/workbook.xml.rels"])
    members["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", SHARED_STRINGS_REL + "</Relationships>"
    )
    return members


def shared_cell(ref: str, index: int) -> str:
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


# --- Rows stored out of order --------------------------------------------------------------


def rearranged(source: object, reorder) -> bytes:  # type: ignore[no-untyped-def]
    """The workbook ``source`` (a path or a file) with its first sheet's <row> elements
    rearranged by ``reorder`` (a list of row XML in, a list out): valid SpreadsheetML whose
    rows keep their numbers but are no longer stored in order."""
    part = "xl/worksheets/sheet1.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as copy:  # type: ignore[arg-type]
        for info in original.infolist():
            data = original.read(info)
            if info.filename == part:
                text = data.decode()
                start, end = text.index("<row "), text.index("</sheetData>")
                rows = re.findall(r"<row .*?</row>", text[start:end])
                assert "".join(rows) == text[start:end], "every row element is moved"
                data = (text[:start] + "".join(reorder(rows)) + text[end:]).encode()
            copy.writestr(info, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def rows_1_3_4_2(rows: list[str]) -> list[str]:
    """The header first, then each group of three data rows as its 2nd, 3rd, 1st: a reader
    streaming in file order would pass a row as empty before finding its values."""
    data = rows[1:]
    moved = [row for i in range(0, len(data), 3) for row in (data[i + 1 : i + 3] + data[i : i + 1])]
    return [rows[0], *moved]


def cells_reversed(rows: list[str]) -> list[str]:
    """Each row's cells in reverse column order (rows in order)."""
    out = []
    for row in rows:
        head, _, rest = row.partition(">")
        cells = re.findall(r"<c .*?(?:/>|</c>)", rest[: -len("</row>")])
        out.append(head + ">" + "".join(reversed(cells)) + "</row>")
    return out
