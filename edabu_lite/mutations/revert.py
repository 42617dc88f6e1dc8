"""Reverting an applied batch: a new, audited batch that undoes every change, last first,
applied like any other (one transaction, each person's version checked) — refused, with
nothing reverted, when someone it changed was changed again since."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from edabu_lite.accounts.models import Role
from edabu_lite.audit.operations import Actor, Change, record
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.mutations.models import BatchStatus, MutationBatch, MutationItem
from edabu_lite.mutations.operations import MutationError, apply_changes, needs_approval
from edabu_lite.roster.models import Participant


def revert_batch(
    session: Session, batch: MutationBatch, actor: Actor, actor_role: Role
) -> MutationBatch:
    """An admin undoes an applied batch with a new, audited reverse batch — unless someone
    it changed was changed again since (then nothing is reverted and the error names who).
    Another role may undo only its own batch, made and applied by itself while the employer
    does not require approval (an HR system's token taking back what it just sent):
    approving, and undoing anyone else's work, stay with the admins."""
    if batch.status != BatchStatus.APPLIED or batch.reverted_by_batch_id:
        raise MutationError("batch.state", status=batch.status.value, wanted="revert")
    if actor_role != Role.ADMIN and not _own_direct_batch(session, batch, actor):
        raise MutationError("batch.not_admin")
    items = session.scalars(
        sa.select(MutationItem)
        .where(MutationItem.batch_id == batch.id)
        .order_by(MutationItem.position.desc())
    ).all()
    reverse = _reverse_changes(session, batch, items)
    undo = MutationBatch(
        employer_id=batch.employer_id,
        source="revert",
        title=f"Pengembalian #{batch.id}",
        created_by=actor.name,
        created_by_id=actor.user_id,
        reverts_batch_id=batch.id,
        items_count=1,
        affected=batch.affected,
        status=BatchStatus.APPROVED,
    )
    session.add(undo)
    session.flush()
    session.add(
        MutationItem(
            batch_id=undo.id,
            position=1,
            kind="BATAL",
            changes=reverse,
            note=f"Mengembalikan batch #{batch.id}",
            notes=[],
            issues=[],
        )
    )
    batch.reverted_by_batch_id = undo.id
    record(
        session,
        batch.employer_id,
        actor,
        Change(
            "mutation_batch.revert",
            "mutation_batch",
            batch.id,
            batch.title,
            batch_id=batch.id,
            after={"reverse_batch": undo.id},
        ),
    )
    session.flush()
    apply_changes(session, undo, actor)
    return undo


def _own_direct_batch(session: Session, batch: MutationBatch, actor: Actor) -> bool:
    return (
        batch.created_by == actor.name == batch.applied_by
        and batch.reviewed_by is None
        and not needs_approval(session, batch)
    )


def _reverse_changes(
    session: Session, batch: MutationBatch, items: Sequence[MutationItem]
) -> list[dict[str, Any]]:
    """The inverse of every change, last first, checked against the versions left behind."""
    last_version: dict[int, int] = {}
    reverse = []
    for item in items:
        for change in reversed(item.changes):
            last_version.setdefault(change["person_id"], change["applied_version"])
            reverse.append({**change, "before": change["after"], "after": change["before"]})
    current = dict(
        session.execute(
            sa.select(Participant.id, Participant.version).where(
                Participant.id.in_(list(last_version))
            )
        ).all()
    )
    touched = [pid for pid, version in last_version.items() if current.get(pid) != version]
    if touched:
        niks = session.scalars(sa.select(Participant.nik).where(Participant.id.in_(touched)))
        raise MutationError("batch.revert_blocked", people=", ".join(mask_nik(n) for n in niks))
    versions = dict(current)
    for change in reverse:  # each undo step expects the version the previous one leaves
        change["version"] = versions[change["person_id"]]
        versions[change["person_id"]] += 1
    return reverse
