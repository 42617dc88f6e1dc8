"""The zip container of an .xlsx upload, checked with the standard library before any parser
reads a byte of it.

calamine (like most zip readers) inflates a member's compressed data to its end, not to the
size the zip directory declares, so a member may not be trusted to hold what it declares: a
1 MB upload whose shared strings declare 4 KB can inflate to a 1 GB string. `inspect_zip`
therefore inflates every member itself from its raw data (`member_chunks`), counting what
really comes out, and refuses the file as soon as a member gives more than it declared (or
breaks its checksum), before calamine opens it. After that, the declared sizes are the true
ones, and they are bounded:

* the sum over all members: ``min(UNCOMPRESSED_RATIO × upload, UNCOMPRESSED_CAP)``;
* the shared-strings table: `SHARED_STRINGS_CAP` (a 300,000-row roster written by Excel holds
  about 30-60 MB), and at most one string per cell the sheet may span;
* one text node (a cell's value, a formula, an attribute) and one shared string: at most
  `MAX_TEXT_RUN` bytes without markup is ``file.cell_too_long`` (a window scan: any run of
  2 × `MAX_TEXT_RUN` bytes is caught, none under `MAX_TEXT_RUN` is; Excel's 32,767 characters
  take at most ~230 KB even with every character escaped, so no file Excel writes comes
  near); the reader then checks the exact character limits on what calamine gives;
* every XML part's prolog: a ``<!DOCTYPE`` or ``<!ENTITY`` (entity-expansion bombs).

Each refusal costs at most one chunk beyond the limit: a lying member is stopped after about
1 MB of output, whatever it would inflate to.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO, Final

from edabu_lite.sheets.rejected import (
    MAX_CELL_CHARS,
    MIB,
    SheetRejected,
    too_large,
    too_long,
    unreadable,
)

__all__ = [
    "CHUNK",
    "MAX_TEXT_RUN",
    "SHARED_STRINGS_CAP",
    "ZIP_ERRORS",
    "inspect_zip",
    "member_chunks",
    "not_a_zip",
]

#: Uncompressed size allowed per byte of upload, and its absolute ceiling.
UNCOMPRESSED_RATIO: Final = 40
UNCOMPRESSED_CAP: Final = 512 * MIB
#: A member larger than this and compressed more than `MEMBER_RATIO`:1 is a zip bomb.
MEMBER_RATIO: Final = 200
MEMBER_RATIO_MIN_SIZE: Final = 16 * MIB
MAX_MEMBERS: Final = 2_000
SHARED_STRINGS_CAP: Final = 128 * MIB
#: Bytes of text without markup that no cell Excel can write reaches (see the module doc).
MAX_TEXT_RUN: Final = 256 * 1024
#: The same for one shared string, formatting runs included: none under this is refused.
MAX_SHARED_STRING: Final = 2 * MAX_TEXT_RUN
CHUNK: Final = 1 * MIB

# What reading a damaged member can raise.
ZIP_ERRORS: Final = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
)

_OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO: Final = "EncryptionInfo".encode("utf-16-le")
_WORKBOOK_PART: Final = "xl/workbook.xml"
_LOCAL_HEADER: Final = struct.Struct("<4s2xHH4x4xIIHH")  # no times, no CRC
_LOCAL_MAGIC: Final = b"PK\x03\x04"
_ZIP64_SIZE: Final = 0xFFFFFFFF
_DATA_DESCRIPTOR: Final = 0x8
_XML_SUFFIXES: Final = (".xml", ".rels", ".vml")
_PROLOG_LIMIT: Final = 64 * 1024


def not_a_zip(fh: BinaryIO, head: bytes) -> SheetRejected:
    """Why a file that is not a zip cannot be a workbook (`reader.REASONS`)."""
    if head == _OLE2_MAGIC:
        fh.seek(0)
        tail = b""
        while chunk := fh.read(CHUNK):
            if _ENCRYPTION_INFO in tail + chunk:
                return unreadable("encrypted")
            tail = chunk[-len(_ENCRYPTION_INFO) :]
        return unreadable("xls")
    fh.seek(0)
    sample = fh.read(4096)
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return unreadable("csv")  # "Unicode text" saved by Excel
    text = sample.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] == b"<":
        return unreadable("html")
    if b"\x00" not in sample:
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as exc:  # a multi-byte character cut at the end is still text
            looks_text = exc.start >= len(sample) - 3
        else:
            looks_text = True
        if looks_text:
            return unreadable("csv")
    return unreadable("not_xlsx")


def inspect_zip(
    fh: BinaryIO, archive: zipfile.ZipFile, max_bytes: int, max_cells: int
) -> dict[str, bytes]:
    """Check the directory, then every member's real content; return each XML part's root
    namespace prefix."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise unreadable("too_many_parts")
    total = sum(info.file_size for info in infos)
    cap = min(UNCOMPRESSED_RATIO * max_bytes, UNCOMPRESSED_CAP)
    if total > cap:
        raise too_large(total, cap, "uncompressed")
    names = set()
    for info in infos:
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise unreadable("encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise unreadable("unsupported_compression")
        if info.file_size > MEMBER_RATIO_MIN_SIZE and info.file_size > MEMBER_RATIO * max(
            info.compress_size, 1
        ):
            raise unreadable("compression_ratio")
        if _is_shared_strings(info) and info.file_size > SHARED_STRINGS_CAP:
            raise too_large(info.file_size, SHARED_STRINGS_CAP, "shared_strings")
    if _WORKBOOK_PART not in names:
        raise unreadable("no_workbook")
    prefixes: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir():
            continue
        chunks = member_chunks(fh, info)
        if not info.filename.lower().endswith(_XML_SUFFIXES):
            for _ in chunks:  # counted and checked, never parsed
                pass
            continue
        strings = _is_shared_strings(info)
        scan = _XmlScan(max_cells if strings else None, cells=strings or _read_by_calamine(info))
        for chunk in chunks:
            scan.feed(chunk)
        prefixes[info.filename] = scan.finish()
    return prefixes


def member_chunks(fh: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's content as a zip reader that ignores the declared size would inflate it,
    in chunks of at most `CHUNK`; `SheetRejected` as soon as it exceeds the declared size,
    and when it ends short of it or breaks its CRC."""
    fh.seek(info.header_offset)
    magic, flags, method, packed, size, name_length, extra_length = _LOCAL_HEADER.unpack(
        fh.read(_LOCAL_HEADER.size)
    )
    if magic != _LOCAL_MAGIC or method != info.compress_type:
        raise unreadable("corrupt_zip")
    local_sizes = (packed, size)
    trusted = not flags & _DATA_DESCRIPTOR and _ZIP64_SIZE not in local_sizes
    if trusted and local_sizes != (info.compress_size, info.file_size):
        raise unreadable("size_mismatch")  # the local header and the directory disagree
    fh.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    if method == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise unreadable("size_mismatch")
    inflater = zlib.decompressobj(-15) if method == zipfile.ZIP_DEFLATED else None
    left, produced, checksum = info.compress_size, 0, 0
    while left and (inflater is None or not inflater.eof):
        raw = fh.read(min(CHUNK, left))
        if not raw:
            raise unreadable("corrupt_zip")  # truncated
        left -= len(raw)
        for out in _inflated(inflater, raw):
            produced += len(out)
            if produced > info.file_size:
                raise unreadable("size_mismatch")
            checksum = zlib.crc32(out, checksum)
            yield out
    if (inflater is not None and not inflater.eof) or produced != info.file_size:
        raise unreadable("corrupt_zip")
    if checksum != info.CRC:
        raise unreadable("corrupt_zip")


def _inflated(inflater: zlib._Decompress | None, raw: bytes) -> Iterator[bytes]:
    if inflater is None:
        yield raw
        return
    data = raw
    while True:
        out = inflater.decompress(data, CHUNK)  # never more than CHUNK at once
        data = inflater.unconsumed_tail
        if out:
            yield out
        if inflater.eof or (not data and len(out) < CHUNK):
            return


def _is_shared_strings(info: zipfile.ZipInfo) -> bool:
    return info.filename.lower().endswith("sharedstrings.xml")


def _read_by_calamine(info: zipfile.ZipInfo) -> bool:
    """The parts calamine reads (beside the shared strings): sheets, styles, the workbook."""
    name = info.filename.lower()
    return name.startswith("xl/worksheets/") or name in {"xl/styles.xml", "xl/workbook.xml"}


_ROOT_START = re.compile(rb"<([A-Za-z_][\w.\-]*:)?[A-Za-z_]")


class _Gap:
    """Whether a stream, fed in chunks, ever goes ``limit`` bytes or more without ``mark``.

    Exact across chunk boundaries; inside a chunk it looks at windows of ``limit`` bytes, so
    a gap of 2 × ``limit`` is always caught and one under ``limit`` never is, with a handful
    of C-speed searches per chunk instead of one per mark.
    """

    def __init__(self, mark: bytes, limit: int) -> None:
        self.mark = mark
        self.limit = limit
        self.run = 0  # bytes since the last mark

    def exceeded(self, chunk: bytes) -> bool:
        mark, limit = self.mark, self.limit
        first = chunk.find(mark)
        if first < 0:
            self.run += len(chunk)
            return self.run >= limit
        if self.run + first >= limit:
            return True
        last = chunk.rfind(mark)
        for start in range(first + 1, last - limit, limit):
            if chunk.find(mark, start, start + limit + len(mark) - 1) < 0:
                return True
        self.run = len(chunk) - last - 1
        return False


class _XmlScan:
    """One pass over an XML part: its prolog (no DOCTYPE or ENTITY; the root's prefix); for
    the parts calamine reads (``cells``) the length of every run of text, and for the shared
    strings (``max_strings`` set) how many strings there are and how long each is. Other
    parts (themes, drawings, custom XML) are only counted: calamine never reads them."""

    def __init__(self, max_strings: int | None, *, cells: bool) -> None:
        self.head = b""
        self.prefix: bytes | None = None
        self.text = _Gap(b"<", MAX_TEXT_RUN) if cells else None
        self.max_strings = max_strings
        self.strings = 0
        self.string: _Gap | None = None
        self.tags: tuple[bytes, ...] = ()
        self.tail = b""  # the end of the last chunk: a tag cut in two is counted once

    def feed(self, chunk: bytes) -> None:
        if self.prefix is None:
            self._prolog(chunk)
        if self.text is not None and self.text.exceeded(chunk):
            raise _cell_too_long()
        if self.max_strings is not None:
            self._shared_strings(chunk)

    def finish(self) -> bytes:
        if self.prefix is None:
            if self.head.strip():
                raise unreadable("xml_doctype")  # no root element at all
            return b""
        return self.prefix

    def _prolog(self, chunk: bytes) -> None:
        self.head += chunk[:_PROLOG_LIMIT]
        text = _as_utf8(self.head)
        root = _ROOT_START.search(text)
        prolog = (text if root is None else text[: root.start()]).upper()
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise unreadable("xml_doctype")
        if root is not None:
            self.prefix = (root.group(1) or b"")[:-1]
            self.head = b""
        elif len(self.head) >= _PROLOG_LIMIT:
            raise unreadable("xml_doctype")  # no root element within 64 KB

    def _shared_strings(self, chunk: bytes) -> None:
        if self.string is None:
            start = b"<" + self.prefix + b":si" if self.prefix else b"<si"
            self.string = _Gap(start, MAX_SHARED_STRING)
            self.tags = (start + b">", start + b" ", start + b"/")
        if self.string.exceeded(chunk):
            raise _cell_too_long()
        # The tail is one byte shorter than a tag: no tag is counted twice.
        data = self.tail + chunk
        self.strings += sum(data.count(tag) for tag in self.tags)
        self.tail = data[1 - len(self.tags[0]) :]
        if self.strings > self.max_strings:  # type: ignore[operator]
            raise unreadable("too_many_strings")


def _cell_too_long() -> SheetRejected:
    return too_long("file.cell_too_long", MAX_CELL_CHARS)


def _as_utf8(data: bytes) -> bytes:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 1 and b"\x00" in data[:4]):
        little = data[:2] == b"\xff\xfe" or (data[:1] != b"\x00" and data[1:2] == b"\x00")
        text = data[: len(data) - len(data) % 2].decode(
            "utf-16-le" if little else "utf-16-be", errors="replace"
        )
        return text.lstrip("\ufeff").encode("utf-8", errors="replace")
    return data
