"""Hypothesis state machine over the real database: random sequences of roster inserts,
mutations (applied through the batch operations) and reverts never leave a dependant
active under a worker who is not active, and the audit chain always verifies."""

from __future__ import annotations

import itertools
from datetime import date

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from edabu_lite.accounts.operations import create_employer
from edabu_lite.audit.operations import verify_chain
from edabu_lite.demo_data import generate_families
from edabu_lite.extensions import db
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.models import BatchStatus
from edabu_lite.mutations.revert import revert_batch
from edabu_lite.mutations.rules import MutationKind, PhkProof, Reason, Request
from edabu_lite.roster.models import Participant, Status
from edabu_lite.roster.operations import add_participants
from tests.conftest import TEST_ACTOR

TODAY = date(2026, 11, 22)
_codes = itertools.count(1)


def _families(people: list[dict]) -> list[list[dict]]:
    families: list[list[dict]] = []
    for person in people:
        if person["relationship"] == "Peserta":
            families.append([])
        families[-1].append(
            {**person, "in_school": {"Ya": True, "Tidak": False}.get(person.get("in_school"))}
        )
    return families


class MembershipMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.session = db.session
        code = f"SM{next(_codes):06d}"
        self.employer = create_employer(self.session, code, f"PT Mesin {code}", TEST_ACTOR)
        # A fixed seed: each example must replay identically (Hypothesis shrinks by replaying).
        people = list(generate_families(40, seed=7, today=TODAY))
        self.pending = _families(people)
        self.applied: list[int] = []

    def _people(self) -> list[Participant]:
        return self.session.scalars(
            sa.select(Participant)
            .where(Participant.employer_id == self.employer.id)
            .order_by(Participant.id)
        ).all()

    @precondition(lambda self: self.pending)
    @rule()
    def import_family(self) -> None:
        add_participants(self.session, self.employer.id, self.pending.pop(), TEST_ACTOR)
        self.session.commit()

    @precondition(
        lambda self: self.session.scalar(
            sa.select(sa.func.count())
            .select_from(Participant)
            .where(Participant.employer_id == self.employer.id)
        )
    )
    @rule(
        pick=st.integers(min_value=0, max_value=10_000),
        kind=st.sampled_from(list(MutationKind)),
        reason=st.none() | st.sampled_from(list(Reason)),
        mandiri_class=st.none() | st.integers(min_value=1, max_value=3),
        proof=st.none() | st.sampled_from(list(PhkProof)),
    )
    def mutate(
        self,
        pick: int,
        kind: MutationKind,
        reason: Reason | None,
        mandiri_class: int | None,
        proof: PhkProof | None,
    ) -> None:
        people = self._people()
        subject = people[pick % len(people)]
        request = Request(kind, reason, mandiri_class=mandiri_class, phk_proof=proof)
        batch = ops.plan_batch(
            self.session,
            self.employer.id,
            [ops.ItemInput(nik=subject.nik, request=request)],
            TEST_ACTOR,
            source="cli",
            today=TODAY,
        )
        if batch.error_items:
            ops.cancel_batch(self.session, batch, TEST_ACTOR)
            return
        ops.apply_batch(self.session, batch, TEST_ACTOR)
        assert batch.status == BatchStatus.APPLIED
        self.applied.append(batch.id)

    @precondition(lambda self: self.applied)
    @rule()
    def revert_last(self) -> None:
        from edabu_lite.accounts.models import Role
        from edabu_lite.mutations.models import MutationBatch

        batch = self.session.get(MutationBatch, self.applied.pop())
        try:
            revert_batch(self.session, batch, TEST_ACTOR, Role.ADMIN)
        except ops.MutationError as error:  # a later change blocks it: that is allowed
            assert error.code == "batch.revert_blocked"

    @invariant()
    def no_active_dependant_under_an_inactive_worker(self) -> None:
        people = {p.id: p for p in self._people()}
        for person in people.values():
            if person.worker_id and person.status == Status.ACTIVE:
                assert people[person.worker_id].status == Status.ACTIVE, person

    @invariant()
    def audit_chain_verifies(self) -> None:
        assert verify_chain(self.session, self.employer.id).ok


def test_membership_state_machine(app):
    machine_settings = settings(
        max_examples=25,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(MembershipMachine, settings=machine_settings)
