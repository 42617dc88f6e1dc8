"""Writing and verifying the audit trail.

``record`` is called by every operation inside the transaction that makes the change, so a
change and its audit event commit or roll back together. The caller commits.

Recording is two steps, `prepare_events` (the costly JSON, pure) and `append_events` (link
the hashes to the chain head, bulk insert), so a large import can prepare the events of its
next chunks in a helper process while it writes the current one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer
from edabu_lite.audit.chain import (
    HASHED_FIELDS,
    event_hash,
    jsonable,
    linked_hash,
    split_canonical,
)
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


def lock_chain_head(session: Session, employer_id: int) -> Employer:
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
    employer = lock_chain_head(session, employer_id)
    events = prepare_events(employer_id, employer.audit_seq + 1, utcnow(), actor, changes)
    return append_events(session, events)


class PreparedEvent(NamedTuple):
    """An event ready to append to the chain."""

    stored: tuple[Any, ...]  # database form of STORED_FIELDS up to client_addr
    head: bytes  # canonical text before the prev_hash value
    tail: bytes  # ...and after it


STORED_FIELDS = (*HASHED_FIELDS, "hash")
_UNLINKED = HASHED_FIELDS[: HASHED_FIELDS.index("prev_hash")]
_EMPLOYER, _SEQ = _UNLINKED.index("employer_id"), _UNLINKED.index("seq")


def prepare_events(
    employer_id: int, first_seq: int, now: datetime, actor: Actor, changes: Iterable[Change]
) -> list[PreparedEvent]:
    """The costly part of recording (pure, so an import runs it in its helper process, for
    numbers ``first_seq``... reserved in advance): plain before/after values, their stored
    JSON text (what SQLAlchemy's JSON type would write) and the canonical text."""
    stamp = sql_timestamp(now)
    prepared = []
    for seq, change in enumerate(changes, first_seq):
        fields = _fields(employer_id, seq, now, actor, change, None)
        head, tail = split_canonical(fields)
        fields["before"] = json.dumps(fields["before"])
        fields["after"] = json.dumps(fields["after"])
        fields["created_at"] = stamp
        prepared.append(PreparedEvent(tuple(fields[name] for name in _UNLINKED), head, tail))
    return prepared


def append_events(session: Session, events: Sequence[PreparedEvent]) -> int:
    """Link prepared events to the chain head, in order, and insert them; returns how many.
    They must continue the chain: their numbers start right after the head's."""
    if not events:
        return 0
    first = events[0].stored
    employer = lock_chain_head(session, first[_EMPLOYER])
    seq, head = employer.audit_seq, employer.audit_head
    if first[_SEQ] != seq + 1:
        raise ValueError(f"events start at #{first[_SEQ]}, the chain is at #{seq}")
    rows = []
    for event in events:
        linked = linked_hash(event.head, event.tail, head)
        rows.append((*event.stored, head, linked))
        head = linked
    bulk_insert(session, AuditEvent.__table__, STORED_FIELDS, rows)
    employer.audit_seq, employer.audit_head = seq + len(rows), head
    session.flush()
    return len(rows)


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
