"""Roster use cases that write participants.

``add_participants`` is the bulk insert shared by the demo seed and (later) the import
commit: Core ``insert`` executemany (ORM add_all is ~6× slower), worker links resolved by
NIK in one query, one audit event per person plus one for the batch, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.audit.operations import Actor, Change, record_many
from edabu_lite.database import utcnow
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.roster.models import Participant, Relationship, Segment, Status

# Roster keys (contract §2) stored as-is on Participant; worker_nik becomes worker_id.
ROSTER_FIELDS = (
    "nik",
    "kk",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "marital_status",
    "relationship",
    "employee_number",
    "wage",
    "care_class",
    "faskes_code",
    "start_date",
    "card_number",
    "phone",
    "email",
    "in_school",
)

CHUNK = 5000


def snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    """The audited view of a person: roster fields plus worker NIK and membership state."""
    keys = (*ROSTER_FIELDS, "worker_nik", "status", "segment")
    return {k: _plain(values.get(k)) for k in keys if k in values}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Relationship | Status | Segment) else value


def add_participants(
    session: Session,
    employer_id: int,
    people: Sequence[Mapping[str, Any]],
    actor: Actor,
    *,
    action: str = "participant.create",
    job_id: int | None = None,
) -> int:
    """Insert new participants (in any order: worker links are resolved by NIK afterwards).
    The caller commits. Returns how many were inserted."""
    links: list[tuple[str, str]] = []
    for start in range(0, len(people), CHUNK):
        links += insert_people(
            session, employer_id, people[start : start + CHUNK], actor, action=action, job_id=job_id
        )
    link_workers(session, employer_id, links)
    return len(people)


def insert_people(
    session: Session,
    employer_id: int,
    people: Sequence[Mapping[str, Any]],
    actor: Actor,
    *,
    action: str,
    job_id: int | None,
) -> list[tuple[str, str]]:
    """Insert one chunk with its audit events; returns the (dependant NIK, worker NIK) links
    still to resolve with `link_workers` once every chunk is in."""
    if not people:
        return []
    now = utcnow()
    session.execute(Participant.__table__.insert(),
                    [_insert_row(employer_id, p, now) for p in people])
    ids = ids_by_nik(session, employer_id, [p["nik"] for p in people])
    record_many(
        session,
        employer_id,
        actor,
        (
            Change(
                action,
                "participant",
                ids[p["nik"]],
                mask_nik(p["nik"]),
                p["nik"],
                after=snapshot(p),
                job_id=job_id,
            )
            for p in people
        ),
    )
    return [(p["nik"], p["worker_nik"]) for p in people if p.get("worker_nik")]


def _insert_row(employer_id: int, person: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    row = {key: person.get(key) for key in ROSTER_FIELDS}
    row["relationship"] = Relationship(row["relationship"])
    row.update(
        employer_id=employer_id,
        segment=Segment.PPU,
        status=Status.ACTIVE,
        created_at=now,
        updated_at=now,
        version=1,
        worker_id=None,
    )
    return row


def ids_by_nik(session: Session, employer_id: int, niks: Iterable[str]) -> dict[str, int]:
    """Participant ids of this employer by NIK, in chunked IN queries."""
    wanted = list(dict.fromkeys(niks))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        found.update(
            session.execute(
                sa.select(Participant.nik, Participant.id).where(
                    Participant.employer_id == employer_id,
                    Participant.nik.in_(wanted[start : start + CHUNK]),
                )
            ).all()
        )
    return found


def link_workers(session: Session, employer_id: int, links: Sequence[tuple[str, str]]) -> None:
    """Point each dependant at their worker, both looked up by NIK in one pass."""
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
