"""Commit: the staged rows become participants and audit events in one transaction (see the
package docstring)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from edabu_lite import clock
from edabu_lite.audit.keys import keyring
from edabu_lite.audit.models import BULK_ACTION
from edabu_lite.audit.operations import (
    Actor,
    Change,
    EventRun,
    link_events,
    lock_chain_head,
    note_chain_moved,
    record,
    record_many,
)
from edabu_lite.database import (
    CHECKPOINT,
    among,
    bulk_cache,
    connection_of,
    defer_checkpoint,
    dialect_name,
    int_array_element,
    json_fields,
    reserve_ids,
    run_counted,
    upkeep_later,
    utcnow,
    write_behind,
)
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, JobStatus, RowAction, StagedRow
from edabu_lite.roster.importing import sizes
from edabu_lite.roster.models import Participant, Relationship, Segment, Status, WageChange
from edabu_lite.roster.operations import INSERT_COLUMNS, ids_by_nik, lock_people
from edabu_lite.roster.snapshot import ROSTER_FIELDS, staged_snapshot

PARTICIPANT = Participant.__table__
#: Chunks of audit events (~2 MB each) the commit may build ahead of their insert. While the
#: INSERT … SELECT of the participants runs, the GIL is free and building costs nothing;
#: afterwards every chunk built beside the events' executemany stalls it (each row's step
#: waits for the GIL), so the more are ready by then the better, within memory.
EVENT_CHUNKS_AHEAD = 32
DATE_FIELDS = ("birth_date", "start_date")

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
        with bulk_cache(session):
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
VACUUM_ANALYZE = "VACUUM (ANALYZE) participant, audit_event"
SQLITE_ANALYZE = ("ANALYZE participant", "ANALYZE audit_event")


def _upkeep_after_commit(session: Session, checkpoint: bool) -> None:
    """What a large commit leaves to do, done in the background (`upkeep_later`) so the user
    has the result ~0.5 s sooner: the planner statistics of participant and audit_event,
    and on SQLite the checkpoint `defer_checkpoint` held back (~0.5 s at 100,000 rows).
    Without fresh statistics PostgreSQL plans for the tables as they were before the bulk
    insert (a re-upload right after is then several times slower), and SQLite, which has
    none until ANALYZE, walks all of an employer's people or events for a NIK prefix, a
    family or a person's history instead of using the NIK indexes (bench/NOTES.md).
    PostgreSQL also vacuums them, which marks the new rows visible to all: until then an
    index-only walk reads each row too (a page number typed 250,000 rows deep: 0.2 s
    instead of 40-60 ms), and autovacuum, which would do it later, may be off."""
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        upkeep_later(engine, VACUUM_ANALYZE, "VACUUM and ANALYZE")
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
        .execution_options(yield_per=sizes.CHUNK)
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
        writer.submit(lambda: inserted.append(run_counted(connection, insert)))
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
    note_chain_moved(session, job.employer_id, [run.action])
    return count


_EVENT_COLUMNS = (StagedRow.row, StagedRow.nik, sa.cast(StagedRow.data, sa.Text))


@dataclass(frozen=True, slots=True)
class _RowIds:
    """The participant id reserved for each planned row, by sheet row, known to Python (for
    the audit events) and to the INSERT … SELECT alike. SQLite: ``base + row - first_row``
    (a range as wide as the rows, gaps cost nothing there); PostgreSQL: values drawn from
    the sequence, one per planned row, passed as an array indexed by row. The array's
    other slots (rows not planned) hold 0, not NULL: PostgreSQL finds an element of an
    array with NULLs by counting the NULLs before it, which makes every look-up linear once
    a few rows are held back (bench/NOTES.md). On PostgreSQL each planned
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
        return int_array_element(values, row - self.first_row + 1)


def _insert_from_staged(
    connection: sa.Connection, job: ImportJob, ids: _RowIds, now: datetime
) -> sa.Insert:
    """INSERT INTO participant … SELECT from the job's planned rows. A dependant's worker is
    a worker planned in the same job or one already stored: known to `_RowIds` on
    PostgreSQL, two index look-ups in SQL on SQLite (`_worker_id`). Foreign keys are checked
    at the end of the statement: a dependant may come before their worker."""
    planned = StagedRow.__table__
    record, values = json_fields(
        planned.c.data, {f: _PG_TYPES.get(f) for f in ROSTER_FIELDS}, connection.dialect.name
    )
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
    if record is not None:
        select = select.select_from(planned).join(record, sa.true())
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
    return sa.case(  # IS NOT: a newborn without a NIK is a dependant too
        (
            planned.c.family_key.is_distinct_from(planned.c.nik),
            sa.func.coalesce(ids.sql(worker_row), stored),
        ),
        else_=None,
    )


#: The types PostgreSQL reads the roster fields of the staged JSON as (`json_fields`; text
#: otherwise).
_PG_TYPES: dict[str, Any] = {
    "birth_date": sa.Date,
    "start_date": sa.Date,
    "wage": sa.BigInteger,
    "care_class": sa.SmallInteger,
    "in_school": sa.Boolean,
}


def _commit_updates(session: Session, job: ImportJob, actor: Actor) -> int:
    if not job.planned_updates:  # counted by the preview: no staged row to look for
        return 0
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
    now, today = utcnow(), clock.today()
    table = Participant.__table__
    values = {f: sa.bindparam(f"v_{f}") for f in ROSTER_FIELDS}
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("pid"))
        .values(
            **values,
            worker_id=sa.bindparam("v_worker_id"),
            version=sa.bindparam("v_version"),
            # a new faskes is chosen today; otherwise the day it was chosen stays
            faskes_since=sa.func.coalesce(
                sa.bindparam("v_faskes_since", type_=sa.Date), table.c.faskes_since
            ),
            updated_at=now,
        ),
        [_update_params(s, workers, today) for s in staged],
    )
    wages = [  # earlier months keep the wage they had: the new one counts from this month
        {
            "employer_id": job.employer_id,
            "participant_id": s.participant_id,
            "effective_from": today.replace(day=1),
            "old_wage": s.changes["wage"][0],
            "new_wage": s.changes["wage"][1],
            "created_at": now,
        }
        for s in staged
        if "wage" in (s.changes or {})
    ]
    if wages:
        session.execute(sa.insert(WageChange.__table__), wages)
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


def _update_params(s: Any, workers: Mapping[str, int], today: date) -> dict[str, Any]:
    data = _decode(s.data)
    params = {f"v_{f}": data.get(f) for f in ROSTER_FIELDS}
    params["v_relationship"] = Relationship(data["relationship"])
    params.update(
        pid=s.participant_id,
        v_version=s.base_version + 1,
        v_worker_id=workers.get(data.get("worker_nik") or ""),
        v_faskes_since=today if "faskes_code" in (s.changes or {}) else None,
    )
    return params
