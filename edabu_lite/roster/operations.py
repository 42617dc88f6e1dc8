"""Roster use cases that write participants.

``insert_people`` is the bulk insert behind ``add_participants`` (the demo seed): ids reserved
up front, rows written with `bulk_insert` (COPY on PostgreSQL), worker links set in the insert
itself, one audit event per person, all in one transaction. The roster import commit inserts
from its staged rows inside the database instead (`roster.importing`); their staged values
are the same audited `snapshot`, as text (`snapshot_json`), which its events store as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.audit.operations import (
    Actor,
    Change,
    PreparedEvent,
    append_events,
    lock_chain_head,
    prepare_events,
)
from edabu_lite.database import among, bulk_insert, reserve_ids, sql_timestamp, utcnow
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.roster.models import Participant, Relationship, Segment, Status
from edabu_lite.roster.snapshot import ROSTER_FIELDS, snapshot

CHUNK = 5000


def add_participants(
    session: Session,
    employer_id: int,
    people: Sequence[Mapping[str, Any]],
    actor: Actor,
    *,
    action: str = "participant.create",
    job_id: int | None = None,
) -> int:
    """Insert new participants (in any order: a worker may come after their dependants).
    The caller commits. Returns how many were inserted."""
    links: list[tuple[str, str]] = []
    for start in range(0, len(people), CHUNK):
        links += insert_people(
            session, employer_id, people[start : start + CHUNK], actor, action=action, job_id=job_id
        )
    link_workers(session, employer_id, links)
    return len(people)


# Participant columns written by `insert_people`, in `_participant_row` order.
INSERT_COLUMNS = (
    "id",
    "employer_id",
    *ROSTER_FIELDS,
    "worker_id",
    "segment",
    "status",
    "created_at",
    "updated_at",
    "version",
)


@dataclass(frozen=True, slots=True)
class InsertRun:
    """What every chunk of one run of inserts shares."""

    employer_id: int
    actor: Actor
    action: str
    job_id: int | None
    now: datetime


class PeopleBatch(NamedTuple):
    """A chunk of new participants, ready to store with `store_people`."""

    rows: list[tuple[Any, ...]]  # database form, INSERT_COLUMNS order
    links: list[tuple[str, str]]  # (dependant NIK, worker NIK) for `link_workers`
    events: list[PreparedEvent]  # one audit event per person


def insert_people(
    session: Session,
    employer_id: int,
    people: Sequence[Mapping[str, Any]],
    actor: Actor,
    *,
    action: str,
    job_id: int | None,
) -> list[tuple[str, str]]:
    """Insert one chunk with its audit events, in order; returns the links still to
    resolve with `link_workers` once every chunk is in (see `build_people`)."""
    if not people:
        return []
    ids = reserve_ids(session, Participant.__table__, len(people))
    workers = _stored_workers(session, employer_id, people)
    first_seq = lock_chain_head(session, employer_id).audit_seq + 1
    run = InsertRun(employer_id, actor, action, job_id, utcnow())
    return store_people(session, build_people(people, ids, workers, first_seq, run))


def build_people(
    people: Sequence[Mapping[str, Any]],
    ids: Sequence[int],
    workers: Mapping[str, int],
    first_seq: int,
    run: InsertRun,
) -> PeopleBatch:
    """New participants with their reserved ``ids`` and audit events numbered from
    ``first_seq`` (pure: no database access). A dependant's worker_id
    goes into the insert itself when the worker is in ``workers`` (stored, or inserted
    before this chunk) or comes earlier in this chunk: a separate UPDATE pass cost a third
    of the import. Other links are returned. Dates may be `date` or ISO text."""
    stamp = sql_timestamp(run.now)
    rows, links, in_chunk = [], [], {}
    for pid, person in zip(ids, people, strict=True):
        nik, worker_nik = person["nik"], person.get("worker_nik")
        in_chunk[nik] = pid
        worker_id = (in_chunk.get(worker_nik) or workers.get(worker_nik)) if worker_nik else None
        if worker_nik and worker_id is None:
            links.append((nik, worker_nik))  # a worker further down the file
        rows.append(_participant_row(pid, run.employer_id, person, worker_id, stamp))
    changes = (
        Change(
            run.action,
            "participant",
            pid,
            mask_nik(p["nik"]),
            p["nik"],
            after=snapshot(p),
            job_id=run.job_id,
        )
        for pid, p in zip(ids, people, strict=True)
    )
    events = prepare_events(run.employer_id, first_seq, run.now, run.actor, changes)
    return PeopleBatch(rows, links, events)


def store_people(session: Session, batch: PeopleBatch) -> list[tuple[str, str]]:
    """Insert a built chunk and append its events to the chain; returns its links."""
    bulk_insert(session, Participant.__table__, INSERT_COLUMNS, batch.rows)
    append_events(session, batch.events)
    return batch.links


def _stored_workers(
    session: Session, employer_id: int, people: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    """Ids of the workers these people name who are stored already (not in this chunk)."""
    in_chunk = {p["nik"] for p in people}
    wanted = {p["worker_nik"] for p in people if p.get("worker_nik")} - in_chunk
    return ids_by_nik(session, employer_id, sorted(wanted)) if wanted else {}


def _participant_row(
    pid: int, employer_id: int, person: Mapping[str, Any], worker_id: int | None, stamp: str
) -> tuple[Any, ...]:
    """A new participant in database form (`bulk_insert`), in INSERT_COLUMNS order."""
    values = [person.get(key) for key in ROSTER_FIELDS]
    values[_RELATIONSHIP] = Relationship(values[_RELATIONSHIP]).value
    for index in _DATES:
        if isinstance(values[index], date):
            values[index] = values[index].isoformat()
    segment, status = Segment.PPU.value, Status.ACTIVE.value
    return (pid, employer_id, *values, worker_id, segment, status, stamp, stamp, 1)


_RELATIONSHIP = ROSTER_FIELDS.index("relationship")
_DATES = (ROSTER_FIELDS.index("birth_date"), ROSTER_FIELDS.index("start_date"))


def ids_by_nik(
    session: Session | sa.Connection, employer_id: int, niks: Iterable[str]
) -> dict[str, int]:
    """Participant ids of this employer by NIK, in chunked IN queries."""
    wanted = list(dict.fromkeys(niks))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        found.update(
            session.execute(
                sa.select(Participant.nik, Participant.id).where(
                    Participant.employer_id == employer_id,
                    among(session, Participant.nik, wanted[start : start + CHUNK]),
                )
            ).all()
        )
    return found


def link_workers(session: Session, employer_id: int, links: Sequence[tuple[str, str]]) -> None:
    """Point each dependant at their worker, both looked up by NIK in one pass: for the
    links `build_people` could not set in the insert (a worker further down the file)."""
    if not links:
        return
    ids = ids_by_nik(session, employer_id, [nik for pair in links for nik in pair])
    table = Participant.__table__
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("pid"))
        .values(worker_id=sa.bindparam("wid")),
        [{"pid": ids[nik], "wid": ids[worker]} for nik, worker in links],
    )


def lock_people(session: Session, employer_id: int, ids: Iterable[int] | sa.Select[Any]) -> None:
    """The one lock order of every writer of an employer's people: the employer's audit chain
    head first (each writer records events), then the people's rows by id. Two writers over
    the same people then wait for each other instead of deadlocking (rows locked in opposite
    orders). A no-op on SQLite, whose writers take the whole database in turn."""
    lock_chain_head(session, employer_id)
    chosen = (
        Participant.id.in_(ids)
        if isinstance(ids, sa.Select)
        else among(session, Participant.id, sorted(set(ids)))
    )
    session.execute(
        sa.select(Participant.id)
        .where(Participant.employer_id == employer_id, chosen)
        .order_by(Participant.id)
        .with_for_update()
    ).all()
