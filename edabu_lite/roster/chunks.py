"""The CPU-bound half of a roster preview, one chunk at a time: `check_chunk`, and
`read_and_check`, which also reads the sheet, in the helper process.

They run in the importing process or in the helper process of `edabu_lite.imports.pipeline`:
nothing here touches the database or Flask, and arguments and results are plain values that
pickle fast. The database half stays in `edabu_lite.roster.importing`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, NamedTuple

from edabu_lite.imports.cells import row_json
from edabu_lite.imports.pipeline import answers_waiting, chunked
from edabu_lite.issues import Issue
from edabu_lite.roster.family import newborn_key
from edabu_lite.roster.schemas import RowContext, load_row, partial_member_values
from edabu_lite.roster.snapshot import snapshot_json
from edabu_lite.roster.vocabulary import Relationship
from edabu_lite.sheets.reader import SheetPart

#: `Member` fields after ``row``: nik, kk, relationship, worker_nik, birth_date, in_school,
#: marital_status. A tuple rather than the dataclass: it pickles several times faster.
MemberFields = tuple[str, str | None, str, str | None, date | None, bool | None, str | None]


class Checked(NamedTuple):
    """One sheet row after the row checks, ready to stage."""

    row: int
    nik: str | None  # the row's NIK when readable, also on a row with errors
    family_key: str | None
    raw_json: str  # the cells as uploaded, as stored JSON ("[]" when not kept: `check_chunk`)
    data_json: str | None  # the parsed values as `snapshot_json`; None when the row has errors
    issues: list[Issue]
    member: MemberFields | None


#: The helper sends a chunk unchecked when the importing process has fewer answers than this
#: waiting (`read_and_check`).
SHARE_BELOW = 2

SheetRow = tuple[int, dict[str, object], list[object]]  # what OpenedSheet.rows() yields


def check_chunk(rows: list[SheetRow], ctx: RowContext, cells: bool = True) -> list[Checked]:
    """Validate each ``(excel_row, values, raw_cells)`` of the sheet reader; ``cells=False``:
    without the cells as uploaded (`Checked.raw_json` is an empty list), for an import that
    keeps no cells (`staging.stage_roster`)."""
    return [check_row(values, row, raw, ctx, cells) for row, values, raw in rows]


def read_and_check(
    part: SheetPart, ctx: RowContext, cells: bool, size: int
) -> Iterator[tuple[str, Any]]:
    """Read an opened sheet's rows from its file (in the helper process) and check them
    (`check_chunk`) in chunks of ``size``, in order: ``("checked", [Checked…])``, or
    ``("rows", [SheetRow…])`` unchecked, for the importing process to check, whenever it has
    fewer than `SHARE_BELOW` answers waiting (it is about to idle: the two processes share
    the work by who is ahead); ``("untitled", [index…])`` before the chunk where an untitled
    column is first found holding data."""
    found: list[int] = []
    reported = 0
    for rows in chunked(part.rows(found.append), size):
        if len(found) > reported:
            yield "untitled", found[reported:]
            reported = len(found)
        waiting = answers_waiting()
        if waiting is not None and waiting < SHARE_BELOW:
            yield "rows", rows
        else:
            yield "checked", check_chunk(rows, ctx, cells)


def check_row(
    values: dict[str, object], row: int, raw: list[object], ctx: RowContext, cells: bool = True
) -> Checked:
    data, issues = load_row(values, row, ctx)
    known = data if data is not None else partial_member_values(values, ctx.today)
    member = _member_fields(known)
    return Checked(
        row,
        known.get("nik"),
        family_key(known),
        row_json(raw) if cells else "[]",
        snapshot_json(data) if data is not None else None,
        list(issues),
        member,
    )


def family_key(data: Mapping[str, Any]) -> str | None:
    """The worker's NIK: what 'valid rows only' keeps or holds back as one family. Readable
    even on a row whose own NIK is broken, so that row still holds its family back."""
    if data.get("relationship") == Relationship.WORKER.value:
        return data.get("nik")
    return data.get("worker_nik") or data.get("nik")


def _member_fields(data: Mapping[str, Any]) -> MemberFields | None:
    """What the family checks need; also for rows with errors, as long as the NIK is
    readable, so a dependant is not told their worker is missing when the worker's row
    merely has another error."""
    nik = data.get("nik")
    if not nik:
        # A newborn waiting for a NIK (a valid row: nik.newborn_pending) takes part under
        # the key it is matched by; a row with errors and no NIK does not.
        if data.get("relationship") != Relationship.CHILD.value or data.get("name") is None:
            return None
        nik = newborn_key(data.get("worker_nik"), data["name"], data.get("birth_date"))
    return (
        nik,
        data.get("kk"),
        data.get("relationship") or "",
        data.get("worker_nik"),
        data.get("birth_date"),
        data.get("in_school"),
        data.get("marital_status"),
    )
