"""Reading and checking a roster's rows, in one process or two. The plain path reads the
sheet and checks each chunk here. From `PARALLEL_MIN_BYTES` on, with two CPUs, a helper
process (forked warm from a fork server, `start_helpers`) reads the file itself and checks
the chunks this process does not get to, starting while this process still runs the sheet's
extent scan (`_EarlyStart`); the results come back in sheet order, and if the helper dies
this process reads on from the last row it got. Either way the caller gets the same chunks
of `Checked` rows.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from sqlalchemy.orm import Session

from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob
from edabu_lite.imports.pipeline import (
    Helper,
    HelperGone,
    chunked,
    helper_process,
    ordered_map,
    start_fork_server,
)
from edabu_lite.imports.registry import Limits
from edabu_lite.roster import HELPER_PRELOAD, chunks
from edabu_lite.roster.chunks import Checked
from edabu_lite.roster.importing import sizes
from edabu_lite.roster.schemas import RowContext
from edabu_lite.sheets.columns import ROSTER_EXPORT_COLUMNS
from edabu_lite.sheets.reader import OpenedSheet, SheetPart

#: From this upload size on (about 20,000 rows), part of the row checks runs in a helper
#: process when there are two CPUs or more.
PARALLEL_MIN_BYTES = 2 * 1024 * 1024


def start_helpers() -> bool:
    """Have the helper processes of large imports ready before the first upload (see
    `pipeline.start_fork_server`)."""
    return start_fork_server(HELPER_PRELOAD)


@contextmanager
def checked_rows(
    session: Session,
    job: ImportJob,
    source: str | IO[bytes],
    limits: Limits,
    ctx: RowContext,
    cells: bool = True,
) -> Iterator[tuple[OpenedSheet, Iterator[list[Checked]]] | None]:
    """The job's upload opened, and its rows checked chunk by chunk in sheet order; None when
    the file was refused (the job is rejected then). ``cells``: see `chunks.check_chunk`."""
    check = (ctx, cells)
    # Started first, the helper's start-up overlaps the opening of the sheet.
    wanted = _upload_size(source) >= PARALLEL_MIN_BYTES
    with helper_process(wanted, HELPER_PRELOAD) as helper:
        early = _EarlyStart(helper, check) if helper is not None else None
        sheet = jobs.open_upload(
            session, job, source, ROSTER_EXPORT_COLUMNS,  # an export reads back
            max_bytes=limits.max_bytes, max_rows=limits.max_rows,
            early=early.start if early is not None else None,
        )  # fmt: skip
        if sheet is None:
            if early is not None and early.part is not None:
                helper.abandon()  # type: ignore[union-attr]
            yield None
            return
        with sheet:
            yield sheet, _checked_chunks(sheet, check, helper, early.part if early else None)


def _upload_size(source: str | IO[bytes]) -> int:
    """The upload's size in bytes (0 when unknown), known before the sheet is opened."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        if isinstance(source, str):
            return os.path.getsize(source)
        position = source.tell()
        size = source.seek(0, os.SEEK_END)
        source.seek(position)
        return size
    return 0


@dataclass(slots=True)
class _EarlyStart:
    """Starts the helper reading the sheet as soon as its likely `SheetPart` is known, while
    this process still runs the extent scan (`open_sheet`'s ``early``): ~0.5 s of a 100,000-row
    preview. The answers wait in the helper's bounded inbox until the sheet is open."""

    helper: Helper
    check: tuple[RowContext, bool]  # `chunks.check_chunk`'s arguments after the rows
    part: SheetPart | None = None

    def start(self, part: SheetPart) -> None:
        self.part = part
        self.helper.submit(chunks.read_and_check, part, (*self.check, sizes.CHUNK))


def _checked_chunks(
    sheet: OpenedSheet,
    check: tuple[RowContext, bool],
    helper: Helper | None,
    started: SheetPart | None = None,
) -> Iterator[list[Checked]]:
    """The sheet's rows checked, chunk by chunk in sheet order. With a helper process, it
    reads the file itself and checks each chunk unless this process is about to run out of
    work, then sends it unchecked to be checked here (`chunks.read_and_check`): both stay
    busy whatever the machine, nothing but rows and results crosses the pipe, and
    reading the sheet, the costliest step after the checks, happens there. ``started``: the
    part the helper was started on before the sheet was open (`_EarlyStart`); if the opened
    sheet's part reads otherwise, what it read is dropped and the rows are read here. If the
    helper dies, this process reads on from the last row it got."""
    part = sheet.part() if helper is not None else None
    if started is not None and (part is None or not started.reads_as(part)):
        helper.abandon()  # type: ignore[union-attr]
        helper = part = None
    if part is None:
        yield from ordered_map(
            chunks.check_chunk, chunked(sheet.rows(), sizes.CHUNK), check, helper
        )
        return
    if started is None:
        helper.submit(chunks.read_and_check, part, (*check, sizes.CHUNK))  # type: ignore[union-attr]
    last_row = 1
    try:
        for kind, value in helper.results():  # type: ignore[union-attr]
            if kind == "untitled":
                for index in value:
                    sheet.note_untitled(index)
                continue
            checked = chunks.check_chunk(value, *check) if kind == "rows" else value
            last_row = checked[-1].row
            yield checked
    except HelperGone:
        rest = chunked(sheet.rows(first_row=last_row + 1), sizes.CHUNK)
        yield from (chunks.check_chunk(rows, *check) for rows in rest)
