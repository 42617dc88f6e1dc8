"""The uploaded file as the reader takes it: a path or a stream, copied within the size limit
into a spooled file of its own."""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from typing import BinaryIO, Final

from edabu_lite.sheets.archive import CHUNK
from edabu_lite.sheets.rejected import (
    MIB,
    mb,
    reject,
    too_large,
    unreadable,
)

_SPOOL_IN_MEMORY: Final = 8 * MIB


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
