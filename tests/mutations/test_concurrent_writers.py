"""Writers racing over the same people (on PostgreSQL, rows locked in opposite orders used to
deadlock): each waits for the other, one wins, the other gets the conflict message, and the
data is right."""

from __future__ import annotations

import threading
from datetime import date

import sqlalchemy as sa

from edabu_lite.audit.operations import Actor, verify_chain
from edabu_lite.extensions import db
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.models import BatchStatus, MutationBatch
from edabu_lite.mutations.rules import Kind, Reason, Request
from edabu_lite.roster.models import Participant, Relationship, Status
from tests.world import add_generated

TODAY = date(2026, 11, 22)
ACTOR = Actor("hr", "cli")


def plan(session, employer, niks, reason):  # type: ignore[no-untyped-def]
    items = [
        ops.ItemInput(nik=nik, request=Request(Kind.DEACTIVATE, reason), row=row)
        for row, nik in enumerate(niks, start=2)
    ]
    return ops.plan_batch(session, employer.id, items, ACTOR, source="sheet", today=TODAY)


def test_two_batches_over_the_same_people_in_opposite_orders(app, session, employer):
    add_generated(session, employer, 900, seed=11)
    workers = session.scalars(
        sa.select(Participant.nik)
        .where(Participant.relationship == Relationship.WORKER)
        .order_by(Participant.id)
        .limit(300)
    ).all()
    first = plan(session, employer, workers, Reason.MENGUNDURKAN_DIRI).id
    second = plan(session, employer, list(reversed(workers)), Reason.PENSIUN).id
    start = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def apply(batch_id: int) -> None:
        with app.app_context():
            batch = db.session.get(MutationBatch, batch_id)
            start.wait()
            try:
                ops.apply_batch(db.session, batch, ACTOR)
                outcomes[batch_id] = "applied"
            except ops.MutationError as error:
                outcomes[batch_id] = error.code
            except Exception as error:  # a deadlock, a 500: what must not happen
                outcomes[batch_id] = f"{type(error).__name__}: {error}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=apply, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes.values()) == ["applied", "mutation.conflict"], outcomes
    session.expire_all()
    winner = next(b for b, outcome in outcomes.items() if outcome == "applied")
    reason = "MENGUNDURKAN_DIRI" if winner == first else "PENSIUN"
    ended = session.scalars(sa.select(Participant).where(Participant.nik.in_(workers))).all()
    assert {p.status for p in ended} == {Status.INACTIVE}
    assert {p.end_reason for p in ended} == {reason}  # all of one batch, none of the other
    loser = session.get(MutationBatch, next(b for b in outcomes if b != winner))
    assert loser.status != BatchStatus.APPLIED
    assert verify_chain(session, employer.id).ok
