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
from edabu_lite.mutations.rules import MutationKind, Reason, Request
from edabu_lite.roster.models import Participant, Relationship, Status
from tests.world import add_generated

TODAY = date(2026, 11, 22)
ACTOR = Actor("hr", "cli")


def plan(session, employer, niks, reason):  # type: ignore[no-untyped-def]
    items = [
        ops.ItemInput(nik=nik, request=Request(MutationKind.DEACTIVATE, reason), row=row)
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


def test_a_roster_commit_racing_a_batch_over_the_same_people(app, session, employer, tmp_path):
    """An upload that changes 300 workers' wages, committed while a batch deactivates the same
    workers: both lock the people by id after the audit chain's head, so one waits for the
    other. Either both land (the wages and the deactivations, in either order) or the later
    is refused with its conflict message; never a deadlock, and the chain stays whole."""
    from edabu_lite.demo_data import generate_families
    from edabu_lite.imports import operations as jobs
    from edabu_lite.imports.models import ImportJob, JobKind
    from edabu_lite.roster.importing import (
        ImportBlocked,
        ImportConflict,
        Limits,
        commit_roster,
        stage_roster,
    )
    from tests.sheet_factory import write_roster

    limits = Limits(max_bytes=20 * 1024 * 1024, max_rows=10_000)
    rows = list(generate_families(900, seed=12))

    def preview(people, name):  # type: ignore[no-untyped-def]
        path = write_roster(tmp_path / name, people)
        job = jobs.create_job(session, employer.id, JobKind.ROSTER, name, path.read_bytes(), ACTOR)
        jobs.start_processing(session, job)
        stage_roster(session, job, str(path), limits)
        return job

    commit_roster(session, preview(rows, "first.xlsx"), ACTOR, valid_only=True)
    registered = session.scalars(
        sa.select(Participant.nik)
        .where(Participant.relationship == Relationship.WORKER)
        .order_by(Participant.id)
        .limit(300)
    ).all()
    raised = {r["nik"]: r["wage"] + 250_000 for r in rows if r["nik"] in set(registered)}
    upload = preview([dict(r, wage=raised.get(r["nik"], r["wage"])) for r in rows], "new.xlsx")
    assert upload.planned_updates == len(raised) > 250  # a few generated NIKs are respelled
    batch = plan(session, employer, sorted(raised, reverse=True), Reason.PENSIUN).id
    job_id = upload.id
    session.commit()
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name: str, write) -> None:  # type: ignore[no-untyped-def]
        with app.app_context():
            start.wait()
            try:
                write()
                outcomes[name] = "done"
            except ops.MutationError as error:
                outcomes[name] = error.code
            except (ImportConflict, ImportBlocked) as error:
                outcomes[name] = f"import refused: {type(error).__name__}"
            except Exception as error:  # a deadlock, a 500: what must not happen
                outcomes[name] = f"{type(error).__name__}: {error}"
            finally:
                db.session.remove()

    def commit() -> None:
        commit_roster(db.session, db.session.get(ImportJob, job_id), ACTOR, valid_only=True)

    def apply() -> None:
        ops.apply_batch(db.session, db.session.get(MutationBatch, batch), ACTOR)

    threads = [
        threading.Thread(target=run, args=("import", commit)),
        threading.Thread(target=run, args=("batch", apply)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    allowed = {"done", "mutation.conflict", "import refused: ImportConflict"}
    assert set(outcomes) == {"import", "batch"} and set(outcomes.values()) <= allowed, outcomes
    assert "done" in outcomes.values(), outcomes
    session.expire_all()
    people = {
        p.nik: p for p in session.scalars(sa.select(Participant).where(Participant.nik.in_(raised)))
    }
    if outcomes["import"] == "done":
        assert all(p.wage == raised[nik] for nik, p in people.items())
    else:
        assert all(p.wage == raised[nik] - 250_000 for nik, p in people.items())
    statuses = {p.status for p in people.values()}
    assert statuses == ({Status.INACTIVE} if outcomes["batch"] == "done" else {Status.ACTIVE})
    assert verify_chain(session, employer.id).ok
