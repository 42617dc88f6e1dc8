"""Events prepared ahead (as a large import does while it writes) hash and chain exactly
like events recorded one by one, and so does an `EventRun`'s fast path."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from edabu_lite.audit.chain import Canonical, encode, encode_flat, event_hash, linked_hash
from edabu_lite.audit.keys import Keyring, keyring
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import (
    RUN_COLUMNS,
    STORED_FIELDS,
    Actor,
    Change,
    EventRun,
    append_events,
    link_events,
    lock_chain_head,
    prepare_events,
    record,
    verify_chain,
)
from edabu_lite.database import connection_of, write_behind

ACTOR = Actor("tester", "cli")
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text())
snapshots = st.one_of(st.none(), st.dictionaries(st.text(max_size=10), scalars, max_size=8))


@given(
    after=snapshots,
    before=snapshots,
    label=st.one_of(st.none(), st.text()),
    name=st.text(min_size=1, max_size=130),
    user_id=st.one_of(st.none(), st.integers(1, 10**6)),
    addr=st.one_of(st.none(), st.text(max_size=20)),
    target=st.one_of(st.none(), st.integers(), st.text(max_size=20)),
    prev=st.one_of(st.none(), st.text("0123456789abcdef", min_size=64, max_size=64)),
)
def test_prepared_hash_equals_the_hash_verify_recomputes(  # type: ignore[no-untyped-def]
    after, before, label, name, user_id, addr, target, prev
) -> None:
    now = datetime(2026, 11, 22, 1, 2, 3, 4)
    actor = Actor(name, "web", user_id, addr)
    if after is not None:
        after = {**after, "prev_hash": prev}  # a nested look-alike must not confuse it
    change = Change(
        "participant.import_insert",
        "participant",
        target,
        label,
        "3273015507900001",
        before=before,
        after=after,
        job_id=3,
    )
    [event] = prepare_events(1, 7, now, actor, [change])
    # What verify_chain reads back: the stored columns, JSON decoded, created_at a datetime.
    stored = dict(zip(STORED_FIELDS, event.stored, strict=False))
    stored.update(
        created_at=now,
        before=json.loads(stored["before"]),
        after=json.loads(stored["after"]),
        prev_hash=prev,
    )
    sign = hmac_signer(b"any key")
    assert linked_hash(event.head, event.tail, prev, sign) == event_hash(stored, sign)
    assert stored["actor"] == name[:120]


def test_prepared_events_continue_the_chain(session, employer) -> None:  # type: ignore[no-untyped-def]
    record(session, employer.id, ACTOR, Change("test.before"))
    first = lock_chain_head(session, employer.id).audit_seq + 1
    now = datetime(2026, 11, 22, 8, 0, 0)
    changes = [
        Change("test.prepared", "thing", i, after={"n": i, "on": now.date()}) for i in range(3)
    ]
    prepared = prepare_events(employer.id, first, now, ACTOR, changes)
    assert append_events(session, prepared) == 3
    record(session, employer.id, ACTOR, Change("test.after"))
    session.commit()
    assert verify_chain(session, employer.id).ok
    stored = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "test.prepared").order_by(AuditEvent.seq)
    ).all()
    assert [e.after for e in stored] == [{"n": i, "on": "2026-11-22"} for i in range(3)]
    assert stored[0].created_at == now and stored[0].before is None


def test_prepared_events_must_start_at_the_head(session, employer) -> None:  # type: ignore[no-untyped-def]
    prepared = prepare_events(employer.id, 5, datetime(2026, 1, 1), ACTOR, [Change("x")])
    with pytest.raises(ValueError, match="start at #5"):
        append_events(session, prepared)


nik_like = st.text("0123456789", min_size=16, max_size=16)
labels = st.text(max_size=20)


@given(
    items=st.lists(
        st.tuples(
            st.integers(1, 10**9),
            labels,
            nik_like,
            st.dictionaries(st.text(max_size=8), scalars, max_size=6),
        ),
        max_size=5,
    ),
    name=st.text(min_size=1, max_size=130),
    user_id=st.one_of(st.none(), st.integers(1, 10**6)),
    addr=st.one_of(st.none(), st.text(max_size=20)),
    job_id=st.one_of(st.none(), st.integers(1, 10**6)),
    first=st.integers(1, 10**6),
)
def test_an_event_run_prepares_what_prepare_events_does(  # type: ignore[no-untyped-def]
    items, name, user_id, addr, job_id, first
) -> None:
    now = datetime(2026, 11, 22, 1, 2, 3, 4)
    actor = Actor(name, "job", user_id, addr)
    run = EventRun(1, now, actor, "participant.import_insert", "participant", job_id)
    fast = run.prepare(
        first, [(t, label, nik, Canonical(encode(after))) for t, label, nik, after in items]
    )
    slow = prepare_events(
        1,
        first,
        now,
        actor,
        [
            Change(
                "participant.import_insert",
                "participant",
                t,
                label,
                nik,
                after=after,
                job_id=job_id,
            )
            for t, label, nik, after in items
        ],
    )
    assert [(e.seq, e.head, e.tail) for e in fast] == [(e.seq, e.head, e.tail) for e in slow]
    for quick, full in zip(fast, slow, strict=True):
        stored = {**run.shared_columns(), **dict(zip(RUN_COLUMNS, quick.stored, strict=True))}
        assert tuple(stored[f] for f in STORED_FIELDS[:-2]) == full.stored


def test_an_event_run_inserts_shared_values_once_per_statement(session, employer) -> None:  # type: ignore[no-untyped-def]
    """Shared values are written into the statement as literals (SQLite: one executemany a
    chunk) or sent with each row (PostgreSQL: one COPY for the run): quotes, percent signs
    and backslashes in them (an actor's name) must arrive unchanged, on either database."""
    head = lock_chain_head(session, employer.id)
    actor = Actor('O\'Brien 100% \\ "x" --', "web", None, "10.0.0.1")
    run = EventRun(
        employer.id, datetime(2026, 11, 22, 8), actor, "participant.import_insert", "participant", 9
    )
    after = Canonical(encode({"nik": "3273015507900001", "name": "Ani"}))
    with (
        write_behind(session) as (writer, _reader),
        run.stream(writer, connection_of(session), pending=1) as write,
    ):
        for count in (3, 70):
            events = run.prepare(
                head.audit_seq + 1,
                [(n, "3273****0001", "3273015507900001", after) for n in range(count)],
            )
            rows, head.audit_head = link_events(
                events, head.audit_seq, head.audit_head, keyring().signer()
            )
            write(rows)
            head.audit_seq += count
    session.commit()
    assert verify_chain(session, employer.id).ok
    stored = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.job_id == 9).order_by(AuditEvent.seq)
    ).all()
    assert len(stored) == 73
    assert {(e.actor, e.client_addr, e.source, e.before) for e in stored} == {
        ('O\'Brien 100% \\ "x" --', "10.0.0.1", "web", None)
    }
    assert stored[-1].after == {"nik": "3273015507900001", "name": "Ani"}


flat_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(),
    st.dates(),
    st.datetimes(),
    st.floats(),
    st.lists(st.integers(), max_size=2),  # these two take the slow way
)


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(st.one_of(st.text(), st.integers()), flat_values, max_size=20))
def test_encode_flat_writes_what_encode_writes(values) -> None:  # type: ignore[no-untyped-def]
    """The fast encoder of imported snapshots must match the canonical one byte for byte:
    verification re-encodes the stored value with `encode`."""
    try:
        expected = encode(values)
    except (TypeError, ValueError):  # keys of mixed types cannot be sorted
        return
    assert encode_flat(values) == expected


def hmac_signer(secret: bytes):  # type: ignore[no-untyped-def]
    return Keyring({"k": secret}, "k").signer()
