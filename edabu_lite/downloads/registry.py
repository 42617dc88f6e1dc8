"""What the export jobs know of the features: each registers the function that writes its
kind of file, and `operations.run_export` looks it up. So ``downloads`` imports no feature."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from edabu_lite.downloads.models import ExportJob, ExportKind

#: ``write(session, job, path, progress) -> rows``; ``progress(rows_done)`` after each chunk.
Writer = Callable[[Session, ExportJob, str, Callable[[int], None]], int]
_WRITERS: dict[ExportKind, Writer] = {}


def register(kind: ExportKind, write: Writer) -> None:
    _WRITERS[kind] = write


def writer(kind: ExportKind) -> Writer:
    try:
        return _WRITERS[kind]
    except KeyError:  # the feature was not imported: a wiring bug, not bad input
        raise LookupError(f"no writer registered for {kind.value} exports") from None
