"""Writing and verifying the audit trail.

``record`` is called by every operation inside the transaction that makes the change, so a
change and its audit event commit or roll back together. The caller commits.

Recording is two steps, `prepare_events` (the costly JSON, pure) and `append_events` (link
the hashes to the chain head, bulk insert), so a large import can prepare the events of its
next chunks while it writes the current one. `EventRun` is the fast path for the long runs
of alike events an import commit writes (one per person inserted).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Employer
from edabu_lite.actor import Actor
from edabu_lite.audit.chain import (
    HASHED_FIELDS,
    Canonical,
    Signer,
    canonical,
    encode,
    encode_text,
    linked_hash,
    split_encoded,
)
from edabu_lite.audit.keys import Keyring, keyring
from edabu_lite.audit.models import AuditEvent
from edabu_lite.database import (
    InlineWrites,
    WriteBehind,
    bulk_insert,
    insert_stream,
    sql_timestamp,
    utcnow,
)

#: The action of the event that switches a chain to a new key (`record_key_rotation`).
KEY_ROTATED = "audit.key_rotated"
#: ``session.info`` key: employer id -> the actions of the events this session appended to
#: its chain since its last commit or rollback. Whoever keeps results derived from an
#: employer's data (Beranda's snapshot) reads it after the commit, without the audit trail
#: knowing about them.
CHAINS_MOVED = "edabu.audit_chains_moved"


@dataclass(frozen=True, slots=True)
class Change:
    """One audit event's variable part."""

    action: str
    target_type: str | None = None
    target_id: object = None
    target_label: str | None = None
    nik: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | Canonical | None = None
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

    seq: int
    stored: tuple[Any, ...]  # database form of its columns up to client_addr (see link_events)
    head: bytes  # canonical text before the prev_hash value
    tail: bytes  # ...and after it


STORED_FIELDS = (*HASHED_FIELDS, "hash")
_UNLINKED = HASHED_FIELDS[: HASHED_FIELDS.index("prev_hash")]
_EMPLOYER = _UNLINKED.index("employer_id")
_ACTION = _UNLINKED.index("action")


def prepare_events(
    employer_id: int, first_seq: int, now: datetime, actor: Actor, changes: Iterable[Change]
) -> list[PreparedEvent]:
    """The costly part of recording (pure, so it can run ahead of the writing, for numbers
    ``first_seq``... reserved in advance): the stored values, with before/after as their
    canonical JSON text (what the hash covers is what is stored), and the canonical text
    around prev_hash. What every event of the run shares is encoded once."""
    stamp = sql_timestamp(now)
    name = actor.name[:120]
    shared = {
        "employer_id": encode(employer_id),
        "created_at": encode(now),
        "actor": encode(name),
        "actor_user_id": encode(actor.user_id),
        "source": encode(actor.source),
        "client_addr": encode(actor.client_addr),
    }
    prepared = []
    for seq, change in enumerate(changes, first_seq):
        target_id = None if change.target_id is None else str(change.target_id)
        before = "null" if change.before is None else encode(change.before)
        after = "null" if change.after is None else encode(change.after)
        head, tail = split_encoded(
            **shared,
            seq=str(seq),
            action=encode(change.action),
            target_type=encode(change.target_type),
            target_id=encode(target_id),
            target_label=encode(change.target_label),
            nik=encode(change.nik),
            before=before,
            after=after,
            batch_id=encode(change.batch_id),
            job_id=encode(change.job_id),
        )
        stored = (
            employer_id, seq, stamp, name, actor.user_id, actor.source, change.action,
            change.target_type, target_id, change.target_label, change.nik, before, after,
            change.batch_id, change.job_id, actor.client_addr,
        )  # fmt: skip
        prepared.append(PreparedEvent(seq, stored, head, tail))
    return prepared


@dataclass(frozen=True, slots=True)
class EventRun:
    """A long run of events that differ only in target, NIK and ``after`` snapshot (the
    people a roster import inserts): what they share is encoded once, each event costs a
    few string joins, and `stream` writes the shared columns once per statement rather than
    once per row (on SQLite; PostgreSQL's COPY takes them row by row). Same canonical text
    and stored values as `prepare_events` would give."""

    employer_id: int
    now: datetime
    actor: Actor
    action: str
    target_type: str
    job_id: int | None

    def prepare(
        self, first_seq: int, items: Iterable[tuple[object, str, str | None, Canonical]]
    ) -> list[PreparedEvent]:
        """Events numbered from ``first_seq``, one per ``(target_id, target_label, nik,
        after)``, stored as `RUN_COLUMNS` (with `shared_columns` for the rest)."""
        h0, h1, h2, t0, t1, t2, t3 = self._template()
        prepared = []
        for seq, (target, label, nik, after) in enumerate(items, first_seq):
            target_id = str(target)
            # a newborn may have no NIK yet: JSON null, as `encode` writes it
            head = f"{h0}{after}{h1}{'null' if nik is None else encode_text(nik)}{h2}"
            tail = f"{t0}{seq}{t1}{encode_text(target_id)}{t2}{encode_text(label)}{t3}"
            stored = (seq, target_id, label, nik, str.__str__(after))
            prepared.append(PreparedEvent(seq, stored, head.encode(), tail.encode()))
        return prepared

    def shared_columns(self) -> dict[str, Any]:
        """The stored values every event of the run has, by column (database form)."""
        actor = self.actor
        return {
            "employer_id": self.employer_id, "created_at": sql_timestamp(self.now),
            "actor": actor.name[:120], "actor_user_id": actor.user_id, "source": actor.source,
            "action": self.action, "target_type": self.target_type, "before": "null",
            "batch_id": None, "job_id": self.job_id, "client_addr": actor.client_addr,
        }  # fmt: skip

    def stream(
        self, writer: WriteBehind | InlineWrites, bind: Session | sa.Connection, pending: int
    ) -> AbstractContextManager[Callable[[Sequence[tuple[Any, ...]]], None]]:
        """A function that inserts linked rows (`link_events` of `prepare`'s events), chunk
        after chunk of a long run, by ``writer`` (`insert_stream`: one COPY on PostgreSQL)."""
        return insert_stream(writer, bind, AuditEvent.__table__, RUN_FIELDS,
                             shared=self.shared_columns(), pending=pending)  # fmt: skip

    def _template(self) -> list[str]:
        """The canonical text around the varying values, in the order `split_encoded`
        writes them: after, nik | seq, target_id, target_label."""
        shared = {name: encode(value) for name, value in self.shared_columns().items()}
        # Two differ from their stored form: the timestamp (ISO text with a "T") and the
        # missing before (JSON null, stored as the text "null").
        shared.update(created_at=encode(self.now), before="null")
        slots = {name: f"\x00{name}\x00" for name in _RUN_SLOTS}  # never in encoded text
        head, tail = split_encoded(**shared, **slots)
        pieces = re.split("\x00(\\w+)\x00", head.decode() + "\x01" + tail.decode())
        texts, names = pieces[0::2], pieces[1::2]
        if names != list(_RUN_SLOTS):  # pragma: no cover - split_encoded's key order changed
            raise AssertionError(f"unexpected slot order {names}")
        h2, t0 = texts[2].split("\x01")
        return [texts[0], texts[1], h2, t0, texts[3], texts[4], texts[5]]


_RUN_SLOTS = ("after", "nik", "seq", "target_id", "target_label")  # canonical key order
RUN_COLUMNS = ("seq", "target_id", "target_label", "nik", "after")  # EventRun's stored tuple
RUN_FIELDS = (*RUN_COLUMNS, "prev_hash", "hash")


def append_events(session: Session, events: Sequence[PreparedEvent]) -> int:
    """Link prepared events to the chain head, in order, and insert them; returns how many.
    They must continue the chain: their numbers start right after the head's."""
    if not events:
        return 0
    employer = lock_chain_head(session, events[0].stored[_EMPLOYER])
    rows, head = link_events(events, employer.audit_seq, employer.audit_head, keyring().signer())
    insert_events(session, rows)
    employer.audit_seq, employer.audit_head = employer.audit_seq + len(rows), head
    session.flush()
    note_chain_moved(session, employer.id, {event.stored[_ACTION] for event in events})
    return len(rows)


def note_chain_moved(session: Session, employer_id: int, actions: Iterable[str]) -> None:
    """Remember, until the session commits or rolls back, that the employer's chain moved
    with events of these actions (`CHAINS_MOVED`)."""
    moved = session.info.setdefault(CHAINS_MOVED, {})
    moved.setdefault(employer_id, set()).update(actions)


def link_events(
    events: Sequence[PreparedEvent], seq: int, head: str | None, sign: Signer
) -> tuple[list[tuple[Any, ...]], str | None]:
    """The database rows of ``events`` chained after event ``seq`` whose hash is ``head``,
    signed by ``sign``, and the new head (pure: a long import links chunk after chunk,
    keeping the head itself, and leaves the writing to `insert_events`)."""
    if events and events[0].seq != seq + 1:
        raise ValueError(f"events start at #{events[0].seq}, the chain is at #{seq}")
    rows = []
    for event in events:
        linked = linked_hash(event.head, event.tail, head, sign)
        rows.append((*event.stored, head, linked))
        head = linked
    return rows, head


def insert_events(session: Session | sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert linked rows from `link_events`; the caller moves the employer's chain head."""
    bulk_insert(session, AuditEvent.__table__, STORED_FIELDS, rows)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str | None = None
    head: str | None = None  # the last event's hash, when the chain holds


def verify_chain(session: Session, employer_id: int) -> Verification:
    """Recompute the employer's chain; name the first event that was edited, deleted or
    reordered. Streams the events, so memory does not grow with the trail.

    Each event must be signed by the key in effect: the first event's (any key of the key
    file), then the one each ``audit.key_rotated`` event names, from that event on. An
    edit recomputed without the key, or with a retired key after its rotation, fails."""
    employer = session.get(Employer, employer_id)
    ring = keyring()
    check = _ChainCheck(ring)
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.employer_id == employer_id)
        .order_by(AuditEvent.seq, AuditEvent.id)
        .execution_options(yield_per=2000)
    )
    with closing(session.scalars(stmt)) as events:  # a server-side cursor on PostgreSQL
        for event in events:
            problem = check.next(event)
            if problem:
                return Verification(False, check.checked, event.seq, event.id, problem)
    if employer is not None and (
        employer.audit_seq != check.checked or employer.audit_head != check.head
    ):
        return Verification(
            False,
            check.checked,
            check.checked + 1,
            None,
            "events after the last one found are missing (the chain head does not match)",
        )
    return Verification(True, check.checked, head=check.head)


class _ChainCheck:
    def __init__(self, ring: Keyring) -> None:
        self.ring = ring
        self.key: str | None = None
        self.checked = 0
        self.head: str | None = None

    def next(self, event: AuditEvent) -> str | None:
        self.checked += 1
        position = self.checked
        if event.seq != position:
            return f"expected event #{position} here, found #{event.seq} (deleted or reordered)"
        if event.prev_hash != self.head:
            return "the link to the previous event is broken (an event before it was changed)"
        data = canonical({name: getattr(event, name) for name in HASHED_FIELDS}).encode()
        key = self.key
        if event.action == KEY_ROTATED:
            key = str((event.after or {}).get("key_id"))
            if key not in self.ring.keys:
                return "a key rotation names a key the key file does not hold"
        elif key is None:  # the first event: whichever key of the file signed it
            key = next((k for k in self.ring.keys if self.ring.sign(k, data) == event.hash), None)
            if key is None:
                return "the event's content does not match its hash under any key (edited)"
        if self.ring.sign(key, data) != event.hash:
            return "the event's content does not match its hash (edited)"
        self.key, self.head = key, event.hash
        return None


def record_key_rotation(
    session: Session, employer_id: int, actor: Actor, previous: str | None, new: str
) -> None:
    """The chain's own record that events from here on are signed with key ``new``."""
    record(
        session,
        employer_id,
        actor,
        Change(KEY_ROTATED, "audit", None, new, after={"key_id": new, "previous_key_id": previous}),
    )
