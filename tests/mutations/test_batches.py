"""Mutation batches against the database: plan, approval paths, apply, conflicts, revert."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import Actor, verify_chain
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.models import BatchStatus
from edabu_lite.mutations.revert import revert_batch
from edabu_lite.mutations.rules import MutationKind, PhkProof, Reason, Request
from edabu_lite.roster.models import Participant, Segment, Status
from tests.factories import register

TODAY = date(2026, 11, 22)
PHK_DAY = date(2026, 11, 14)  # the event date of a PHK or a death
WORKER = "3273015507900001"


@pytest.fixture
def maker(users):  # type: ignore[no-untyped-def]
    """The operator who plans batches (a real user: batches record who made them)."""
    return Actor("operator", "web", users[Role.OPERATOR].id)


@pytest.fixture
def checker(users):  # type: ignore[no-untyped-def]
    """Another user, an admin, who reviews them."""
    return Actor("admin", "web", users[Role.ADMIN].id)


@pytest.fixture
def household(session, employer):  # type: ignore[no-untyped-def]
    return register(session, employer)


def plan(session, employer, actor, *items):  # type: ignore[no-untyped-def]
    inputs = [
        ops.ItemInput(nik=nik, request=request, row=i + 2) for i, (nik, request) in enumerate(items)
    ]
    return ops.plan_batch(session, employer.id, inputs, actor, source="web", today=TODAY)


def statuses(session) -> dict[str, Status]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {p.nik: p.status for p in session.scalars(sa.select(Participant))}


def test_phk_with_proof_deactivates_family_with_continued_coverage(
    session, employer, household, maker
):
    batch = plan(
        session,
        employer,
        maker,
        (
            WORKER,
            Request(MutationKind.DEACTIVATE, Reason.PHK, event_date=PHK_DAY, phk_proof=PhkProof.A),
        ),
    )
    assert batch.error_items == 0 and batch.affected == 4
    assert set(statuses(session).values()) == {Status.ACTIVE}  # nothing changed yet
    ops.apply_batch(session, batch, maker)
    assert set(statuses(session).values()) == {Status.INACTIVE}
    worker = session.scalars(sa.select(Participant).where(Participant.nik == WORKER)).one()
    assert worker.end_date == date(2026, 12, 1) and worker.end_reason == "PHK"
    assert worker.phk_date == PHK_DAY and worker.event_date == PHK_DAY
    assert worker.continued_coverage_until == date(2027, 5, 14)
    assert worker.continued_coverage_until is not None
    assert worker.continued_coverage_until.year == 2027 and worker.version == 2
    events = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "participant.mutation", AuditEvent.batch_id == batch.id
        )
    ).all()
    assert len(events) == 4 and {e.after["status"] for e in events} == {"NONAKTIF"}
    assert verify_chain(session, employer.id).ok


def test_move_to_mandiri_takes_same_kk_family(session, employer, household, maker):
    batch = plan(
        session, employer, maker, (WORKER, Request(MutationKind.MOVE_TO_MANDIRI, mandiri_class=2))
    )
    ops.apply_batch(session, batch, maker)
    session.expire_all()
    people = session.scalars(sa.select(Participant)).all()
    assert {p.segment for p in people} == {Segment.PBPU}
    assert {p.mandiri_class for p in people} == {2}


def test_unknown_nik_and_rule_errors_block_the_batch(session, employer, household, maker):
    batch = plan(
        session,
        employer,
        maker,
        ("3273010101800099", Request(MutationKind.DEACTIVATE, Reason.PHK, event_date=PHK_DAY)),
        (WORKER, Request(MutationKind.MOVE_TO_MANDIRI)),
    )
    assert batch.error_items == 2
    codes = {
        i["code"] for item in session.scalars(sa.select(ops.MutationItem)) for i in item.issues
    }
    assert {"mutation.unknown_nik", "mutation.class_required"} <= codes
    with pytest.raises(ops.MutationError) as refused:
        ops.apply_batch(session, batch, maker)
    assert refused.value.code == "batch.has_errors"
    assert set(statuses(session).values()) == {Status.ACTIVE}


def test_later_item_sees_earlier_one_deceased_worker_child_to_mandiri(
    session, employer, household, maker
):
    child = "3273015005150003"
    batch = plan(
        session,
        employer,
        maker,
        (WORKER, Request(MutationKind.DEACTIVATE, Reason.MENINGGAL, event_date=PHK_DAY)),
        (child, Request(MutationKind.MOVE_TO_MANDIRI, mandiri_class=3)),
    )
    assert batch.error_items == 0
    ops.apply_batch(session, batch, maker)
    result = statuses(session)
    assert result[WORKER] == Status.DECEASED and result[child] == Status.MOVED_TO_MANDIRI


def test_approval_required_maker_checker(session, employer, household, maker, checker):
    employer.mutations_need_approval = True
    session.commit()
    batch = plan(
        session, employer, maker, (WORKER, Request(MutationKind.DEACTIVATE, Reason.PENSIUN))
    )
    with pytest.raises(ops.MutationError, match=r"batch\.needs_approval"):
        ops.apply_batch(session, batch, maker)
    ops.submit_batch(session, batch, maker)
    with pytest.raises(ops.MutationError, match=r"batch\.not_admin"):
        ops.review_batch(session, batch, checker, Role.OPERATOR, approve=True)
    admin_maker = Actor("operator", "web", maker.user_id)  # the maker, even as an admin
    with pytest.raises(ops.MutationError, match=r"batch\.self_review"):
        ops.review_batch(session, batch, admin_maker, Role.ADMIN, approve=True)
    assert set(statuses(session).values()) == {Status.ACTIVE}
    ops.review_batch(session, batch, checker, Role.ADMIN, approve=True, note="ok")
    assert batch.status == BatchStatus.APPLIED and batch.reviewed_by == "admin"
    assert set(statuses(session).values()) == {Status.INACTIVE}
    with pytest.raises(ops.MutationError, match=r"batch\.state"):
        ops.review_batch(session, batch, checker, Role.ADMIN, approve=True)


def test_rejected_batch_changes_nothing(session, employer, household, maker, checker):
    employer.mutations_need_approval = True
    session.commit()
    batch = plan(
        session, employer, maker, (WORKER, Request(MutationKind.DEACTIVATE, Reason.PENSIUN))
    )
    ops.submit_batch(session, batch, maker)
    ops.review_batch(session, batch, checker, Role.ADMIN, approve=False, note="salah orang")
    assert batch.status == BatchStatus.REJECTED
    assert set(statuses(session).values()) == {Status.ACTIVE}


def test_conflict_when_person_changed_after_preview(session, employer, household, maker):
    first = plan(
        session, employer, maker, (WORKER, Request(MutationKind.DEACTIVATE, Reason.PENSIUN))
    )
    second = plan(
        session, employer, maker, (WORKER, Request(MutationKind.MOVE_TO_MANDIRI, mandiri_class=1))
    )
    ops.apply_batch(session, first, maker)
    with pytest.raises(ops.MutationError, match=r"mutation\.conflict"):
        ops.apply_batch(session, second, maker)
    session.refresh(second)
    assert second.status == BatchStatus.DRAFT
    assert set(statuses(session).values()) == {Status.INACTIVE}  # nothing of the second


def test_batch_applies_at_most_once(session, employer, household, maker):
    batch = plan(
        session, employer, maker, (WORKER, Request(MutationKind.DEACTIVATE, Reason.PENSIUN))
    )
    ops.apply_batch(session, batch, maker)
    with pytest.raises(ops.MutationError, match=r"batch\.state"):
        ops.apply_batch(session, batch, maker)


def test_revert_restores_and_is_blocked_by_later_change(
    session, employer, household, maker, checker
):
    batch = plan(
        session,
        employer,
        maker,
        (
            WORKER,
            Request(MutationKind.DEACTIVATE, Reason.PHK, event_date=PHK_DAY, phk_proof=PhkProof.B),
        ),
    )
    ops.apply_batch(session, batch, maker)
    undo = revert_batch(session, batch, checker, Role.ADMIN)
    assert undo.status == BatchStatus.APPLIED and undo.reverts_batch_id == batch.id
    session.expire_all()
    worker = session.scalars(sa.select(Participant).where(Participant.nik == WORKER)).one()
    assert worker.status == Status.ACTIVE and worker.phk_date is None and worker.end_date is None
    with pytest.raises(ops.MutationError, match=r"batch\.state"):
        revert_batch(session, batch, checker, Role.ADMIN)
    again = plan(
        session, employer, maker, (WORKER, Request(MutationKind.DEACTIVATE, Reason.PENSIUN))
    )
    ops.apply_batch(session, again, maker)
    rehire = plan(session, employer, maker, (WORKER, Request(MutationKind.REACTIVATE)))
    ops.apply_batch(session, rehire, maker)
    with pytest.raises(ops.MutationError) as blocked:
        revert_batch(session, again, checker, Role.ADMIN)
    assert blocked.value.code == "batch.revert_blocked"
    assert "3273********0001" in blocked.value.params["people"]
    assert verify_chain(session, employer.id).ok


def test_concurrent_apply_on_postgresql_one_wins(app, session, employer, household, maker):
    """Two sessions apply batches on the same person at once: one wins, one conflicts."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite has one writer")
    import threading

    from sqlalchemy.orm import Session as OrmSession

    first = plan(
        session, employer, maker, (WORKER, Request(MutationKind.DEACTIVATE, Reason.PENSIUN))
    )
    second = plan(
        session, employer, maker, (WORKER, Request(MutationKind.MOVE_TO_MANDIRI, mandiri_class=1))
    )
    ids = [first.id, second.id]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def run(batch_id: int) -> None:
        with app.app_context(), OrmSession(session.get_bind().engine) as other:
            batch = other.get(ops.MutationBatch, batch_id)
            barrier.wait()
            try:
                ops.apply_batch(other, batch, maker)
                outcomes.append("applied")
            except ops.MutationError as error:
                outcomes.append(error.code)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["applied", "mutation.conflict"]
    assert verify_chain(session, employer.id).ok


def test_replanning_a_draft_is_one_transaction(session, employer, household, maker, monkeypatch):
    """The old draft is cancelled and the new one planned together: a failure while
    planning leaves the old draft a draft and no new batch."""
    from edabu_lite.mutations.models import MutationBatch

    draft = plan(
        session,
        employer,
        maker,
        (WORKER, Request(MutationKind.DEACTIVATE, Reason.PHK, event_date=PHK_DAY)),
    )
    again = [ops.ItemInput(nik=WORKER, request=Request(MutationKind.DEACTIVATE, Reason.PENSIUN))]

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the planner failed")

    monkeypatch.setattr(ops, "_plan_item", broken)
    with pytest.raises(RuntimeError):
        ops.replan_batch(session, draft, again, maker, today=TODAY)
    session.expire_all()
    assert session.get(MutationBatch, draft.id).status == BatchStatus.DRAFT
    assert session.scalar(sa.select(sa.func.count()).select_from(MutationBatch)) == 1
    monkeypatch.undo()
    new = ops.replan_batch(session, draft, again, maker, today=TODAY)
    session.expire_all()
    assert session.get(MutationBatch, draft.id).status == BatchStatus.CANCELLED
    assert new.status == BatchStatus.DRAFT and new.id != draft.id and new.source == draft.source
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.batch_id.in_({draft.id, new.id}))
    ).all()
    assert sorted(actions) == [
        "mutation_batch.cancel",
        "mutation_batch.create",
        "mutation_batch.create",
    ]
    assert verify_chain(session, employer.id).ok


def test_only_a_draft_is_replanned(session, employer, household, maker):
    """A batch already submitted for approval is not replaced behind the approver's back."""
    employer.mutations_need_approval = True
    session.commit()
    batch = plan(
        session,
        employer,
        maker,
        (WORKER, Request(MutationKind.DEACTIVATE, Reason.PHK, event_date=PHK_DAY)),
    )
    ops.submit_batch(session, batch, maker)
    again = [ops.ItemInput(nik=WORKER, request=Request(MutationKind.DEACTIVATE, Reason.PENSIUN))]
    with pytest.raises(ops.MutationError, match=r"batch\.state"):
        ops.replan_batch(session, batch, again, maker, today=TODAY)
    session.expire_all()
    assert batch.status == BatchStatus.SUBMITTED


def test_refuse_errors_keeps_nothing_and_says_why(session, employer, household, maker):
    inputs = [
        ops.ItemInput(nik=WORKER, request=Request(MutationKind.DEACTIVATE, Reason.PENSIUN), row=1),
        ops.ItemInput(
            nik="3273010101909999", request=Request(MutationKind.DEACTIVATE, Reason.PENSIUN), row=2
        ),
    ]
    events = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(ops.PlanRefused) as refused:
        ops.plan_batch(
            session, employer.id, inputs, maker, source="api", today=TODAY, refuse_errors=True
        )
    assert refused.value.code == "batch.has_errors" and refused.value.params["errors"] == 1
    assert [(i.row, i.code) for i in refused.value.issues] == [(2, "mutation.unknown_nik")]
    assert session.scalar(sa.select(sa.func.count()).select_from(ops.MutationBatch)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
    kept = ops.plan_batch(session, employer.id, inputs, maker, source="sheet", today=TODAY)
    assert kept.error_items == 1  # a sheet keeps its batch to report on
    assert verify_chain(session, employer.id).ok  # the refused plan left no gap in the chain


def test_who_may_revert(session, employer, household, maker, checker):
    token = Actor("token:hris", "api")
    mine = plan(
        session, employer, token, (WORKER, Request(MutationKind.DEACTIVATE, Reason.PENSIUN))
    )
    ops.apply_batch(session, mine, token)
    with pytest.raises(ops.MutationError, match=r"batch\.not_admin"):
        revert_batch(session, mine, maker, Role.OPERATOR)  # not theirs
    undo = revert_batch(session, mine, token, Role.OPERATOR)  # its own, applied directly
    assert undo.reverts_batch_id == mine.id
    again = plan(
        session, employer, token, (WORKER, Request(MutationKind.DEACTIVATE, Reason.PENSIUN))
    )
    ops.apply_batch(session, again, token)
    employer.mutations_need_approval = True
    session.commit()
    with pytest.raises(ops.MutationError, match=r"batch\.not_admin"):
        revert_batch(session, again, token, Role.OPERATOR)  # approval rules now: an admin's
    revert_batch(session, again, checker, Role.ADMIN)
    assert set(statuses(session).values()) == {Status.ACTIVE}
