"""Mutasi peserta use cases: plan a batch, submit, approve or reject, apply, revert.

Planning reads the people and their families in two queries and plans every item in order
on an in-memory copy, so a later item sees what an earlier one will do (a deceased worker's
child can be moved to mandiri in the same batch). Applying is one transaction: each person
is locked and checked against the version the plan was made from (optimistic locking), so of
two users mutating the same person one wins and the other gets mutation.conflict with
nothing half applied. Every change and every transition is audited in that transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from edabu_lite.accounts.models import Employer, Role
from edabu_lite.audit.operations import Actor, Change, record, record_many
from edabu_lite.database import utcnow
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.issues import Issue
from edabu_lite.mutations.models import BatchStatus, MutationBatch, MutationItem
from edabu_lite.mutations.rules import Person, Request, plan_mutation
from edabu_lite.roster.models import Participant, Segment, Status
from edabu_lite.roster.operations import lock_people


@dataclass(frozen=True, slots=True)
class ItemInput:
    """One requested mutation: who (by NIK), what, and where it came from."""

    nik: str | None
    request: Request | None  # None when the sheet row could not be read
    row: int | None = None
    note: str | None = None
    issues: Sequence[Issue] = field(default_factory=tuple)  # from the sheet


class MutationError(RuntimeError):
    """A refused transition; ``code`` is stable, views and the CLI word the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class PlanRefused(MutationError):
    """`plan_batch` with ``refuse_errors``: some items have errors, so nothing was stored;
    ``issues`` are every item's (errors and warnings), placed at their item's row."""

    def __init__(self, errors: int, issues: Sequence[Issue]) -> None:
        super().__init__("batch.has_errors", errors=errors)
        self.issues = list(issues)


# --------------------------------------------------------------------------- planning


def plan_batch(
    session: Session,
    employer_id: int,
    inputs: Sequence[ItemInput],
    actor: Actor,
    *,
    source: str,
    title: str | None = None,
    job_id: int | None = None,
    sync_job_id: int | None = None,
    today: date | None = None,
    refuse_errors: bool = False,
) -> MutationBatch:
    """Create a DRAFT batch with every item planned (or its issues). Changes nothing else.
    ``sync_job_id``: the "roster lengkap" import it deactivates the missing workers of; a
    second live draft for one import raises IntegrityError (`MutationBatch`'s index).
    ``refuse_errors``: a batch with any item in error is not kept (`PlanRefused`), for
    callers that send all the items at once (the API) rather than a sheet to report on."""
    batch = _plan(session, employer_id, inputs, actor, source, title, job_id, today, sync_job_id)
    if refuse_errors and batch.error_items:
        items = session.scalars(
            sa.select(MutationItem)
            .where(MutationItem.batch_id == batch.id)
            .order_by(MutationItem.position)
        )
        issues = [Issue.from_dict(i) for item in items for i in item.issues]
        errors = batch.error_items
        session.rollback()
        raise PlanRefused(errors, issues)
    session.commit()
    return batch


def replan_batch(
    session: Session,
    batch: MutationBatch,
    inputs: Sequence[ItemInput],
    actor: Actor,
    *,
    today: date | None = None,
) -> MutationBatch:
    """The draft planned again from ``inputs`` (the same rows with other choices, such as
    which dependants go along): the old draft cancelled and the new one created in one
    transaction, so a failure leaves the old draft as it was."""
    try:
        _cancel(session, batch, actor, {BatchStatus.DRAFT})
        # A roster sync's draft stays linked to its import (one live draft per import).
        new = _plan(
            session,
            batch.employer_id,
            inputs,
            actor,
            batch.source,
            batch.title,
            None,
            today,
            batch.sync_job_id,
        )
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return new


def _plan(
    session: Session,
    employer_id: int,
    inputs: Sequence[ItemInput],
    actor: Actor,
    source: str,
    title: str | None,
    job_id: int | None,
    today: date | None,
    sync_job_id: int | None = None,
) -> MutationBatch:
    today = today or date.today()
    state = _load_state(session, employer_id, [i.nik for i in inputs if i.nik])
    batch = MutationBatch(
        employer_id=employer_id,
        source=source,
        title=title,
        job_id=job_id,
        sync_job_id=sync_job_id,
        created_by=actor.name,
        created_by_id=actor.user_id,
    )
    session.add(batch)
    session.flush()
    items = [_plan_item(state, item_input, today) for item_input in inputs]
    for position, item in enumerate(items, start=1):
        item.batch_id, item.position = batch.id, position
    session.add_all(items)
    batch.items_count = len(items)
    batch.error_items = sum(1 for item in items if item.has_error)
    batch.affected = len({c["person_id"] for item in items for c in item.changes})
    record(
        session,
        employer_id,
        actor,
        Change(
            "mutation_batch.create",
            "mutation_batch",
            batch.id,
            title,
            batch_id=batch.id,
            after={
                "items": batch.items_count,
                "errors": batch.error_items,
                "affected": batch.affected,
                "source": source,
            },
        ),
    )
    return batch


class _State:
    """The employer's people involved in a batch, as rule `Person`s, updated as items are
    planned so each item sees the earlier ones' effect."""

    def __init__(self, people: Iterable[Participant]) -> None:
        self.by_id: dict[int, Person] = {}
        self.by_nik: dict[str, int] = {}
        for p in people:
            self.by_id[p.id] = Person.from_record(p)
            if p.nik:  # a newborn may wait for one: found by id, as a dependant
                self.by_nik[p.nik] = p.id

    def family_of(self, person: Person) -> list[Person]:
        worker_id = person.worker_id or person.id
        return [
            p
            for p in self.by_id.values()
            if p.id != person.id and (p.id == worker_id or p.worker_id == worker_id)
        ]

    def apply(self, changes: Iterable[Any]) -> None:
        for change in changes:
            current = self.by_id[change.person_id]
            self.by_id[change.person_id] = dataclasses.replace(
                current, **dict(change.after), version=current.version + 1
            )


def _load_state(session: Session, employer_id: int, niks: Sequence[str]) -> _State:
    subjects = session.execute(
        sa.select(Participant.id, Participant.worker_id).where(
            Participant.employer_id == employer_id, Participant.nik.in_(list(set(niks)))
        )
    ).all()
    workers = {worker_id or pid for pid, worker_id in subjects}
    people = (
        session.scalars(
            sa.select(Participant).where(
                Participant.employer_id == employer_id,
                sa.or_(Participant.id.in_(workers), Participant.worker_id.in_(workers)),
            )
        ).all()
        if workers
        else []
    )
    return _State(people)


def _plan_item(state: _State, item_input: ItemInput, today: date) -> MutationItem:
    request = item_input.request
    item = MutationItem(
        row=item_input.row, nik=item_input.nik, note=item_input.note, changes=[], notes=[]
    )
    if request is not None:
        item.kind = str(request.kind)
        item.reason = str(request.reason) if request.reason else None
        item.effective_date = request.effective_date
        item.mandiri_class = request.mandiri_class
        item.phk_proof = str(request.phk_proof) if request.phk_proof else None
        item.event_date, item.death_certificate = request.event_date, request.death_certificate
        item.exclude = sorted(request.exclude) or None
        item.include = sorted(request.include) if request.include is not None else None
    issues = list(item_input.issues)
    person_id = state.by_nik.get(item_input.nik or "")
    if not any(i.is_error for i in issues):
        if person_id is None:
            issues.append(Issue("mutation.unknown_nik", "nik", item_input.row))
        elif request is not None:
            plan = plan_mutation(
                state.by_id[person_id],
                state.family_of(state.by_id[person_id]),
                request,
                today=today,
                row=item_input.row,
            )
            issues += plan.issues
            if plan.ok:
                state.apply(plan.changes)
                item.effective_date = plan.effective_date
                item.changes = [_change_json(c) for c in plan.changes]
                item.notes = list(plan.notes)
    item.participant_id = person_id
    item.issues = [i.to_storage() for i in issues]
    item.has_error = any(i.is_error for i in issues)
    if item.has_error:
        item.changes = []
    return item


def _change_json(change: Any) -> dict[str, Any]:
    return {
        "person_id": change.person_id,
        "nik": change.nik,
        "role": change.role,
        "before": _json_values(change.before),
        "after": _json_values(change.after),
        "version": change.version,
        "note": change.note,
    }


def _json_values(values: Mapping[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


# --------------------------------------------------------------------------- transitions


def _claim(
    session: Session, batch: MutationBatch, allowed: set[BatchStatus], new: BatchStatus, wanted: str
) -> None:
    """Move the batch to ``new`` only from an allowed status, atomically: a batch applies
    (or is approved) at most once even when two requests race."""
    moved = session.execute(
        sa.update(MutationBatch)
        .where(MutationBatch.id == batch.id, MutationBatch.status.in_(list(allowed)))
        .values(status=new)
    ).rowcount
    if not moved:
        session.rollback()
        session.refresh(batch)
        raise MutationError("batch.state", status=batch.status.value, wanted=wanted)
    session.refresh(batch)


def needs_approval(session: Session, batch: MutationBatch) -> bool:
    return session.get(Employer, batch.employer_id).mutations_need_approval


#: Days a draft stays usable (``DRAFT_DAYS``): the plan was made against the people as they
#: were then.
DRAFT_DAYS = 7


def _check_fresh(batch: MutationBatch, draft_days: int) -> None:
    if batch.expired(utcnow(), draft_days):
        raise MutationError("batch.expired", days=draft_days)


def submit_batch(
    session: Session,
    batch: MutationBatch,
    actor: Actor,
    *,
    note: str | None = None,
    draft_days: int = DRAFT_DAYS,
) -> None:
    """Submit a draft for an admin's approval, with a note for the reviewer."""
    if batch.error_items:
        raise MutationError("batch.has_errors", errors=batch.error_items)
    _check_fresh(batch, draft_days)
    _claim(session, batch, {BatchStatus.DRAFT}, BatchStatus.SUBMITTED, "submit")
    batch.submitted_at = utcnow()
    batch.submit_note = (note or "").strip()[:500] or None
    record(
        session,
        batch.employer_id,
        actor,
        Change(
            "mutation_batch.submit",
            "mutation_batch",
            batch.id,
            batch.title,
            batch_id=batch.id,
            after={"note": batch.submit_note} if batch.submit_note else None,
        ),
    )
    session.commit()


def review_batch(
    session: Session,
    batch: MutationBatch,
    actor: Actor,
    actor_role: Role,
    *,
    approve: bool,
    note: str | None = None,
) -> None:
    """An admin approves (and so applies) or rejects a submitted batch; never their own."""
    if actor_role != Role.ADMIN:
        raise MutationError("batch.not_admin")
    own = (
        batch.created_by_id == actor.user_id
        if batch.created_by_id is not None
        else batch.created_by == actor.name
    )
    if own:
        raise MutationError("batch.self_review")
    if not approve and not (note or "").strip():
        raise MutationError("batch.reason_required")
    new = BatchStatus.APPROVED if approve else BatchStatus.REJECTED
    _claim(session, batch, {BatchStatus.SUBMITTED}, new, "review")
    batch.reviewed_by, batch.reviewed_by_id = actor.name, actor.user_id
    batch.reviewed_at, batch.review_note = utcnow(), (note or "").strip()[:500] or None
    record(
        session,
        batch.employer_id,
        actor,
        Change(
            "mutation_batch.approve" if approve else "mutation_batch.reject",
            "mutation_batch",
            batch.id,
            batch.title,
            batch_id=batch.id,
            after={"note": batch.review_note},
        ),
    )
    if not approve:
        session.commit()
        return
    apply_changes(session, batch, actor)


def apply_batch(
    session: Session, batch: MutationBatch, actor: Actor, *, draft_days: int = DRAFT_DAYS
) -> None:
    """Apply a draft directly (only when the employer does not require approval)."""
    if batch.error_items:
        raise MutationError("batch.has_errors", errors=batch.error_items)
    _check_fresh(batch, draft_days)
    if needs_approval(session, batch):
        raise MutationError("batch.needs_approval")
    _claim(session, batch, {BatchStatus.DRAFT}, BatchStatus.APPROVED, "apply")
    apply_changes(session, batch, actor)


def cancel_batch(session: Session, batch: MutationBatch, actor: Actor) -> None:
    _cancel(session, batch, actor, {BatchStatus.DRAFT, BatchStatus.SUBMITTED})
    session.commit()


def _cancel(
    session: Session, batch: MutationBatch, actor: Actor, allowed: set[BatchStatus]
) -> None:
    _claim(session, batch, allowed, BatchStatus.CANCELLED, "cancel")
    record(
        session,
        batch.employer_id,
        actor,
        Change("mutation_batch.cancel", "mutation_batch", batch.id, batch.title, batch_id=batch.id),
    )


# --------------------------------------------------------------------------- applying


MEMBERSHIP_DATES = (
    "start_date", "status_since", "end_date", "event_date", "phk_date", "continued_coverage_until"
)  # fmt: skip


def apply_changes(session: Session, batch: MutationBatch, actor: Actor) -> None:
    """Apply every planned change in one transaction; on any conflict nothing is kept.

    Locks in the one order every writer of an employer's people uses (`lock_people`), so two
    batches, or a batch and a roster commit, over the same people wait for each other
    instead of deadlocking; the second then finds the versions changed (a conflict)."""
    items = session.scalars(
        sa.select(MutationItem)
        .where(MutationItem.batch_id == batch.id)
        .order_by(MutationItem.position)
    ).all()
    lock_people(session, batch.employer_id, [c["person_id"] for i in items for c in i.changes])
    events: list[Change] = []
    try:
        for item in items:
            item.changes = [
                _apply_change(session, batch, change, events) for change in item.changes
            ]
        session.flush()
    except (MutationError, StaleDataError) as error:
        session.rollback()
        if isinstance(error, MutationError):
            raise
        raise MutationError("mutation.conflict") from error
    batch.status = BatchStatus.APPLIED
    batch.applied_by, batch.applied_at = actor.name, utcnow()
    record_many(
        session,
        batch.employer_id,
        actor,
        [
            *events,
            Change(
                "mutation_batch.apply",
                "mutation_batch",
                batch.id,
                batch.title,
                batch_id=batch.id,
                after={"affected": batch.affected, "items": batch.items_count},
            ),
        ],
    )
    session.commit()


def _apply_change(
    session: Session, batch: MutationBatch, change: dict[str, Any], events: list[Change]
) -> dict[str, Any]:
    person = session.execute(
        sa.select(Participant)
        .where(Participant.id == change["person_id"], Participant.employer_id == batch.employer_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the version as stored now, not as planned
    ).scalar_one()
    if person.version != change["version"]:
        raise MutationError("mutation.conflict", nik=mask_nik(person.nik))
    for name, value in change["after"].items():
        setattr(person, name, _stored(name, value))
    session.flush()  # the UPDATE carries "WHERE version = :old": a racing writer fails here
    events.append(
        Change(
            "participant.mutation",
            "participant",
            person.id,
            mask_nik(person.nik),
            person.nik,
            before=change["before"],
            after=change["after"],
            batch_id=batch.id,
        )
    )
    return {**change, "applied_version": person.version}


def _stored(name: str, value: object) -> object:
    if name == "status" or (name == "previous_status" and value is not None):
        return Status(value)
    if name == "segment":
        return Segment(value)
    if name in MEMBERSHIP_DATES and isinstance(value, str):
        return date.fromisoformat(value)
    return value
