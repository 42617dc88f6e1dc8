"""Writing and verifying the audit trail.

``record`` is called by every operation inside the transaction that makes the change, so a
change and its audit event commit or roll back together. The caller commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer
from edabu_lite.audit.chain import HASHED_FIELDS, event_hash, jsonable
from edabu_lite.audit.models import AuditEvent
from edabu_lite.database import bulk_insert, sql_timestamp, utcnow


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, from where: a web user, the CLI's named actor, a job."""

    name: str
    source: str  # web / cli / api / job
    user_id: int | None = None
    client_addr: str | None = None

    def for_job(self) -> Actor:
        """The same person acting through a background job."""
        return Actor(self.name, "job", self.user_id, self.client_addr)


@dataclass(frozen=True, slots=True)
class Change:
    """One audit event's variable part."""

    action: str
    target_type: str | None = None
    target_id: object = None
    target_label: str | None = None
    nik: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    batch_id: int | None = None
    job_id: int | None = None


def _lock_chain_head(session: Session, employer_id: int) -> Employer:
    """Serialise writers of one employer's chain on the employer row (FOR UPDATE on
    PostgreSQL; SQLite has a single writer anyway)."""
    stmt = sa.select(Employer).where(Employer.id == employer_id).with_for_update()
    employer = session.execute(stmt).scalar_one()
    session.refresh(employer, ["audit_seq", "audit_head"])
    return employer


def record(session: Session, employer_id: int, actor: Actor, change: Change) -> None:
    """Append one event to the employer's chain."""
    record_many(session, employer_id, actor, [change])


def record_many(session: Session, employer_id: int, actor: Actor, changes: Iterable[Change]) -> int:
    """Append events in order with one lock and one bulk insert; returns how many."""
    employer = _lock_chain_head(session, employer_id)
    seq, head = employer.audit_seq, employer.audit_head
    now = utcnow()
    stamp = sql_timestamp(now)
    rows = []
    for change in changes:
        seq += 1
        fields = _fields(employer_id, seq, now, actor, change, head)
        fields["hash"] = head = event_hash(fields)
        rows.append(_stored(fields, stamp))
    if not rows:
        return 0
    bulk_insert(session, AuditEvent.__table__, STORED_FIELDS, rows)
    employer.audit_seq, employer.audit_head = seq, head
    session.flush()
    return len(rows)


STORED_FIELDS = (*HASHED_FIELDS, "hash")


def _stored(fields: dict[str, Any], stamp: str) -> tuple[Any, ...]:
    """One event in database form (`bulk_insert`): before/after as the JSON text
    SQLAlchemy's JSON type would write, created_at as ``stamp``."""
    fields["before"] = json.dumps(fields["before"])
    fields["after"] = json.dumps(fields["after"])
    fields["created_at"] = stamp
    return tuple(fields[name] for name in STORED_FIELDS)


def _fields(
    employer_id: int, seq: int, now: datetime, actor: Actor, change: Change, prev_hash: str | None
) -> dict[str, Any]:
    return {
        "employer_id": employer_id,
        "seq": seq,
        "created_at": now,
        "actor": actor.name[:120],
        "actor_user_id": actor.user_id,
        "source": actor.source,
        "action": change.action,
        "target_type": change.target_type,
        "target_id": None if change.target_id is None else str(change.target_id),
        "target_label": change.target_label,
        "nik": change.nik,
        "before": jsonable(change.before),
        "after": jsonable(change.after),
        "batch_id": change.batch_id,
        "job_id": change.job_id,
        "client_addr": actor.client_addr,
        "prev_hash": prev_hash,
    }


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str | None = None


def verify_chain(session: Session, employer_id: int) -> Verification:
    """Recompute the employer's chain; name the first event that was edited, deleted or
    reordered. Streams the events, so memory does not grow with the trail."""
    employer = session.get(Employer, employer_id)
    expected_prev: str | None = None
    checked = 0
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.employer_id == employer_id)
        .order_by(AuditEvent.seq, AuditEvent.id)
        .execution_options(yield_per=2000)
    )
    with closing(session.scalars(stmt)) as events:  # a server-side cursor on PostgreSQL
        for event in events:
            checked += 1
            problem = _check_event(event, checked, expected_prev)
            if problem:
                return Verification(False, checked, event.seq, event.id, problem)
            expected_prev = event.hash
    if employer is not None and (
        employer.audit_seq != checked or employer.audit_head != expected_prev
    ):
        return Verification(
            False,
            checked,
            checked + 1,
            None,
            "events after the last one found are missing (the chain head does not match)",
        )
    return Verification(True, checked)


def _check_event(event: AuditEvent, position: int, expected_prev: str | None) -> str | None:
    if event.seq != position:
        return f"expected event #{position} here, found #{event.seq} (deleted or reordered)"
    if event.prev_hash != expected_prev:
        return "the link to the previous event is broken (an event before it was changed)"
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    if event_hash(fields) != event.hash:
        return "the event's content does not match its hash (edited)"
    return None
