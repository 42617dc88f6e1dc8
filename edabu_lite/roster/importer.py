"""The roster import pipeline: read → validate → cross-check → stage, then commit.

One implementation behind the web upload (through a Huey job), the CLI and the tests.
Memory stays flat with the file: rows are validated and staged in chunks; only a compact
`Member` per row is kept for the family checks that need the whole file. Database checks run
per chunk in sets (one query per chunk, never one per row).

On a large file the CPU-bound per-row work (`edabu_lite.roster.chunks`: checking rows at the
preview, building participant rows and audit events at the commit) runs partly in a helper
process while this one reads the sheet and writes with `bulk_insert` (COPY on PostgreSQL).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from edabu_lite.accounts.models import Employer
from edabu_lite.audit.operations import Actor, Change, lock_chain_head, record, record_many
from edabu_lite.database import among, bulk_cache, bulk_insert, reserve_ids, utcnow
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, JobStatus, RowAction, StagedRow
from edabu_lite.imports.pipeline import Helper, chunked, helper_process, ordered_map, paused_gc
from edabu_lite.issues import Issue
from edabu_lite.roster import chunks
from edabu_lite.roster.chunks import Checked, InsertTask, SheetRow
from edabu_lite.roster.family import Member, check_families
from edabu_lite.roster.models import Participant, Relationship, Status
from edabu_lite.roster.operations import (
    ROSTER_FIELDS,
    InsertRun,
    ids_by_nik,
    link_workers,
    snapshot,
    store_people,
)
from edabu_lite.roster.schemas import RowContext
from edabu_lite.sheets.columns import ROSTER_COLUMNS
from edabu_lite.sheets.reader import SheetRejected, open_sheet

CHUNK = 2000
#: From this upload size on (about 20,000 rows), part of the row checks runs in a helper
#: process when there are two CPUs or more.
PARALLEL_MIN_BYTES = 2 * 1024 * 1024
#: Inserts from which the commit builds rows and audit events partly in the helper process.
PARALLEL_MIN_ROWS = 20_000
PROGRESS_SECONDS = 0.5
DATE_FIELDS = ("birth_date", "start_date")
COMPARED_FIELDS = (*ROSTER_FIELDS, "worker_nik")
Progress = Callable[[int, int, int | None], None]  # rows read, rows validated, rows expected


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    max_rows: int


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
        members = _stage_rows(session, job, source, limits, ctx, progress, counts)
        if members is None:
            return job
        counts.update(i.code for i in _apply_family_checks(session, job, members, ctx.today))
    job.issue_counts = dict(counts.most_common())
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
) -> list[Member] | None:
    """Open the sheet and stage its rows; None when the job was rejected instead. The sheet
    is closed (its memory freed) before the family checks."""
    # Started first, the helper's start-up overlaps the opening of the sheet.
    with helper_process(_upload_size(source) >= PARALLEL_MIN_BYTES, chunks.__name__) as helper:
        try:
            sheet = open_sheet(
                source, ROSTER_COLUMNS, max_bytes=limits.max_bytes, max_rows=limits.max_rows
            )
        except SheetRejected as rejected:
            jobs.reject(session, job, rejected.issues)
            return None
        with sheet:
            job.headers, job.columns = sheet.headers, sheet.columns
            job.file_issues = [i.to_storage() for i in sheet.issues]
            job.rows_expected = sheet.total_rows
            session.commit()
            members = _stage_chunks(session, job, sheet.rows(), ctx, progress, counts, helper)
            # The reader can add header warnings while streaming (an untitled column with data).
            job.file_issues = [i.to_storage() for i in sheet.issues]
    if not members and not job.rows_read:
        jobs.reject(session, job, [*sheet.issues, Issue("file.empty")])
        return None
    return members


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


def _stage_chunks(
    session: Session,
    job: ImportJob,
    rows: Iterator[SheetRow],
    ctx: RowContext,
    progress: Progress | None,
    counts: Counter[str],
    helper: Helper | None,
) -> list[Member]:
    """Check the rows chunk by chunk (partly in the helper process), compare them with the
    roster and insert them as staged rows. Progress is committed for the page polling from
    another worker about every `PROGRESS_SECONDS`, not per chunk: on SQLite each commit of
    a busy write-ahead log may checkpoint it, ~10 ms."""
    members: list[Member] = []
    read = 0
    expected, employer_id, job_id = job.rows_expected, job.employer_id, job.id
    reported = time.monotonic()
    for checked in ordered_map(chunks.check_chunk, chunked(rows, CHUNK), (ctx,), helper):
        read += len(checked)
        _stage_chunk(session, employer_id, job_id, checked)
        members += [Member(c.row, *c.member) for c in checked if c.member is not None]
        counts.update(issue.code for c in checked for issue in c.issues)
        if time.monotonic() - reported >= PROGRESS_SECONDS:
            jobs.report_progress(session, job, read=read, validated=read)
            reported = time.monotonic()
        if progress:
            progress(read, read, expected)
    jobs.report_progress(session, job, read=read, validated=read)
    return members


def _stage_chunk(session: Session, employer_id: int, job_id: int, checked: list[Checked]) -> None:
    plans = _compare_with_database(session, employer_id, checked)
    rows = [_staged_values(job_id, c, plans.get(c.row)) for c in checked]
    bulk_insert(session, StagedRow.__table__, STAGED_COLUMNS, rows)


STAGED_COLUMNS = (
    "job_id",
    "row",
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


def _staged_values(job_id: int, checked: Checked, plan: _Plan | None) -> tuple[Any, ...]:
    """One staged row in database form (see `bulk_insert`); ``plan`` None means SKIP."""
    issues = checked.issues
    errors = any(i.is_error for i in issues) if issues else False
    plan = plan or _Plan(RowAction.SKIP)
    return (
        job_id,
        checked.row,
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
        json.dumps(plan.changes),
    )


def _compare_with_database(
    session: Session, employer_id: int, checked: list[Checked]
) -> dict[int, _Plan]:
    """Plan insert / update / unchanged for this chunk's valid rows (by sheet row) and flag
    NIKs active at another employer, with two set queries. Of two valid rows with the same
    NIK in one chunk only the later one gets a plan (the other is a duplicate_nik anyway)."""
    by_nik: dict[str, Any] = {}
    for c in checked:  # the first row with a NIK is planned; later copies are duplicates
        if c.nik and c.data_json is not None:
            by_nik.setdefault(c.nik, c)
    if not by_nik:
        return {}
    existing = _existing_participants(session, employer_id, list(by_nik))
    plans: dict[int, _Plan] = {}
    for nik, item in by_nik.items():
        current = existing.get(nik)
        if current is None:
            plans[item.row] = _Plan()
            continue
        changes = _changes(current, _decode(json.loads(item.data_json)))
        action = RowAction.UPDATE if changes else RowAction.UNCHANGED
        plans[item.row] = _Plan(action, current["id"], current["version"], changes or None)
    fresh = [nik for nik, item in by_nik.items() if plans[item.row].action == RowAction.INSERT]
    for nik in _active_elsewhere(session, employer_id, fresh):
        item = by_nik[nik]
        item.issues.append(Issue("row.nik_other_employer", "nik", item.row))
    return plans


def _existing_participants(
    session: Session, employer_id: int, niks: Sequence[str]
) -> dict[str, dict[str, Any]]:
    worker = aliased(Participant)
    columns = [getattr(Participant, f) for f in ROSTER_FIELDS]
    rows = session.execute(
        sa.select(Participant.id, Participant.version, worker.nik.label("worker_nik"), *columns)
        .outerjoin(worker, Participant.worker_id == worker.id)
        .where(Participant.employer_id == employer_id, among(session, Participant.nik, niks))
    ).mappings()
    return {row["nik"]: dict(row) for row in rows}


def _changes(current: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for field in COMPARED_FIELDS:
        old, value = current.get(field), new.get(field)
        if isinstance(old, Relationship):
            old = old.value
        if old != value:
            changes[field] = [_jsonable(old), _jsonable(value)]
    return changes


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _active_elsewhere(session: Session, employer_id: int, niks: Sequence[str]) -> set[str]:
    if not niks:
        return set()
    return set(
        session.scalars(
            sa.select(Participant.nik)
            .distinct()
            .where(
                among(session, Participant.nik, niks),
                Participant.employer_id != employer_id,
                Participant.status == Status.ACTIVE,
            )
        )
    )


# --------------------------------------------------------------------------- family checks


def _apply_family_checks(
    session: Session, job: ImportJob, members: list[Member], today: date
) -> list[Issue]:
    db_workers, db_dependants = _family_context(session, job.employer_id, members)
    found = check_families(members, db_workers=db_workers, db_dependants=db_dependants, today=today)
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
    for chunk in chunked(sorted(wanted), CHUNK):
        for p in session.scalars(
            sa.select(Participant).where(
                Participant.employer_id == employer_id,
                among(session, Participant.nik, chunk),
                Participant.status == Status.ACTIVE,
            )
        ):
            db_workers[p.nik] = _db_member(p, None)
    db_dependants: dict[str, list[Member]] = defaultdict(list)
    worker = aliased(Participant)
    for chunk in chunked(sorted(file_workers | db_workers.keys()), CHUNK):
        rows = session.execute(
            sa.select(Participant, worker.nik)
            .join(worker, Participant.worker_id == worker.id)
            .where(
                Participant.employer_id == employer_id,
                among(session, worker.nik, chunk),
                Participant.status == Status.ACTIVE,
            )
        ).all()
        for dependant, worker_nik in rows:
            if dependant.nik not in in_file:
                db_dependants[worker_nik].append(_db_member(dependant, worker_nik))
    return db_workers, dict(db_dependants)


def _db_member(p: Participant, worker_nik: str | None) -> Member:
    return Member(
        row=0,
        nik=p.nik,
        kk=p.kk,
        relationship=p.relationship.value,
        worker_nik=worker_nik,
        birth_date=p.birth_date,
        in_school=p.in_school,
        marital_status=p.marital_status,
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
    try:
        with paused_gc(), bulk_cache(session):
            excluded = _excluded_families(session, job) if valid_only else set()
            inserted = _commit_inserts(session, job, actor, excluded)
            updated = _commit_updates(session, job, actor, excluded)
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
    return job


def _excluded_families(session: Session, job: ImportJob) -> set[str]:
    """'Valid rows only' imports whole families: one member's error holds back the family."""
    return set(
        session.scalars(
            sa.select(StagedRow.family_key)
            .distinct()
            .where(
                StagedRow.job_id == job.id, StagedRow.has_error, StagedRow.family_key.is_not(None)
            )
        )
    )


def _planned(
    session: Session, job: ImportJob, action: RowAction, excluded: set[str], *columns: Any
) -> Iterator[list[Any]]:
    """The staged rows to apply, as light Core rows (not ORM objects), chunk by chunk."""
    stmt = (
        sa.select(*columns)
        .where(
            StagedRow.job_id == job.id, StagedRow.action == action, StagedRow.has_error.is_(False)
        )
        .order_by(StagedRow.row)
        .execution_options(yield_per=CHUNK)
    )
    for partition in session.execute(stmt).partitions():
        yield [s for s in partition if s.family_key not in excluded]


def _decode(data: Mapping[str, Any]) -> dict[str, Any]:
    decoded = dict(data)
    for field in DATE_FIELDS:
        if decoded.get(field):
            decoded[field] = date.fromisoformat(decoded[field])
    return decoded


def _commit_inserts(session: Session, job: ImportJob, actor: Actor, excluded: set[str]) -> int:
    """Insert chunk by chunk as the staged rows stream in (never the whole file in memory).
    On a large job the helper process builds the rows and audit events of some chunks while
    this one writes; dependants listed before their worker are linked at the end."""
    run = InsertRun(job.employer_id, actor, "participant.import_insert", job.id, utcnow())
    tasks = _insert_tasks(session, job, excluded)
    count, links = 0, []
    with helper_process(job.planned_inserts >= PARALLEL_MIN_ROWS, chunks.__name__) as helper:
        for batch in ordered_map(chunks.build_insert_chunk, tasks, (run,), helper):
            links += store_people(session, batch)
            count += len(batch.rows)
    link_workers(session, job.employer_id, links)
    return count


def _insert_tasks(session: Session, job: ImportJob, excluded: set[str]) -> Iterator[InsertTask]:
    """The chunks to insert with ids and audit numbers reserved for the whole run up front
    (a chunk is built before the previous one is written), and the ids of the workers its
    dependants name: from earlier chunks, or already stored."""
    ids = iter(reserve_ids(session, Participant.__table__, job.planned_inserts))
    seq = lock_chain_head(session, job.employer_id).audit_seq + 1
    earlier: dict[str, int] = {}  # worker NIK -> id, for rows of earlier chunks
    columns = (StagedRow.nik, StagedRow.family_key, sa.cast(StagedRow.data, sa.Text))
    for chunk in _planned(session, job, RowAction.INSERT, excluded, *columns):
        rows = [tuple(row) for row in chunk]
        chunk_ids = list(itertools.islice(ids, len(rows)))
        yield InsertTask(rows, chunk_ids, _named_workers(session, job, rows, earlier), seq)
        for (nik, key, _data), pid in zip(rows, chunk_ids, strict=True):
            if key == nik:  # a valid row's family key: its own NIK for a worker
                earlier[nik] = pid
        seq += len(rows)


def _named_workers(
    session: Session,
    job: ImportJob,
    rows: list[tuple[str, str | None, str]],
    earlier: dict[str, int],
) -> dict[str, int]:
    """Ids of the workers named by the dependants in ``rows`` who are not in ``rows``."""
    in_chunk = {nik for nik, _key, _data in rows}
    wanted = {key for nik, key, _data in rows if key and key != nik and key not in in_chunk}
    found = {nik: earlier[nik] for nik in wanted if nik in earlier}
    found.update(ids_by_nik(session, job.employer_id, sorted(wanted - found.keys())))
    return found


def _commit_updates(session: Session, job: ImportJob, actor: Actor, excluded: set[str]) -> int:
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
        for chunk in _planned(session, job, RowAction.UPDATE, excluded, *columns)
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


__all__ = ["ImportBlocked", "ImportConflict", "Limits", "commit_roster", "snapshot", "stage_roster"]
