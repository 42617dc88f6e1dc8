"""Hypothesis state machine: random mutation sequences over an in-memory family store.

Every step plans a random request on a random member (any kind, reason, TMT, class, proof,
include/exclude) and, when the plan has no error, applies each change's ``after`` to the store as
the database layer would (checking ``before`` and ``version`` first). Whatever the sequence:

* planning never raises, and a plan with an error changes nobody;
* no dependant is active (AKTIF) under a worker who is not active;
* a deceased person is never changed again, in particular never moved to mandiri;
* the membership fields stay coherent (segment PBPU and a mandiri class exactly when moved,
  no end data on active people, PHK fields only together).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from edabu_lite.issues import CATALOGUE
from edabu_lite.mutations.notes import NOTE_MESSAGES
from edabu_lite.mutations.rules import (
    MEMBERSHIP_FIELDS,
    MutationKind,
    Person,
    PhkProof,
    Plan,
    Reason,
    Request,
    add_months,
    plan_mutation,
)
from tests.factories import rule_person

START = date(2025, 1, 15)
KKS = ("3201011203150001", "3201011203150002")
DEPENDANT_ROLES = ("Istri", "Suami", "Anak", "Anak", "Anak", "Ayah", "Ibu", "Mertua")

reasons = st.one_of(st.none(), st.sampled_from(list(Reason)))
proofs = st.one_of(st.none(), st.sampled_from(list(PhkProof)))
classes = st.sampled_from([None, 1, 2, 3, 0, 4])
day_offsets = st.one_of(st.none(), st.integers(min_value=-400, max_value=420))
#: Tanggal Kejadian, days from today: mostly in the last year (PHK reported late), some wrong.
event_offsets = st.one_of(st.none(), st.integers(min_value=-400, max_value=5))
picks = st.integers(min_value=0, max_value=10_000)
id_picks = st.frozensets(st.integers(min_value=0, max_value=30), max_size=4)


def family_of(store: dict[int, Person], subject: Person) -> list[Person]:
    """What the database layer passes: the subject's worker and all that worker's dependants."""
    worker_id = subject.id if subject.is_worker else subject.worker_id
    return [
        p
        for p in store.values()
        if p.id != subject.id and (p.id == worker_id or p.worker_id == worker_id)
    ]


class FamilyStore(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store: dict[int, Person] = {}
        self.today = START
        self.deceased: set[int] = set()
        self.applied = 0

    @initialize(
        families=st.lists(
            st.lists(
                st.tuples(st.sampled_from(DEPENDANT_ROLES), st.booleans(), st.booleans()),
                max_size=6,
            ),
            min_size=1,
            max_size=3,
        )
    )
    def build(self, families: list[list[tuple[str, bool, bool]]]) -> None:
        next_id = 1
        for members in families:
            worker_id = next_id
            self.store[worker_id] = self.person(worker_id, "Peserta", None, KKS[0], True)
            next_id += 1
            for relationship, same_kk, active in members:
                kk = KKS[0] if same_kk else KKS[1]
                self.store[next_id] = self.person(next_id, relationship, worker_id, kk, active)
                next_id += 1

    @staticmethod
    def person(id: int, relationship: str, worker_id: int | None, kk: str, active: bool) -> Person:
        left = (
            {}
            if active
            else {"status": "NONAKTIF", "end_date": date(2024, 12, 1), "end_reason": "USIA"}
        )
        return rule_person(id, relationship, worker_id=worker_id, kk=kk, care_class=2, **left)

    # --- steps ---------------------------------------------------------------------------------

    def pick(self, index: int) -> Person:
        people = sorted(self.store)
        return self.store[people[index % len(people)]]

    def ids(self, picks: frozenset[int]) -> frozenset[int]:
        people = sorted(self.store)
        return frozenset(people[i % len(people)] for i in picks)

    def tmt(self, offset: int | None) -> date | None:
        return None if offset is None else self.today + timedelta(days=offset)

    def run(self, subject: Person, request: Request) -> Plan:
        result = plan_mutation(subject, family_of(self.store, subject), request, today=self.today)
        self.check_plan(subject, request, result)
        outcome = "applied" if result.ok else ",".join(sorted({i.code for i in result.issues}))
        if currently_in_test_context():
            event(f"{request.kind}: {outcome}")  # see --hypothesis-show-statistics
        if result.ok:
            self.apply(result)
        return result

    def check_plan(self, subject: Person, request: Request, result: Plan) -> None:
        assert all(issue.code in CATALOGUE and issue.column for issue in result.issues)
        assert all(note in NOTE_MESSAGES for note in result.notes)
        if not result.ok:
            assert result.changes == () and result.notes == ()
            return
        assert result.changes, "a plan without error changes at least its subject"
        assert result.changes[0].person_id == subject.id
        assert result.changes[0].role == "subject"
        ids = [c.person_id for c in result.changes]
        assert len(ids) == len(set(ids))
        for change in result.changes:
            stored = self.store[change.person_id]
            assert stored.status != "MENINGGAL", "a deceased person is never changed"
            assert change.version == stored.version
            assert set(change.before) == set(change.after) <= set(MEMBERSHIP_FIELDS)
            assert all(getattr(stored, k) == v for k, v in change.before.items())
            assert all(change.before[k] != v for k, v in change.after.items())
            if change.after.get("status") == "PINDAH_MANDIRI":
                assert request.kind == MutationKind.MOVE_TO_MANDIRI
        if request.kind == MutationKind.DEACTIVATE and subject.is_worker:
            changed = set(ids)
            for p in self.store.values():
                if p.worker_id == subject.id and p.status == "AKTIF":
                    assert p.id in changed, "every covered dependant leaves with the worker"

    def apply(self, result: Plan) -> None:
        for change in result.changes:
            stored = self.store[change.person_id]
            assert stored.version == change.version  # the optimistic lock would hold
            self.store[stored.id] = replace(stored, **change.after, version=stored.version + 1)
            if change.after.get("status") == "MENINGGAL":
                self.deceased.add(stored.id)
        self.applied += 1

    @rule(
        who=picks,
        reason=reasons,
        proof=proofs,
        offset=day_offsets,
        mandiri_class=classes,
        event=event_offsets,
    )
    def deactivate(self, who, reason, proof, offset, mandiri_class, event) -> None:
        request = Request(
            MutationKind.DEACTIVATE, reason, self.tmt(offset), mandiri_class, proof,
            event_date=self.tmt(event),
        )  # fmt: skip
        self.run(self.pick(who), request)

    @rule(
        who=picks,
        mandiri_class=classes,
        exclude=id_picks,
        reason=reasons,
        offset=day_offsets,
        proof=proofs,
    )
    def move(self, who, mandiri_class, exclude, reason, offset, proof) -> None:
        subject = self.pick(who)
        request = Request(
            MutationKind.MOVE_TO_MANDIRI,
            reason,
            self.tmt(offset),
            mandiri_class,
            proof,
            exclude=self.ids(exclude),
        )
        result = self.run(subject, request)
        if subject.status == "MENINGGAL":
            assert "mutation.deceased" in [i.code for i in result.issues]

    @rule(who=picks, include=st.one_of(st.none(), id_picks), exclude=id_picks, offset=day_offsets)
    def reactivate(self, who, include, exclude, offset) -> None:
        subject = self.pick(who)
        request = Request(
            MutationKind.REACTIVATE,
            effective_date=self.tmt(offset),
            include=None if include is None else self.ids(include),
            exclude=self.ids(exclude),
        )
        result = self.run(subject, request)
        if subject.status == "AKTIF":
            assert "mutation.not_inactive" in [i.code for i in result.issues]

    @precondition(lambda self: self.store)
    @rule(days=st.integers(min_value=1, max_value=200))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def no_active_dependant_under_an_inactive_worker(self) -> None:
        for p in self.store.values():
            if not p.is_worker and p.status == "AKTIF":
                worker = self.store.get(p.worker_id)  # type: ignore[arg-type]
                assert worker is not None and worker.status == "AKTIF", (p, worker)

    @invariant()
    def on_every_day_no_dependant_is_covered_without_their_worker(self) -> None:
        """With the statuses in effect on each day from today on (a change waits for its
        TMT). A person keeps one step of history (the status before the last change), which
        is exact from today on; the audit trail has the rest."""
        days = {p.status_since for p in self.store.values() if p.status_since}
        days |= {d - timedelta(days=1) for d in days} | {self.today}
        days = {d for d in days if d >= self.today}
        for day in days:
            for p in self.store.values():
                if not p.is_worker and p.status_on(day) == "AKTIF":
                    worker = self.store.get(p.worker_id)  # type: ignore[arg-type]
                    assert worker is not None and worker.status_on(day) == "AKTIF", (day, p)

    @invariant()
    def phk_coverage_ends_six_months_after_the_phk_at_the_latest(self) -> None:
        for p in self.store.values():
            if p.phk_date is not None:
                until = add_months(p.phk_date, 6)
                assert p.continued_coverage_until is not None
                assert p.continued_coverage_until <= until
                if p.status == "NONAKTIF":  # not cut short by a move to mandiri
                    assert p.continued_coverage_until == until

    @invariant()
    def the_deceased_stay_deceased(self) -> None:
        for person_id in self.deceased:
            assert self.store[person_id].status == "MENINGGAL"
            assert self.store[person_id].segment == "PPU"  # never moved to mandiri

    @invariant()
    def membership_fields_stay_coherent(self) -> None:
        for p in self.store.values():
            moved = p.status == "PINDAH_MANDIRI"
            assert (p.segment == "PBPU") == moved
            assert (p.mandiri_class in (1, 2, 3)) == moved
            assert (p.mandiri_class is None) == (not moved)
            if p.status == "AKTIF":
                assert p.end_date is None and p.end_reason is None
                assert p.phk_date is None and p.continued_coverage_until is None
            else:
                assert p.end_date is not None and p.end_reason
            assert (p.phk_date is None) == (p.continued_coverage_until is None)
            assert p.care_class == 2  # the PPU entitlement is never overwritten


FamilyStore.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_family_store = FamilyStore.TestCase


def test_the_state_machine_really_applies_plans() -> None:
    """Guard against a vacuous machine: a worker resigning changes the store."""
    machine = FamilyStore()
    machine.build([[("Istri", True, True)]])
    machine.deactivate(0, Reason.MENGUNDURKAN_DIRI, None, None, None, None)
    assert machine.applied == 1
    assert {p.status for p in machine.store.values()} == {"NONAKTIF"}
    machine.reactivate(0, None, frozenset(), None)
    assert {p.status for p in machine.store.values()} == {"AKTIF"}


# --- plans never raise on arbitrary requests ------------------------------------------------

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.dates(),
    st.datetimes(),
    st.sampled_from([*MutationKind, *Reason, *PhkProof, "PHK", "A", "NONAKTIF"]),
    st.frozensets(st.integers(min_value=0, max_value=6), max_size=3),
    st.lists(st.integers(), max_size=2),
    st.builds(object),
)


@settings(max_examples=400, deadline=None, database=None)
@given(
    kind=anything,
    reason=anything,
    effective_date=anything,
    mandiri_class=anything,
    phk_proof=anything,
    exclude=anything,
    include=anything,
    subject_index=st.integers(min_value=0, max_value=4),
    statuses=st.lists(
        st.sampled_from(["AKTIF", "NONAKTIF", "PINDAH_MANDIRI", "MENINGGAL", "???"]),
        min_size=5,
        max_size=5,
    ),
    today=st.dates(min_value=date(1901, 1, 1), max_value=date(9998, 12, 31)),
)
def test_planning_never_raises(
    kind,
    reason,
    effective_date,
    mandiri_class,
    phk_proof,
    exclude,
    include,
    subject_index,
    statuses,
    today,
) -> None:
    people = [
        replace(
            FamilyStore.person(
                i + 1,
                "Peserta" if i == 0 else DEPENDANT_ROLES[i],
                None if i == 0 else 1,
                KKS[i % 2],
                True,
            ),
            status=status,
        )
        for i, status in enumerate(statuses)
    ]
    request = Request(kind, reason, effective_date, mandiri_class, phk_proof, exclude, include)
    subject = people[subject_index]

    result = plan_mutation(subject, people, request, today=today, row=3)

    assert isinstance(result, Plan)
    assert all(issue.row == 3 and issue.column for issue in result.issues)
    assert result.ok or result.changes == ()
