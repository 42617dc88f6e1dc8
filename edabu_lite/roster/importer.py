"""The roster import pipeline: read → validate → cross-check → stage, then commit.

One implementation behind the web upload (through a Huey job), the CLI and the tests.
Memory stays flat with the file: rows are validated and staged in chunks; only a compact
`Member` per row is kept for the family checks that need the whole file. Database checks run
per chunk in sets (one query per chunk, never one per row).

Preview: on a large file a helper process (forked warm from a server that the job consumer
starts when it starts, `start_helpers`) reads the sheet itself and checks most chunks
(`chunks.read_and_check`), starting while this process still runs the sheet's extent scan
(`_EarlyStart`); this process checks the others, compares each chunk with the roster through
a second connection (on a first import it only asks, 20,000 NIKs at a time, which are active
elsewhere) and hands the staged rows to a write-behind thread (`database.write_behind`), so
the database writes while Python checks.

Commit: one INSERT … SELECT creates the participants from the staged JSON inside the
database, while the audit events of the same rows are built from the same staged text (the
audited snapshot already), linked to the chain and written after it. Updates are few and go
row set by row set. What a large commit leaves to do (ANALYZE, SQLite's checkpoint) runs in
the background after it (`_upkeep_after_commit`).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY as postgresql_array
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from edabu_lite.accounts.models import Employer
from edabu_lite.audit.keys import keyring
from edabu_lite.audit.models import BULK_ACTION
from edabu_lite.audit.operations import (
    Actor,
    Change,
    EventRun,
    link_events,
    lock_chain_head,
    record,
    record_many,
)
from edabu_lite.database import (
    CHECKPOINT,
    among,
    bulk_cache,
    bulk_insert,
    connection_of,
    defer_checkpoint,
    dialect_name,
    plain_session,
    reserve_ids,
    upkeep_later,
    utcnow,
    write_behind,
)
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus, RowAction, StagedRow
from edabu_lite.imports.pipeline import (
    Helper,
    HelperGone,
    chunked,
    helper_process,
    ordered_map,
    paused_gc,
    start_fork_server,
)
from edabu_lite.imports.registry import Limits, register
from edabu_lite.issues import Issue
from edabu_lite.roster import chunks
from edabu_lite.roster.chunks import Checked
from edabu_lite.roster.family import Member, check_families
from edabu_lite.roster.models import Participant, Relationship, Segment, Status
from edabu_lite.roster.operations import INSERT_COLUMNS, ids_by_nik, lock_people
from edabu_lite.roster.schemas import RowContext
from edabu_lite.roster.snapshot import ROSTER_FIELDS, snapshot, staged_snapshot
from edabu_lite.sheets.columns import ROSTER_COLUMNS
from edabu_lite.sheets.reader import OpenedSheet, SheetPart, SheetRejected

CHUNK = 2000
PARTICIPANT = Participant.__table__
STAGED = StagedRow.__table__
#: From this upload size on (about 20,000 rows), part of the row checks runs in a helper
#: process when there are two CPUs or more.
PARALLEL_MIN_BYTES = 2 * 1024 * 1024
#: The module a helper process starts with (the row checks and the region table).
HELPER_PRELOAD = "edabu_lite.roster.helper_preload"
#: With a helper process, every this-many-th chunk is checked here, the others there (this
#: process also compares every chunk with the roster and stages it).
LOCAL_EVERY = 2
PROGRESS_SECONDS = 0.5
#: Chunks of audit events (~2 MB each) the commit may build ahead of their insert. While the
#: INSERT … SELECT of the participants runs, the GIL is free and building costs nothing;
#: afterwards every chunk built beside the events' executemany stalls it (each row's step
#: waits for the GIL), so the more are ready by then the better, within memory.
EVENT_CHUNKS_AHEAD = 32
#: NIKs per query of the family checks' look-ups: one array parameter however many, and each
#: round trip costs ~10 ms on PostgreSQL, so few large queries.
FAMILY_LOOKUP = 20_000
DATE_FIELDS = ("birth_date", "start_date")
COMPARED_FIELDS = (*ROSTER_FIELDS, "worker_nik")
Progress = Callable[[int, int, int | None], None]  # rows read, rows validated, rows expected


def start_helpers() -> bool:
    """Have the helper processes of large imports ready before the first upload (see
    `pipeline.start_fork_server`)."""
    return start_fork_server(HELPER_PRELOAD)


# --------------------------------------------------------------------------- staging


def stage_roster(
    session: Session,
    job: ImportJob,
    source: str | IO[bytes],
    limits: Limits,
    *,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportJob:
    """Validate the sheet into staged rows and leave the job VALIDATED (preview ready) or
    REJECTED (file-level issues). Raises only on unexpected errors (the caller fails the job)."""
    employer = session.get(Employer, job.employer_id)
    ctx = RowContext(today=today or date.today(), minimum_wage=employer.minimum_wage)
    counts: Counter[str] = Counter()
    with paused_gc():
        try:
            staged = _stage_rows(session, job, source, limits, ctx, progress, counts)
        except SheetRejected as rejected:  # found while reading the rows (a cell too long)
            jobs.reject(session, job, rejected.issues)
            return job
        if staged is None:
            return job
        members, elsewhere = staged
        found = _apply_family_checks(session, job, members, ctx.today, elsewhere)
        counts.update(i.code for i in found)
    job.issue_counts = dict(counts.most_common())
    _hold_back_families(session, job.id)
    _finish_validation(session, job)
    return job


def _stage_rows(
    session: Session,
    job: ImportJob,
    source: str | IO[bytes],
    limits: Limits,
    ctx: RowContext,
    progress: Progress | None,
    counts: Counter[str],
) -> tuple[list[Member], list[Issue]] | None:
    """Open the sheet and stage its rows: their `Member`s and the issues still to add to
    them (see `_stage_chunks`); None when the job was rejected instead. The sheet is closed
    (its memory freed) before the family checks."""
    # Started first, the helper's start-up overlaps the opening of the sheet.
    wanted = _upload_size(source) >= PARALLEL_MIN_BYTES
    with helper_process(wanted, HELPER_PRELOAD) as helper:
        early = _EarlyStart(helper, ctx) if helper is not None else None
        sheet = jobs.open_upload(
            session, job, source, ROSTER_COLUMNS,
            max_bytes=limits.max_bytes, max_rows=limits.max_rows,
            early=early.start if early is not None else None,
        )  # fmt: skip
        if sheet is None:
            if early is not None and early.part is not None:
                helper.abandon()  # type: ignore[union-attr]
            return None
        with sheet:
            job.headers, job.columns = sheet.headers, sheet.columns
            job.file_issues = [i.to_storage() for i in sheet.issues]
            job.rows_expected = sheet.total_rows
            session.commit()
            checked = _checked_chunks(sheet, ctx, helper, early.part if early else None)
            members, elsewhere = _stage_chunks(session, job, checked, progress, counts)
            # The reader can add header warnings while streaming (an untitled column with data).
            job.file_issues = [i.to_storage() for i in sheet.issues]
    if not members and not job.rows_read:
        jobs.reject(session, job, [*sheet.issues, Issue("file.empty")])
        return None
    return members, elsewhere


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
    ctx: RowContext
    part: SheetPart | None = None

    def start(self, part: SheetPart) -> None:
        self.part = part
        self.helper.submit(chunks.read_and_check, part, (self.ctx, CHUNK, LOCAL_EVERY))


def _checked_chunks(
    sheet: OpenedSheet, ctx: RowContext, helper: Helper | None, started: SheetPart | None = None
) -> Iterator[list[Checked]]:
    """The sheet's rows checked, chunk by chunk in sheet order. With a helper process, it
    reads the file itself and checks most chunks, sending the others unchecked to be
    checked here (`chunks.read_and_check`): nothing but results crosses the pipe, and
    reading the sheet, the costliest step after the checks, happens there. ``started``: the
    part the helper was started on before the sheet was open (`_EarlyStart`); if the opened
    sheet's part reads otherwise, what it read is dropped and the rows are read here. If the
    helper dies, this process reads on from the last row it got."""
    part = sheet.part() if helper is not None else None
    if started is not None and (part is None or not started.reads_as(part)):
        helper.abandon()  # type: ignore[union-attr]
        helper = part = None
    if part is None:
        yield from ordered_map(chunks.check_chunk, chunked(sheet.rows(), CHUNK), (ctx,), helper)
        return
    if started is None:
        helper.submit(chunks.read_and_check, part, (ctx, CHUNK, LOCAL_EVERY))  # type: ignore[union-attr]
    last_row = 1
    try:
        for kind, value in helper.results():  # type: ignore[union-attr]
            if kind == "untitled":
                for index in value:
                    sheet.note_untitled(index)
                continue
            checked = chunks.check_chunk(value, ctx) if kind == "rows" else value
            last_row = checked[-1].row
            yield checked
    except HelperGone:
        rest = chunked(sheet.rows(first_row=last_row + 1), CHUNK)
        yield from (chunks.check_chunk(rows, ctx) for rows in rest)


def _stage_chunks(
    session: Session,
    job: ImportJob,
    checked_chunks: Iterator[list[Checked]],
    progress: Progress | None,
    counts: Counter[str],
) -> tuple[list[Member], list[Issue]]:
    """Check the rows chunk by chunk (partly in the helper process), compare them with the
    roster (through the reading connection) and insert them as staged rows (in the
    write-behind thread, while the next chunk is checked). Progress is committed for the
    page polling from another worker about every `PROGRESS_SECONDS`, not per chunk: on
    SQLite each commit of a busy write-ahead log may checkpoint it, ~10 ms.

    An employer with nobody registered yet (a first import) has no roster to compare with:
    every valid row is an insert, and the one question left, whether a NIK is active at
    another employer, is asked `FAMILY_LOOKUP` NIKs at a time by the write-behind thread on
    the reading connection, idle then (`_ask_elsewhere`), instead of once per chunk by this
    thread (~12 ms a round trip on PostgreSQL). Returns the members and those issues, to be
    added with the family checks'."""
    members: list[Member] = []
    read = 0
    expected, employer_id, job_id = job.rows_expected, job.employer_id, job.id
    writes = plain_session(session)
    reported = time.monotonic()
    elsewhere: list[Issue] = []
    first_rows: dict[str, int] = {}  # family key -> its first sheet row (chunks come in order)
    with write_behind(session) as (writer, reader):
        # NIK -> sheet row, still to ask about; None: the roster is compared chunk by chunk.
        unasked: dict[str, int] | None = None if _has_roster(reader, employer_id) else {}
        if isinstance(reader, sa.Connection):
            reader.rollback()
        for checked in checked_chunks:
            read += len(checked)
            plans = _compare_with_database(reader, employer_id, checked, unasked)
            if unasked is not None:
                if len(unasked) >= FAMILY_LOOKUP:
                    writer.submit(_ask_elsewhere, reader, employer_id, unasked, elsewhere)
                    unasked = {}
            elif isinstance(reader, sa.Connection):
                # No snapshot held between chunks: on SQLite a long-lived reader keeps the
                # write-ahead log from being checkpointed, and it grows with the file.
                reader.rollback()
            staged = [
                _staged_values(
                    job_id, c, plans.get(c.row),
                    first_rows.setdefault(c.family_key, c.row) if c.family_key else c.row,
                )
                for c in checked
            ]  # fmt: skip
            writer.submit(bulk_insert, writes, STAGED, STAGED_COLUMNS, staged)
            members += [Member(c.row, *c.member) for c in checked if c.member is not None]
            counts.update(issue.code for c in checked for issue in c.issues)
            if time.monotonic() - reported >= PROGRESS_SECONDS:
                writer.submit(_report, writes, job, read)
                reported = time.monotonic()
            if progress:
                progress(read, read, expected)
        if unasked:
            writer.submit(_ask_elsewhere, reader, employer_id, unasked, elsewhere)
    _report(writes, job, read)
    return members, elsewhere


def _ask_elsewhere(
    reader: Session | sa.Connection, employer_id: int, niks: Mapping[str, int], found: list[Issue]
) -> None:
    """`_active_elsewhere` on the reading connection, from the write-behind thread; no
    snapshot kept afterwards (see `_stage_chunks`)."""
    found += _active_elsewhere(reader, employer_id, niks)
    if isinstance(reader, sa.Connection):
        reader.rollback()


def _has_roster(session: Session | sa.Connection, employer_id: int) -> bool:
    found = session.execute(
        sa.select(Participant.id).where(Participant.employer_id == employer_id).limit(1)
    ).first()
    return found is not None


def _report(session: Session, job: ImportJob, read: int) -> None:
    jobs.report_progress(session, job, read=read, validated=read)


STAGED_COLUMNS = (
    "job_id",
    "row",
    "group_row",
    "nik",
    "family_key",
    "raw",
    "data",
    "issues",
    "has_error",
    "has_warning",
    "action",
    "participant_id",
    "base_version",
    "changes",
)


@dataclass(slots=True)
class _Plan:
    """What the commit will do with a valid row, from the comparison with the roster."""

    action: RowAction = RowAction.INSERT
    participant_id: int | None = None
    base_version: int | None = None
    changes: dict[str, list[Any]] | None = None


def _staged_values(
    job_id: int, checked: Checked, plan: _Plan | None, group_row: int
) -> tuple[Any, ...]:
    """One staged row in database form (see `bulk_insert`); ``plan`` None means SKIP."""
    issues = checked.issues
    errors = any(i.is_error for i in issues) if issues else False
    plan = plan or _Plan(RowAction.SKIP)
    return (
        job_id,
        checked.row,
        group_row,
        checked.nik,
        checked.family_key,
        checked.raw_json,
        checked.data_json or "null",
        json.dumps([i.to_storage() for i in issues]) if issues else "[]",
        errors,
        any(not i.is_error for i in issues) if issues else False,
        (RowAction.SKIP if errors else plan.action).value,
        plan.participant_id,
        plan.base_version,
        "null" if plan.changes is None else json.dumps(plan.changes),
    )


def _compare_with_database(
    session: Session | sa.Connection,
    employer_id: int,
    checked: list[Checked],
    unasked: dict[str, int] | None = None,
) -> dict[int, _Plan]:
    """Plan insert / update / unchanged for this chunk's valid rows (by sheet row) and flag
    NIKs active at another employer, with one set query. Of two valid rows with the same
    NIK in one chunk only the later one gets a plan (the other is a duplicate_nik anyway).
    With ``unasked`` (nobody registered for the employer), no query: every row is an
    insert, and its NIK goes to ``unasked`` for `_active_elsewhere`."""
    by_nik: dict[str, Any] = {}
    for c in checked:  # the first row with a NIK is planned; later copies are duplicates
        if c.nik and c.data_json is not None:
            by_nik.setdefault(c.nik, c)
    if not by_nik:
        return {}
    if unasked is not None:
        for nik, item in by_nik.items():
            unasked.setdefault(nik, item.row)
        return {item.row: _Plan() for item in by_nik.values()}
    existing, elsewhere = _known_niks(session, employer_id, list(by_nik))
    plans: dict[int, _Plan] = {}
    for nik, item in by_nik.items():
        current = existing.get(nik)
        if current is None:
            plans[item.row] = _Plan()
            if nik in elsewhere:
                item.issues.append(Issue("row.nik_other_employer", "nik", item.row))
            continue
        pid, version, stored = current
        changes = _changes(stored, orjson.loads(item.data_json))
        action = RowAction.UPDATE if changes else RowAction.UNCHANGED
        plans[item.row] = _Plan(action, pid, version, changes or None)
    return plans


def _known_niks(
    session: Session | sa.Connection, employer_id: int, niks: Sequence[str]
) -> tuple[dict[str, tuple[int, int, Sequence[Any]]], set[str]]:
    """Of these NIKs: this employer's participants, as ``(id, version, values of
    COMPARED_FIELDS)`` by NIK, and the NIKs active at another employer. One query for both:
    on PostgreSQL each round trip with 2,000 NIKs costs ~10 ms, 50 times per 100,000 rows."""
    worker = aliased(Participant)
    columns = [getattr(Participant, f) for f in ROSTER_FIELDS]
    rows = session.execute(
        sa.select(
            Participant.employer_id, Participant.id, Participant.version, *columns, worker.nik
        )  # the last ones in COMPARED_FIELDS order
        .outerjoin(worker, Participant.worker_id == worker.id)
        .where(
            among(session, Participant.nik, niks),
            sa.or_(Participant.employer_id == employer_id, Participant.status == Status.ACTIVE),
        )
    )
    existing: dict[str, tuple[int, int, Sequence[Any]]] = {}
    elsewhere: set[str] = set()
    for row in rows:
        nik = row[_NIK_AT]
        if row[0] == employer_id:
            existing[nik] = (row[1], row[2], row[3:])
        else:
            elsewhere.add(nik)
    return existing, elsewhere


_NIK_AT = 3 + ROSTER_FIELDS.index("nik")


def _changes(stored: Sequence[Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Field -> [stored, new] where they differ; ``new`` is the staged JSON decoded (dates
    as ISO text), so stored dates are compared as ISO text too."""
    changes = {}
    for field, old in zip(COMPARED_FIELDS, stored, strict=True):
        if old.__class__ is date:
            old = old.isoformat()
        value = new.get(field)
        if old != value:  # a stored Relationship equals its text (StrEnum)
            changes[field] = [old.value if isinstance(old, Relationship) else old, value]
    return changes


# --------------------------------------------------------------------------- family checks


def _active_elsewhere(
    session: Session | sa.Connection, employer_id: int, niks: Mapping[str, int]
) -> list[Issue]:
    """``row.nik_other_employer`` for each of these NIKs (sheet row by NIK) active at
    another employer: `_known_niks`' answer, `FAMILY_LOOKUP` NIKs a query."""
    issues = []
    for chunk in chunked(sorted(niks), FAMILY_LOOKUP):
        _own, elsewhere = _known_niks(session, employer_id, chunk)
        issues += [Issue("row.nik_other_employer", "nik", niks[nik]) for nik in sorted(elsewhere)]
    return issues


def _apply_family_checks(
    session: Session,
    job: ImportJob,
    members: list[Member],
    today: date,
    more: Sequence[Issue] = (),
) -> list[Issue]:
    """Add the family checks' issues, and ``more`` row issues found after staging, to the
    staged rows; returns what was added."""
    db_workers, db_dependants = _family_context(session, job.employer_id, members)
    found = check_families(members, db_workers=db_workers, db_dependants=db_dependants, today=today)
    found = [*more, *found]
    by_row: dict[int, list[Issue]] = defaultdict(list)
    for issue in found:
        if issue.row:
            by_row[issue.row].append(issue)
    rows = list(by_row)
    added: list[Issue] = []
    for start in range(0, len(rows), CHUNK):
        added += _add_issues(session, job.id, {r: by_row[r] for r in rows[start : start + CHUNK]})
    session.commit()
    return added


def _family_context(
    session: Session, employer_id: int, members: list[Member]
) -> tuple[dict[str, Member], dict[str, list[Member]]]:
    """Active workers the file's dependants point to but the file lacks, and the active
    dependants already registered under every worker involved (minus those in the file)."""
    in_file = {m.nik for m in members}
    file_workers = {m.nik for m in members if m.relationship == "Peserta"}
    wanted = {m.worker_nik for m in members if m.worker_nik} - file_workers
    db_workers: dict[str, Member] = {}
    for chunk in chunked(sorted(wanted), FAMILY_LOOKUP):
        rows = session.execute(
            sa.select(*_MEMBER_COLUMNS, sa.null()).where(
                Participant.employer_id == employer_id,
                among(session, Participant.nik, chunk),
                Participant.status == Status.ACTIVE,
            )
        )
        for row in rows:
            db_workers[row[0]] = _db_member(row)
    db_dependants: dict[str, list[Member]] = defaultdict(list)
    worker = aliased(Participant)
    for chunk in chunked(sorted(file_workers | db_workers.keys()), FAMILY_LOOKUP):
        rows = session.execute(
            sa.select(*_MEMBER_COLUMNS, worker.nik)
            .join(worker, Participant.worker_id == worker.id)
            .where(
                Participant.employer_id == employer_id,
                among(session, worker.nik, chunk),
                Participant.status == Status.ACTIVE,
            )
        )
        for row in rows:
            if row[0] not in in_file:
                db_dependants[row[-1]].append(_db_member(row))
    return db_workers, dict(db_dependants)


# What the family checks need of a registered person (plain columns: loading ORM objects
# for the 100,000 people of a re-uploaded roster took seconds).
_MEMBER_COLUMNS = (
    Participant.nik,
    Participant.kk,
    Participant.relationship,
    Participant.birth_date,
    Participant.in_school,
    Participant.marital_status,
)


def _db_member(row: Sequence[Any]) -> Member:
    """A registered person as a `Member`, from `_MEMBER_COLUMNS` and their worker's NIK."""
    nik, kk, relationship, birth_date, in_school, marital_status, worker_nik = row
    return Member(
        row=0,
        nik=nik,
        kk=kk,
        relationship=relationship.value,
        worker_nik=worker_nik,
        birth_date=birth_date,
        in_school=in_school,
        marital_status=marital_status,
    )


def _add_issues(session: Session, job_id: int, by_row: dict[int, list[Issue]]) -> list[Issue]:
    """Append the family issues to their staged rows (those the row check already reported,
    e.g. a missing worker NIK, are not repeated); returns what was added."""
    staged = session.execute(
        sa.select(StagedRow.id, StagedRow.row, StagedRow.issues, StagedRow.action).where(
            StagedRow.job_id == job_id, among(session, StagedRow.row, by_row)
        )
    ).all()
    updates, added = [], []
    for staged_id, row, stored, action in staged:
        issues = [Issue.from_dict(i) for i in stored]
        new = [i for i in dict.fromkeys(by_row[row]) if i not in set(issues)]
        added += new
        issues += new
        errors = any(i.is_error for i in issues)
        updates.append(
            {
                "sid": staged_id,
                "issues": [i.to_storage() for i in issues],
                "has_error": errors,
                "has_warning": any(not i.is_error for i in issues),
                "action": RowAction.SKIP if errors else action,
            }
        )
    table = StagedRow.__table__
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("sid"))
        .values(
            issues=sa.bindparam("issues"),
            has_error=sa.bindparam("has_error"),
            has_warning=sa.bindparam("has_warning"),
            action=sa.bindparam("action"),
        ),
        updates,
    )
    return added


def _hold_back_families(session: Session, job_id: int) -> None:
    """Mark the valid rows of families with an error HELD_BACK: a job with errors commits only
    as "valid rows only", which imports whole families, so the preview's plan and counts say
    what that commit will really do with them (few rows: only families with errors)."""
    with_errors = (
        sa.select(StagedRow.family_key)
        .where(StagedRow.job_id == job_id, StagedRow.has_error, StagedRow.family_key.is_not(None))
        .scalar_subquery()
    )
    session.execute(
        sa.update(StagedRow)
        .where(
            StagedRow.job_id == job_id,
            StagedRow.has_error.is_(False),
            StagedRow.action.in_([RowAction.INSERT, RowAction.UPDATE, RowAction.UNCHANGED]),
            StagedRow.family_key.in_(with_errors),
        )
        .values(action=RowAction.HELD_BACK)
        .execution_options(synchronize_session=False)
    )


def _finish_validation(session: Session, job: ImportJob) -> None:
    counts = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(StagedRow.has_error),
            sa.func.count().filter(StagedRow.has_warning),
            sa.func.count().filter(StagedRow.action == RowAction.INSERT),
            sa.func.count().filter(StagedRow.action == RowAction.UPDATE),
            sa.func.count().filter(StagedRow.action == RowAction.UNCHANGED),
        ).where(StagedRow.job_id == job.id)
    ).one()
    (
        job.rows,
        job.error_rows,
        job.warning_rows,
        job.planned_inserts,
        job.planned_updates,
        job.planned_unchanged,
    ) = counts
    job.valid_rows = job.rows - job.error_rows
    job.status = JobStatus.VALIDATED
    job.finished_at = utcnow()
    session.commit()


# --------------------------------------------------------------------------- commit


class ImportBlocked(RuntimeError):
    """The job has errors and 'valid rows only' was not chosen."""


class ImportConflict(RuntimeError):
    """A participant changed after the preview: re-upload to see the current state."""

    def __init__(self, nik: str) -> None:
        super().__init__(f"participant {mask_nik(nik)} changed since the preview")
        self.masked_nik = mask_nik(nik)


def commit_roster(
    session: Session, job: ImportJob, actor: Actor, *, valid_only: bool = False
) -> ImportJob:
    """Apply a validated job in one transaction: inserts, then updates, with an audit event
    per person and one for the job. A job commits at most once."""
    if job.error_rows and not valid_only:
        raise ImportBlocked(f"job {job.id} has {job.error_rows} rows with errors")
    jobs.claim_for_commit(session, job)
    large = job.planned_inserts + job.planned_updates >= LARGE_COMMIT_ROWS
    try:
        # Every writer's lock order (`lock_people`): no deadlock with a batch on these people.
        updated_ids = sa.select(StagedRow.participant_id).where(
            StagedRow.job_id == job.id, _planned_rows(job.id, RowAction.UPDATE)
        )
        lock_people(session, job.employer_id, updated_ids)
        deferred = large and defer_checkpoint(session)
        with paused_gc(), bulk_cache(session):
            inserted = _commit_inserts(session, job, actor)
            updated = _commit_updates(session, job, actor)
        job.inserted, job.updated = inserted, updated
        job.unchanged = job.planned_unchanged
        job.skipped = job.rows - inserted - updated - job.unchanged
        job.valid_only = valid_only
        record(
            session,
            job.employer_id,
            actor,
            Change(
                "roster_import.commit",
                "import_job",
                job.id,
                job.filename,
                job_id=job.id,
                after={
                    "inserted": inserted,
                    "updated": updated,
                    "unchanged": job.unchanged,
                    "skipped": job.skipped,
                    "valid_only": valid_only,
                    "rows": job.rows,
                },
            ),
        )
        jobs.finish_commit(session, job, actor)
        session.commit()
    except BaseException:
        session.rollback()
        session.execute(
            sa.update(ImportJob).where(ImportJob.id == job.id).values(status=JobStatus.VALIDATED)
        )
        session.commit()
        raise
    if large:
        _upkeep_after_commit(session, deferred)
    return job


#: Planned inserts and updates from which a commit counts as large: its upkeep (below) runs
#: in the background after it.
LARGE_COMMIT_ROWS = 10_000
ANALYZE = "ANALYZE participant, audit_event"
SQLITE_ANALYZE = ("ANALYZE participant", "ANALYZE audit_event")


def _upkeep_after_commit(session: Session, checkpoint: bool) -> None:
    """What a large commit leaves to do, done in the background (`upkeep_later`) so the user
    has the result ~0.5 s sooner: the planner statistics of participant and audit_event,
    and on SQLite the checkpoint `defer_checkpoint` held back (~0.5 s at 100,000 rows).
    Without fresh statistics PostgreSQL planned for the tables as they were (uploading the
    same 100k roster again right away took 14 s to preview instead of 5), and SQLite, which
    has none until ANALYZE, walked all of an employer's 300,000 people or events for a NIK
    prefix, a person's family or a person's history (0.1-0.7 s a page) instead of using
    the NIK indexes."""
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        upkeep_later(engine, ANALYZE, "ANALYZE participant")
    else:
        upkeep_later(engine, [*SQLITE_ANALYZE, *([CHECKPOINT] if checkpoint else [])],
                     "ANALYZE and WAL checkpoint")  # fmt: skip


def _planned_rows(job_id: int, action: RowAction) -> sa.ColumnElement[bool]:
    """The staged rows to apply: valid and with this action. The rows of a family with an
    error are HELD_BACK already (`_hold_back_families`), so 'valid rows only' imports whole
    families without asking again at every step of the commit."""
    return sa.and_(
        StagedRow.job_id == job_id,
        StagedRow.action == action,
        StagedRow.has_error.is_(False),
    )


def _planned(
    bind: Session | sa.Connection, job: ImportJob, action: RowAction, *columns: Any
) -> Iterator[Sequence[Any]]:
    """The staged rows to apply, as light Core rows (not ORM objects), chunk by chunk."""
    stmt = (
        sa.select(*columns)
        .where(_planned_rows(job.id, action))
        .order_by(StagedRow.row)
        .execution_options(yield_per=CHUNK)
    )
    yield from bind.execute(stmt).partitions()


def _decode(data: Mapping[str, Any]) -> dict[str, Any]:
    decoded = dict(data)
    for field in DATE_FIELDS:
        if decoded.get(field):
            decoded[field] = date.fromisoformat(decoded[field])
    return decoded


def _commit_inserts(session: Session, job: ImportJob, actor: Actor) -> int:
    """Insert the planned rows with one INSERT … SELECT from the staged rows (the database
    reads their JSON itself: no row passes through Python) and, meanwhile, build their audit
    events from a second connection's stream of the same rows and link them to the chain.
    Their staged text is the audited snapshot already (`snapshot_json`), so an event costs
    a few string joins and a hash. The write-behind thread runs the insert, then the
    events' inserts. Memory holds one id per row and at most `EVENT_CHUNKS_AHEAD` chunks of
    events waiting for their insert."""
    run = EventRun(job.employer_id, utcnow(), actor, BULK_ACTION,
                   "participant", job.id)  # fmt: skip
    ids = _RowIds.reserve(session, job)
    head = lock_chain_head(session, job.employer_id)
    first_seq, last_hash = head.audit_seq + 1, head.audit_head
    seq = first_seq - 1
    sign = keyring().signer()
    connection = connection_of(session)  # the writes' thread has no app context
    inserted: list[int] = []
    with write_behind(session, EVENT_CHUNKS_AHEAD) as (writer, reader):
        insert = _insert_from_staged(connection, job, ids, run.now)
        writer.submit(lambda: inserted.append(_run_counted(connection, insert)))
        with run.stream(writer, connection, EVENT_CHUNKS_AHEAD) as write_events:
            for chunk in _planned(reader, job, RowAction.INSERT, *_EVENT_COLUMNS):
                items = [(ids.of(row), mask_nik(nik), nik, staged_snapshot(data))
                         for row, nik, data in chunk]  # fmt: skip
                rows, last_hash = link_events(run.prepare(seq + 1, items), seq, last_hash, sign)
                write_events(rows)
                seq += len(rows)
    count = seq - first_seq + 1
    if inserted != [count]:  # both sides read the same rows: this is a bug, never a user error
        raise RuntimeError(f"inserted {inserted} participants but built {count} audit events")
    head.audit_seq, head.audit_head = seq, last_hash
    session.flush()
    return count


_EVENT_COLUMNS = (StagedRow.row, StagedRow.nik, sa.cast(StagedRow.data, sa.Text))


@dataclass(frozen=True, slots=True)
class _RowIds:
    """The participant id reserved for each planned row, by sheet row, known to Python (for
    the audit events) and to the INSERT … SELECT alike. SQLite: ``base + row - first_row``
    (a range as wide as the rows, gaps cost nothing there); PostgreSQL: values drawn from
    the sequence, one per planned row, passed as an array indexed by row. The array's
    other slots (rows not planned) hold 0, not NULL: PostgreSQL finds an element of an
    array with NULLs by counting the NULLs before it: with 2 % of the rows held back, the
    look-ups made a 100,000-row commit take 19 s instead of 5. On PostgreSQL each planned
    dependant's worker id is known here too (``workers``, 0 where none), so the insert reads
    it from a second array instead of two look-ups per row (~0.4 s at 100,000 rows)."""

    first_row: int
    base: int
    by_row: list[int] | None  # PostgreSQL; 0 where a row is not planned
    workers: list[int] | None = None  # PostgreSQL; by row as by_row, 0 where no worker

    @classmethod
    def reserve(cls, session: Session, job: ImportJob) -> _RowIds:
        planned = _planned_rows(job.id, RowAction.INSERT)
        if dialect_name(session) != "postgresql":
            first, last = session.execute(
                sa.select(sa.func.min(StagedRow.row), sa.func.max(StagedRow.row)).where(planned)
            ).one()
            if first is None:
                return cls(0, 0, None)
            return cls(first, reserve_ids(session, PARTICIPANT, last - first + 1)[0], None)
        rows, niks, families = session.execute(
            sa.select(*[sa.func.array_agg(aggregate_order_by(column, StagedRow.row))
                        for column in (StagedRow.row, StagedRow.nik, StagedRow.family_key)])
            .where(planned)
        ).one()  # one array each  # fmt: skip
        if not rows:
            return cls(0, 0, None)
        first = rows[0]
        by_row = [0] * (rows[-1] - first + 1)
        for row, pid in zip(rows, reserve_ids(session, PARTICIPANT, len(rows)), strict=True):
            by_row[row - first] = pid
        workers = [0] * len(by_row)
        dependants = [(row, family) for row, nik, family in zip(rows, niks, families, strict=True)
                      if family is not None and family != nik]  # fmt: skip
        # A dependant's worker: the worker planned in this job (its family key is its NIK;
        # the family goes in whole or not at all), or else the one already stored.
        planned_workers = {nik: by_row[row - first]
                           for row, nik, family in zip(rows, niks, families, strict=True)
                           if family == nik}  # fmt: skip
        stored = ids_by_nik(
            session, job.employer_id, {f for _row, f in dependants if f not in planned_workers}
        )
        for row, family in dependants:
            workers[row - first] = planned_workers.get(family) or stored.get(family, 0)
        return cls(first, 0, by_row, workers)

    def of(self, row: int) -> int:
        if self.by_row is None:
            return self.base + row - self.first_row
        pid = self.by_row[row - self.first_row]
        if not pid:  # pragma: no cover - only planned rows are asked for
            raise KeyError(row)
        return pid

    def sql(self, row: Any) -> Any:
        if self.by_row is None:
            return self.base - self.first_row + row
        return self._element(self.by_row, row)

    def worker_sql(self, row: Any) -> Any:
        """The worker id of the planned row (PostgreSQL), NULL where it has none."""
        return sa.func.nullif(self._element(self.workers or [], row), 0)

    def _element(self, values: list[int], row: Any) -> Any:
        array = sa.bindparam(None, values, type_=postgresql_array(sa.Integer))
        return sa.type_coerce(sa.Grouping(array), postgresql_array(sa.Integer))[
            row - self.first_row + 1
        ]


def _run_counted(connection: sa.Connection, statement: sa.Insert) -> int:
    """Run the INSERT … SELECT; how many rows it inserted. Both drivers report it, but
    SQLAlchemy keeps the count of an INSERT only when asked (``preserve_rowcount``).
    (RETURNING the ids instead cost PostgreSQL and Python a second at 100,000 rows.)"""
    if connection.dialect.name == "postgresql":
        # PostgreSQL would JIT-compile this large statement first: seconds, for one run.
        connection.exec_driver_sql("SET LOCAL jit = off")
    return connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def _insert_from_staged(
    connection: sa.Connection, job: ImportJob, ids: _RowIds, now: datetime
) -> sa.Insert:
    """INSERT INTO participant … SELECT from the job's planned rows. A dependant's worker is
    a worker planned in the same job or one already stored: known to `_RowIds` on
    PostgreSQL, two index look-ups in SQL on SQLite (`_worker_id`). Foreign keys are checked
    at the end of the statement: a dependant may come before their worker."""
    planned = StagedRow.__table__
    postgresql = connection.dialect.name == "postgresql"
    values = _json_values(planned, postgresql)
    select = sa.select(
        ids.sql(planned.c.row),
        sa.literal(job.employer_id),
        *[values[field] for field in ROSTER_FIELDS],
        ids.worker_sql(planned.c.row) if ids.workers is not None else _worker_id(job, ids),
        sa.literal(Segment.PPU.value),
        sa.literal(Status.ACTIVE.value),
        sa.literal(now, sa.DateTime),
        sa.literal(now, sa.DateTime),
        sa.literal(1),
    ).where(_planned_rows(job.id, RowAction.INSERT))
    if postgresql:
        select = select.select_from(planned).join(values["_record"], sa.true())
    return sa.insert(PARTICIPANT).from_select(INSERT_COLUMNS, select)


def _worker_id(job: ImportJob, ids: _RowIds) -> Any:
    """A planned dependant's worker id in SQL (SQLite): the worker planned in the same job,
    found through the family index of the staged rows, or else the one stored, through the
    unique NIK index; both scalar subqueries, each one index look-up."""
    planned = StagedRow.__table__
    worker = aliased(StagedRow)
    worker_row = (
        sa.select(worker.row)
        .where(
            worker.job_id == job.id,
            worker.family_key == planned.c.family_key,
            worker.nik == planned.c.family_key,
            worker.action == RowAction.INSERT,  # never on a row with errors
        )
        .scalar_subquery()
    )
    stored = (
        sa.select(Participant.id)
        .where(Participant.employer_id == job.employer_id, Participant.nik == planned.c.family_key)
        .scalar_subquery()
    )
    return sa.case(
        (planned.c.family_key != planned.c.nik, sa.func.coalesce(ids.sql(worker_row), stored)),
        else_=None,
    )


#: How the database reads each roster field from the staged JSON on PostgreSQL
#: (json_to_record parses each row once; SQLite's json_extract caches the parsed row).
_PG_TYPES: dict[str, Any] = {
    "birth_date": sa.Date,
    "start_date": sa.Date,
    "wage": sa.BigInteger,
    "care_class": sa.SmallInteger,
    "in_school": sa.Boolean,
}


def _json_values(planned: Any, postgresql: bool) -> dict[str, Any]:
    if postgresql:
        record = (
            sa.func.json_to_record(planned.c.data)
            .table_valued(*[sa.column(f, _PG_TYPES.get(f, sa.Text)) for f in ROSTER_FIELDS])
            .render_derived(name="record", with_types=True)
        )
        return {"_record": record, **{f: record.c[f] for f in ROSTER_FIELDS}}
    return {f: sa.func.json_extract(planned.c.data, f"$.{f}") for f in ROSTER_FIELDS}


def _commit_updates(session: Session, job: ImportJob, actor: Actor) -> int:
    columns = (
        StagedRow.nik,
        StagedRow.family_key,
        StagedRow.data,
        StagedRow.participant_id,
        StagedRow.base_version,
        StagedRow.changes,
    )
    return sum(
        _update_chunk(session, job, chunk, actor)
        for chunk in _planned(session, job, RowAction.UPDATE, *columns)
        if chunk
    )


def _update_chunk(session: Session, job: ImportJob, staged: list[Any], actor: Actor) -> int:
    ids = [s.participant_id for s in staged]
    versions = dict(
        session.execute(
            sa.select(Participant.id, Participant.version)
            .where(among(session, Participant.id, ids))
            .with_for_update()
        ).all()
    )
    for s in staged:
        if versions.get(s.participant_id) != s.base_version:
            raise ImportConflict(s.nik or "")
    workers = ids_by_nik(
        session, job.employer_id, [s.data["worker_nik"] for s in staged if s.data.get("worker_nik")]
    )
    now = utcnow()
    table = Participant.__table__
    values = {f: sa.bindparam(f"v_{f}") for f in ROSTER_FIELDS}
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("pid"))
        .values(
            **values,
            worker_id=sa.bindparam("v_worker_id"),
            version=sa.bindparam("v_version"),
            updated_at=now,
        ),
        [_update_params(s, workers) for s in staged],
    )
    record_many(
        session,
        job.employer_id,
        actor,
        (
            Change(
                "participant.import_update",
                "participant",
                s.participant_id,
                mask_nik(s.nik),
                s.nik,
                before={k: v[0] for k, v in s.changes.items()},
                after={k: v[1] for k, v in s.changes.items()},
                job_id=job.id,
            )
            for s in staged
        ),
    )
    return len(staged)


def _update_params(s: Any, workers: Mapping[str, int]) -> dict[str, Any]:
    data = _decode(s.data)
    params = {f"v_{f}": data.get(f) for f in ROSTER_FIELDS}
    params["v_relationship"] = Relationship(data["relationship"])
    params.update(
        pid=s.participant_id,
        v_version=s.base_version + 1,
        v_worker_id=workers.get(data.get("worker_nik") or ""),
    )
    return params


# The job runner finds the roster's pipeline here (imports does not import the roster).
register(JobKind.ROSTER, stage_roster, helper_preload=HELPER_PRELOAD)

__all__ = [
    "ImportBlocked",
    "ImportConflict",
    "Limits",
    "commit_roster",
    "snapshot",
    "stage_roster",
    "start_helpers",
]
