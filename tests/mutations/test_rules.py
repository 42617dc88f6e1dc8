"""Table tests of the mutation rules: every kind and reason on a worker with a wife and 3 children.

Each test names the rule of ``edabu_lite.mutations.rules``'s docstring it pins down.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from edabu_lite.issues import Issue
from edabu_lite.mutations.plans import phk_coverage_on
from edabu_lite.mutations.rules import (
    DEFAULT_SETTINGS,
    MEMBERSHIP_FIELDS,
    WORKER_DECEASED,
    WORKER_MOVED,
    MutationKind,
    Person,
    PhkProof,
    Plan,
    Reason,
    Request,
    Settings,
    add_months,
    coverage_class_on,
    first_day_of_next_month,
    plan_mutation,
)
from tests.factories import rule_person

TODAY = date(2025, 6, 10)
TMT = date(2025, 7, 1)  # first day of next month: the default
DAY_BEFORE = date(2025, 6, 30)  # the event date of a reason that needs none: the day before
EVENT = date(2025, 6, 5)  # the PHK or the death, given in the sheet's Tanggal Kejadian
KK = "3201011203150001"
OTHER_KK = "3201011203150099"
ROW = 5

WORKER_ID, WIFE_ID, CHILD1_ID, CHILD2_ID, CHILD3_ID = 1, 2, 3, 4, 5


def person(id: int, relationship: str, **overrides: object) -> Person:
    overrides.setdefault("worker_id", None if relationship == "Peserta" else WORKER_ID)
    overrides.setdefault("nik", f"32010145089000{id:02d}")
    overrides.setdefault("kk", KK)
    return rule_person(id, relationship, **overrides)  # type: ignore[arg-type]


WORKER = person(WORKER_ID, "Peserta", version=7)
WIFE = person(WIFE_ID, "Istri")
CHILD1 = person(CHILD1_ID, "Anak")
CHILD2 = person(CHILD2_ID, "Anak")
CHILD3 = person(CHILD3_ID, "Anak")
DEPENDANTS = (WIFE, CHILD1, CHILD2, CHILD3)
ALL = (WORKER, *DEPENDANTS)


def family_of(subject: Person, people: tuple[Person, ...] = ALL) -> list[Person]:
    return [p for p in people if p.id != subject.id]


def plan(
    subject: Person,
    kind: MutationKind,
    people: tuple[Person, ...] = ALL,
    *,
    settings: Settings = DEFAULT_SETTINGS,
    **request: object,
) -> Plan:
    if str(request.get("reason")) in ("PHK", "MENINGGAL"):
        request.setdefault("event_date", EVENT)  # required for those (tested below)
    return plan_mutation(
        subject,
        family_of(subject, people),
        Request(kind, **request),  # type: ignore[arg-type]
        today=TODAY,
        settings=settings,
        row=ROW,
    )


#: When a change takes effect: tested on their own (`test_a_status_change_takes_effect_on_its_tmt`).
TIMING = ("status_since", "previous_status")


def afters(result: Plan) -> dict[int, dict[str, object]]:
    return {
        change.person_id: {k: v for k, v in change.after.items() if k not in TIMING}
        for change in result.changes
    }


def codes(result: Plan) -> list[tuple[str, str | None]]:
    return [(issue.code, issue.column) for issue in result.issues]


def only_issue(result: Plan) -> Issue:
    assert len(result.issues) == 1, result.issues
    assert result.changes == ()
    assert result.notes == ()
    assert not result.ok
    return result.issues[0]


# --- NONAKTIF of a worker -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [Reason.PHK, Reason.MENGUNDURKAN_DIRI, Reason.HABIS_KONTRAK, Reason.PENSIUN],
)
def test_deactivating_a_worker_deactivates_every_active_dependant_with_the_same_reason(reason):
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=reason)

    assert result.ok and result.issues == ()
    assert result.effective_date == TMT
    expected = {"status": "NONAKTIF", "end_date": TMT, "end_reason": str(reason)}
    event = EVENT if reason == Reason.PHK else DAY_BEFORE
    assert afters(result) == {
        WORKER_ID: {**expected, "event_date": event},
        **dict.fromkeys((WIFE_ID, CHILD1_ID, CHILD2_ID, CHILD3_ID), expected),
    }
    assert [c.role for c in result.changes] == ["subject"] + ["dependant"] * 4
    assert result.changes[0].person_id == WORKER_ID
    assert "mutation.note.dependants_deactivated" in result.notes
    assert all(c.note == "mutation.note.dependants_deactivated" for c in result.changes[1:])


def test_before_and_after_hold_exactly_the_changed_fields_and_the_version():
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PENSIUN)

    change = result.changes[0]
    assert change.before == {
        "status": "AKTIF", "status_since": None, "previous_status": None,
        "end_date": None, "end_reason": None, "event_date": None,
    }  # fmt: skip
    assert change.after == {
        "status": "NONAKTIF", "status_since": TMT, "previous_status": "AKTIF",
        "end_date": TMT, "end_reason": "PENSIUN", "event_date": DAY_BEFORE,
    }  # fmt: skip
    assert change.version == 7
    assert change.nik == WORKER.nik
    assert set(change.after) <= set(MEMBERSHIP_FIELDS)


def test_dependants_already_inactive_are_left_alone():
    aged_out = replace(CHILD1, status="NONAKTIF", end_date=date(2025, 3, 1), end_reason="USIA")
    moved = replace(CHILD2, status="PINDAH_MANDIRI", segment="PBPU", mandiri_class=3)
    dead = replace(CHILD3, status="MENINGGAL", end_date=date(2024, 1, 1), end_reason="MENINGGAL")
    result = plan(
        WORKER, MutationKind.DEACTIVATE, (WORKER, WIFE, aged_out, moved, dead), reason=Reason.PHK
    )

    assert set(afters(result)) == {WORKER_ID, WIFE_ID}


def test_only_the_workers_own_dependants_are_carried():
    strangers_child = person(9, "Anak", worker_id=42)
    result = plan(WORKER, MutationKind.DEACTIVATE, (*ALL, strangers_child), reason=Reason.PENSIUN)

    assert 9 not in afters(result)
    assert len(result.changes) == 5


def test_exclude_is_ignored_when_deactivating_a_worker():
    result = plan(
        WORKER, MutationKind.DEACTIVATE, reason=Reason.PENSIUN, exclude=frozenset({CHILD1_ID})
    )

    assert afters(result)[CHILD1_ID]["status"] == "NONAKTIF"


# --- PHK continued coverage -----------------------------------------------------------------------


@pytest.mark.parametrize("proof", list(PhkProof))
def test_phk_with_proof_grants_six_months_to_the_worker_and_the_family(proof):
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PHK, phk_proof=proof)

    for after in afters(result).values():
        assert after["phk_date"] == EVENT  # from the PHK, whatever the TMT
        assert after["continued_coverage_until"] == date(2025, 12, 5)
        assert after["status"] == "NONAKTIF"
        assert "care_class" not in after  # stays the PPU entitlement; class III is derived
    assert result.notes == (
        "mutation.note.phk_continued_coverage",
        "mutation.note.dependants_deactivated",
    )


def test_phk_coverage_follows_the_settings():
    settings = Settings(phk_coverage_months=3, phk_covers_dependants=False)
    result = plan(WORKER, MutationKind.DEACTIVATE, settings=settings, reason="PHK", phk_proof="A")

    after = afters(result)
    assert after[WORKER_ID]["continued_coverage_until"] == date(2025, 9, 5)
    assert "phk_date" not in after[WIFE_ID]
    assert "continued_coverage_until" not in after[CHILD1_ID]


def test_phk_coverage_ends_on_the_clamped_day_six_months_later():
    result = plan(
        WORKER,
        MutationKind.DEACTIVATE,
        reason=Reason.PHK,
        phk_proof=PhkProof.B,
        event_date=date(2025, 5, 31),
    )

    assert afters(result)[WORKER_ID]["continued_coverage_until"] == date(2025, 11, 30)


def test_phk_without_proof_is_an_ordinary_deactivation():
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PHK)

    assert result.ok
    for after in afters(result).values():
        assert "phk_date" not in after and "continued_coverage_until" not in after
    assert "mutation.note.phk_without_proof" in result.notes
    assert "mutation.note.phk_continued_coverage" not in result.notes


@pytest.mark.parametrize(
    "reason", [Reason.MENGUNDURKAN_DIRI, Reason.HABIS_KONTRAK, Reason.PENSIUN, Reason.MENINGGAL]
)
def test_a_proof_with_any_other_reason_grants_nothing_and_says_so(reason):
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=reason, phk_proof=PhkProof.A)

    assert result.ok
    for after in afters(result).values():
        assert "phk_date" not in after and "continued_coverage_until" not in after
    assert "mutation.note.phk_proof_ignored" in result.notes


def test_an_unknown_proof_is_reported_on_its_column():
    issue = only_issue(plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PHK, phk_proof="D"))

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.reason_invalid",
        "phk_proof",
        "phk_proof",
    )


def test_coverage_class_on_follows_the_membership_state():
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PHK, phk_proof=PhkProof.A)
    after = replace(WORKER, **afters(result)[WORKER_ID])

    assert coverage_class_on(WORKER, TODAY) == 1
    assert coverage_class_on(after, date(2025, 6, 30)) == 1  # still the employer's, before TMT
    assert coverage_class_on(after, TMT) == 3
    assert coverage_class_on(after, date(2025, 12, 4)) == 3
    assert coverage_class_on(after, date(2025, 12, 5)) is None  # 6 months after the PHK
    assert coverage_class_on(after, TMT, Settings(phk_care_class=2)) == 2
    moved = replace(WORKER, status="PINDAH_MANDIRI", segment="PBPU", mandiri_class=2, end_date=TMT)
    assert coverage_class_on(moved, TMT) == 2
    resigned = replace(WORKER, status="NONAKTIF", end_date=TMT, end_reason="PENSIUN")
    assert coverage_class_on(resigned, TMT) is None


# --- MENINGGAL ------------------------------------------------------------------------------------


def test_a_deceased_worker_ends_membership_and_deactivates_the_family():
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.MENINGGAL)

    after = afters(result)
    assert after[WORKER_ID] == {
        "status": "MENINGGAL", "end_date": TMT, "end_reason": "MENINGGAL", "event_date": EVENT
    }  # fmt: skip
    for dependant_id in (WIFE_ID, CHILD1_ID, CHILD2_ID, CHILD3_ID):
        assert after[dependant_id] == {
            "status": "NONAKTIF",
            "end_date": TMT,
            "end_reason": WORKER_DECEASED,
        }
    assert "mutation.note.worker_deceased" in result.notes
    assert "mutation.note.dependants_deactivated" not in result.notes


def test_a_dependant_of_a_deceased_worker_can_still_move_to_mandiri_keeping_the_end():
    dead = replace(WORKER, status="MENINGGAL", end_date=TMT, end_reason="MENINGGAL")
    widow = replace(WIFE, status="NONAKTIF", end_date=TMT, end_reason=WORKER_DECEASED)
    result = plan(widow, MutationKind.MOVE_TO_MANDIRI, (dead, widow, CHILD1), mandiri_class=3)

    assert result.ok, result.issues
    assert afters(result) == {
        WIFE_ID: {"status": "PINDAH_MANDIRI", "segment": "PBPU", "mandiri_class": 3}
    }


def test_a_dependant_of_a_deceased_worker_cannot_move_before_the_end():
    widow = replace(WIFE, status="NONAKTIF", end_date=TMT, end_reason=WORKER_DECEASED)
    issue = only_issue(
        plan(widow, MutationKind.MOVE_TO_MANDIRI, mandiri_class=3, effective_date=date(2025, 6, 15))
    )

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.date_invalid",
        "effective_date",
        "before_end",
    )


def test_a_dependant_alone_can_die():
    result = plan(CHILD1, MutationKind.DEACTIVATE, reason=Reason.MENINGGAL)

    assert afters(result) == {
        CHILD1_ID: {
            "status": "MENINGGAL", "end_date": TMT, "end_reason": "MENINGGAL", "event_date": EVENT
        }
    }  # fmt: skip
    assert result.notes == ("mutation.note.death_certificate_missing",)


# --- reasons --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "reason"),
    [(CHILD1, Reason.USIA), (CHILD2, Reason.MENIKAH), (WIFE, Reason.CERAI)],
)
def test_a_dependant_leaves_alone_for_a_dependant_reason(subject, reason):
    result = plan(subject, MutationKind.DEACTIVATE, reason=reason)

    assert afters(result) == {
        subject.id: {
            "status": "NONAKTIF", "end_date": TMT, "end_reason": str(reason),
            "event_date": DAY_BEFORE,
        }
    }  # fmt: skip
    assert result.changes[0].role == "subject"


@pytest.mark.parametrize(
    "reason", [Reason.PHK, Reason.MENGUNDURKAN_DIRI, Reason.HABIS_KONTRAK, Reason.PENSIUN]
)
def test_worker_reasons_on_a_dependant_are_invalid(reason):
    issue = only_issue(plan(CHILD1, MutationKind.DEACTIVATE, reason=reason))

    assert (issue.code, issue.column, issue.row, issue.params["problem"]) == (
        "mutation.reason_invalid",
        "reason",
        ROW,
        "worker_only",
    )


@pytest.mark.parametrize("reason", [Reason.USIA, Reason.MENIKAH, Reason.CERAI])
def test_dependant_reasons_on_a_worker_are_invalid(reason):
    issue = only_issue(plan(WORKER, MutationKind.DEACTIVATE, reason=reason))

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.reason_invalid",
        "reason",
        "dependant_only",
    )


@pytest.mark.parametrize(
    ("relationship", "reason"),
    [
        ("Istri", Reason.USIA),
        ("Suami", Reason.MENIKAH),
        ("Anak", Reason.CERAI),
        ("Mertua", Reason.USIA),
        ("Ayah", Reason.CERAI),
        ("Ibu", Reason.MENIKAH),
    ],
)
def test_dependant_reasons_must_fit_the_relationship(relationship, reason):
    subject = person(8, relationship)
    issue = only_issue(plan(subject, MutationKind.DEACTIVATE, (*ALL, subject), reason=reason))

    assert (issue.code, issue.params["problem"]) == ("mutation.reason_invalid", "relationship")


@pytest.mark.parametrize(
    ("reason", "problem"), [(None, "required"), ("BOSAN", "unknown"), (3, "unknown")]
)
def test_deactivation_needs_a_known_reason(reason, problem):
    issue = only_issue(plan(WORKER, MutationKind.DEACTIVATE, reason=reason))

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.reason_invalid",
        "reason",
        problem,
    )


def test_reasons_given_as_their_canonical_text_are_accepted():
    result = plan(WORKER, MutationKind.DEACTIVATE, reason="PENSIUN")

    assert result.ok and afters(result)[WORKER_ID]["end_reason"] == "PENSIUN"


# --- not active -----------------------------------------------------------------------------------

INACTIVE_STATES = [
    {"status": "NONAKTIF", "end_date": date(2025, 5, 1), "end_reason": "MENGUNDURKAN_DIRI"},
    {"status": "PINDAH_MANDIRI", "segment": "PBPU", "mandiri_class": 2, "end_date": TMT},
    {"status": "MENINGGAL", "end_date": date(2025, 5, 1), "end_reason": "MENINGGAL"},
]


@pytest.mark.parametrize("state", INACTIVE_STATES)
@pytest.mark.parametrize("subject", [WORKER, CHILD1])
def test_deactivating_someone_not_active_is_refused(subject, state):
    reason = Reason.MENINGGAL if subject is CHILD1 else Reason.PHK
    issue = only_issue(plan(replace(subject, **state), MutationKind.DEACTIVATE, reason=reason))

    assert (issue.code, issue.column) == ("mutation.not_active", "kind")


@pytest.mark.parametrize("subject", [WORKER, CHILD1])
def test_moving_someone_already_moved_is_refused(subject):
    state = INACTIVE_STATES[1]
    issue = only_issue(
        plan(replace(subject, **state), MutationKind.MOVE_TO_MANDIRI, mandiri_class=1)
    )

    assert (issue.code, issue.column) == ("mutation.not_active", "kind")


# --- deceased -------------------------------------------------------------------------------------

DEAD_WORKER = replace(WORKER, status="MENINGGAL", end_date=TMT, end_reason="MENINGGAL")


def test_moving_a_deceased_person_is_refused():
    issue = only_issue(plan(DEAD_WORKER, MutationKind.MOVE_TO_MANDIRI, mandiri_class=1))

    assert (issue.code, issue.column) == ("mutation.deceased", "kind")


def test_moving_with_reason_meninggal_is_refused():
    issue = only_issue(
        plan(WORKER, MutationKind.MOVE_TO_MANDIRI, mandiri_class=1, reason=Reason.MENINGGAL)
    )

    assert (issue.code, issue.column) == ("mutation.deceased", "reason")


def test_reactivating_a_deceased_person_is_refused():
    issue = only_issue(plan(DEAD_WORKER, MutationKind.REACTIVATE))

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.deceased",
        "kind",
        "reactivate",
    )


# --- PINDAH_MANDIRI -------------------------------------------------------------------------------

MOVED = {"status": "PINDAH_MANDIRI", "segment": "PBPU", "mandiri_class": 2, "end_date": TMT}
LEFT_BEHIND = {"status": "NONAKTIF", "end_date": TMT, "end_reason": WORKER_MOVED}


def test_moving_a_worker_moves_the_family_on_the_same_kk_and_deactivates_the_other_kk():
    other_kk_child = replace(CHILD3, kk=OTHER_KK)
    people = (WORKER, WIFE, CHILD1, CHILD2, other_kk_child)
    result = plan(
        WORKER,
        MutationKind.MOVE_TO_MANDIRI,
        people,
        mandiri_class=2,
        reason=Reason.MENGUNDURKAN_DIRI,
    )

    assert result.ok, result.issues
    after = afters(result)
    moved = {**MOVED, "end_reason": "MENGUNDURKAN_DIRI"}
    assert after[WORKER_ID] == moved
    assert after[WIFE_ID] == after[CHILD1_ID] == after[CHILD2_ID] == moved
    assert after[CHILD3_ID] == LEFT_BEHIND
    notes = {c.person_id: c.note for c in result.changes}
    assert notes[CHILD1_ID] == "mutation.note.same_kk_moved"
    assert notes[CHILD3_ID] == "mutation.note.other_kk_deactivated"
    assert result.notes == ("mutation.note.same_kk_moved", "mutation.note.other_kk_deactivated")


def test_moving_without_a_reason_records_the_move_itself():
    result = plan(WORKER, MutationKind.MOVE_TO_MANDIRI, mandiri_class=2)

    assert afters(result)[WORKER_ID]["end_reason"] == "PINDAH_MANDIRI"


def test_other_kk_dependants_move_too_when_the_setting_allows():
    people = (WORKER, replace(WIFE, kk=OTHER_KK))
    result = plan(
        WORKER,
        MutationKind.MOVE_TO_MANDIRI,
        people,
        settings=Settings(move_same_kk_only=False),
        mandiri_class=2,
    )

    assert afters(result)[WIFE_ID]["status"] == "PINDAH_MANDIRI"


def test_excluded_dependants_are_deactivated_and_can_then_move_alone():
    result = plan(
        WORKER, MutationKind.MOVE_TO_MANDIRI, mandiri_class=1, exclude=frozenset({CHILD2_ID})
    )

    after = afters(result)
    assert after[CHILD2_ID] == LEFT_BEHIND
    assert after[CHILD1_ID]["status"] == "PINDAH_MANDIRI"
    assert "mutation.note.excluded_deactivated" in result.notes

    moved_worker = replace(WORKER, **after[WORKER_ID])
    left_child = replace(CHILD2, **after[CHILD2_ID])
    later = plan(
        left_child, MutationKind.MOVE_TO_MANDIRI, (moved_worker, left_child), mandiri_class=3
    )
    assert afters(later) == {
        CHILD2_ID: {"status": "PINDAH_MANDIRI", "segment": "PBPU", "mandiri_class": 3}
    }


def test_a_dependant_can_move_to_mandiri_alone():
    result = plan(CHILD3, MutationKind.MOVE_TO_MANDIRI, mandiri_class=3, reason=Reason.USIA)

    assert afters(result) == {
        CHILD3_ID: {
            "status": "PINDAH_MANDIRI",
            "segment": "PBPU",
            "mandiri_class": 3,
            "end_date": TMT,
            "end_reason": "USIA",
        }
    }


@pytest.mark.parametrize("mandiri_class", [None, 0, 4, True, "2", 2.0])
def test_moving_needs_a_mandiri_class(mandiri_class):
    issue = only_issue(plan(WORKER, MutationKind.MOVE_TO_MANDIRI, mandiri_class=mandiri_class))

    assert (issue.code, issue.column, issue.row) == (
        "mutation.class_required",
        "mandiri_class",
        ROW,
    )


def test_a_proof_on_a_move_is_ignored_with_a_note():
    result = plan(
        WORKER, MutationKind.MOVE_TO_MANDIRI, mandiri_class=1, reason="PHK", phk_proof="A"
    )

    assert result.ok
    assert "phk_date" not in afters(result)[WORKER_ID]
    assert "mutation.note.phk_proof_ignored" in result.notes


def test_a_class_on_a_deactivation_is_ignored_with_a_note():
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PENSIUN, mandiri_class=2)

    assert "mandiri_class" not in afters(result)[WORKER_ID]
    assert "mutation.note.mandiri_class_ignored" in result.notes


# --- AKTIFKAN -------------------------------------------------------------------------------------

ENDED = date(2025, 5, 1)


def left_family() -> tuple[Person, ...]:
    """The family after the worker resigned on ENDED; child 1 had aged out before."""
    gone = {"status": "NONAKTIF", "end_date": ENDED, "end_reason": "MENGUNDURKAN_DIRI"}
    return (
        replace(WORKER, **gone),
        replace(WIFE, **gone),
        replace(CHILD1, status="NONAKTIF", end_date=date(2025, 3, 1), end_reason="USIA"),
        replace(CHILD2, **gone),
        replace(CHILD3, **gone),
    )


BACK = {"status": "AKTIF", "end_date": None, "end_reason": None}
REHIRED = {**BACK, "start_date": TMT}  # a worker's membership starts again on the TMT


def test_reactivating_a_worker_brings_back_those_who_ended_with_them():
    people = left_family()
    result = plan(people[0], MutationKind.REACTIVATE, people)

    assert result.ok, result.issues
    assert afters(result) == {
        WORKER_ID: REHIRED,
        **dict.fromkeys((WIFE_ID, CHILD2_ID, CHILD3_ID), BACK),
    }
    assert "mutation.note.dependants_reactivated" in result.notes


def test_reactivating_with_include_and_exclude():
    people = left_family()
    chosen = plan(
        people[0], MutationKind.REACTIVATE, people, include=frozenset({CHILD1_ID, WIFE_ID})
    )
    assert set(afters(chosen)) == {WORKER_ID, CHILD1_ID, WIFE_ID}

    nobody = plan(people[0], MutationKind.REACTIVATE, people, include=frozenset())
    assert set(afters(nobody)) == {WORKER_ID}

    default_minus = plan(people[0], MutationKind.REACTIVATE, people, exclude=frozenset({CHILD3_ID}))
    assert set(afters(default_minus)) == {WORKER_ID, WIFE_ID, CHILD2_ID}


def test_reactivating_a_worker_who_moved_to_mandiri_clears_the_mandiri_fields():
    moved = {**MOVED, "end_reason": "PINDAH_MANDIRI", "end_date": ENDED}
    people = (replace(WORKER, **moved), replace(WIFE, **moved))
    result = plan(people[0], MutationKind.REACTIVATE, people)

    expected = {**BACK, "segment": "PPU", "mandiri_class": None}
    assert afters(result) == {WORKER_ID: {**expected, "start_date": TMT}, WIFE_ID: expected}


def test_reactivating_after_phk_clears_the_continued_coverage():
    phk = {
        "status": "NONAKTIF",
        "end_date": ENDED,
        "end_reason": "PHK",
        "phk_date": ENDED,
        "continued_coverage_until": date(2025, 11, 1),
    }
    result = plan(replace(WORKER, **phk), MutationKind.REACTIVATE, (WORKER,))

    assert afters(result)[WORKER_ID] == {
        **REHIRED, "phk_date": None, "continued_coverage_until": None
    }  # fmt: skip


def test_including_a_deceased_dependant_is_refused_without_showing_the_nik():
    people = left_family()
    dead_child = replace(people[2], status="MENINGGAL", end_reason="MENINGGAL")
    people = (*people[:2], dead_child, *people[3:])
    issue = only_issue(
        plan(people[0], MutationKind.REACTIVATE, people, include=frozenset({CHILD1_ID}))
    )

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.deceased",
        "nik",
        "include_deceased",
    )
    assert issue.params["person"] == "3201********0003"


@pytest.mark.parametrize("subject", [WORKER, CHILD1])
def test_reactivating_someone_active_is_refused(subject):
    issue = only_issue(plan(subject, MutationKind.REACTIVATE))

    assert (issue.code, issue.column) == ("mutation.not_inactive", "kind")


@pytest.mark.parametrize("worker_state", INACTIVE_STATES)
def test_a_dependant_cannot_come_back_while_the_worker_is_not_active(worker_state):
    child = replace(CHILD1, status="NONAKTIF", end_date=ENDED, end_reason="USIA")
    worker = replace(WORKER, **worker_state)
    issue = only_issue(plan(child, MutationKind.REACTIVATE, (worker, child)))

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.not_active",
        "nik",
        "worker_not_active",
    )


def test_a_dependant_comes_back_alone_under_an_active_worker():
    child = replace(CHILD1, status="NONAKTIF", end_date=ENDED, end_reason="USIA")
    result = plan(child, MutationKind.REACTIVATE, (WORKER, child))

    assert afters(result) == {CHILD1_ID: BACK}


def test_a_dependant_whose_worker_is_missing_cannot_come_back():
    child = replace(CHILD1, status="NONAKTIF", end_date=ENDED, end_reason="USIA")
    issue = only_issue(plan(child, MutationKind.REACTIVATE, (child,)))

    assert issue.params["problem"] == "worker_not_active"


def test_reactivation_ignores_reason_proof_and_class_with_notes():
    people = left_family()
    result = plan(
        people[0],
        MutationKind.REACTIVATE,
        people,
        reason=Reason.PHK,
        phk_proof=PhkProof.A,
        mandiri_class=1,
    )

    assert result.ok
    assert {
        "mutation.note.reason_ignored",
        "mutation.note.phk_proof_ignored",
        "mutation.note.mandiri_class_ignored",
    } <= set(result.notes)


def test_reactivating_before_the_previous_end_is_refused_for_anyone_returning():
    people = left_family()  # the worker and those returning by default ended on ENDED
    early = date(2025, 4, 1)
    alone = only_issue(
        plan(people[0], MutationKind.REACTIVATE, people, effective_date=early, include=frozenset())
    )
    assert alone.params == {"problem": "before_end"}  # the subject: no person named

    with_family = plan(people[0], MutationKind.REACTIVATE, people, effective_date=early)
    assert [issue.params.get("person") for issue in with_family.issues] == [
        None,
        "3201********0002",
        "3201********0004",
        "3201********0005",
    ]
    assert with_family.changes == ()

    late_child = replace(people[2], end_date=date(2025, 6, 1))  # ended after the worker
    issue = only_issue(
        plan(
            people[0],
            MutationKind.REACTIVATE,
            (people[0], late_child),
            include=frozenset({CHILD1_ID}),
            effective_date=date(2025, 5, 15),
        )
    )
    assert issue.params == {"problem": "before_end", "person": "3201********0003"}


# --- TMT ------------------------------------------------------------------------------------------


def test_the_default_tmt_is_the_first_day_of_next_month_and_configurable():
    assert plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PENSIUN).effective_date == TMT
    settings = Settings(default_effective_date=lambda today: today)
    result = plan(WORKER, MutationKind.DEACTIVATE, settings=settings, reason=Reason.PENSIUN)
    assert result.effective_date == TODAY
    assert afters(result)[WORKER_ID]["end_date"] == TODAY


@pytest.mark.parametrize(
    ("effective_date", "problem"),
    [
        (date(2025, 3, 9), "too_early"),  # today minus 3 months minus a day
        (date(2026, 6, 11), "too_late"),  # today plus 12 months plus a day
        (date(2019, 12, 31), "too_early"),
        ("01-07-2025", "unreadable"),
        (20250701, "unreadable"),
    ],
)
def test_tmt_bounds(effective_date, problem):
    issue = only_issue(
        plan(WORKER, MutationKind.DEACTIVATE, reason="PENSIUN", effective_date=effective_date)
    )

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.date_invalid",
        "effective_date",
        problem,
    )


@pytest.mark.parametrize("effective_date", [date(2025, 3, 10), date(2026, 6, 10), TODAY])
def test_tmt_bounds_are_inclusive(effective_date):
    result = plan(WORKER, MutationKind.DEACTIVATE, reason="PENSIUN", effective_date=effective_date)

    assert result.ok and result.effective_date == effective_date


def test_tmt_bounds_follow_the_settings():
    settings = Settings(max_past_months=0, max_future_months=1)
    early = plan(
        WORKER,
        MutationKind.DEACTIVATE,
        settings=settings,
        reason="PENSIUN",
        effective_date=date(2025, 6, 9),
    )
    late = plan(
        WORKER,
        MutationKind.DEACTIVATE,
        settings=settings,
        reason="PENSIUN",
        effective_date=date(2025, 7, 11),
    )
    assert only_issue(early).params["problem"] == "too_early"
    assert only_issue(late).params["problem"] == "too_late"


def test_tmt_before_the_start_date_is_refused():
    new_worker = replace(WORKER, start_date=date(2025, 6, 1))
    issue = only_issue(
        plan(
            new_worker,
            MutationKind.DEACTIVATE,
            (new_worker,),
            reason="PENSIUN",
            effective_date=date(2025, 5, 31),
        )
    )

    assert issue.params["problem"] == "before_start"


def test_a_datetime_tmt_is_used_as_its_date():
    result = plan(
        WORKER,
        MutationKind.DEACTIVATE,
        reason="PENSIUN",
        effective_date=datetime(2025, 8, 1, 13, 30),
    )

    assert result.effective_date == date(2025, 8, 1)
    assert type(afters(result)[WORKER_ID]["end_date"]) is date


def test_several_problems_are_all_reported_with_their_columns():
    result = plan(
        WORKER,
        MutationKind.MOVE_TO_MANDIRI,
        mandiri_class=9,
        reason="USIA",
        effective_date=date(2030, 1, 1),
    )

    assert sorted(codes(result)) == [
        ("mutation.class_required", "mandiri_class"),
        ("mutation.date_invalid", "effective_date"),
        ("mutation.reason_invalid", "reason"),
    ]
    assert all(issue.row == ROW for issue in result.issues)
    assert result.changes == ()


@pytest.mark.parametrize("kind", [None, "HAPUS", "nonaktif", 1])
def test_an_unknown_kind_is_the_only_issue(kind):
    issue = only_issue(plan(WORKER, kind, reason="BOSAN", effective_date="x"))  # type: ignore[arg-type]

    assert (issue.code, issue.column) == ("mutation.kind_invalid", "kind")


# --- helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 6, 10), date(2025, 7, 1)),
        (date(2025, 12, 31), date(2026, 1, 1)),
        (date(2025, 1, 1), date(2025, 2, 1)),
    ],
)
def test_first_day_of_next_month(today, expected):
    assert first_day_of_next_month(today) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 15), -3, date(2024, 10, 15)),
        (date(2025, 7, 1), 12, date(2026, 7, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_every_note_the_planner_gives_has_its_wording_and_no_wording_is_left_over():
    import re
    from pathlib import Path

    from edabu_lite.mutations import rules
    from edabu_lite.mutations.notes import NOTE_MESSAGES

    given = set(re.findall(r'"(mutation\.note\.\w+)"', Path(rules.__file__).read_text()))
    assert len(given) >= 10  # the planner names its notes as literals
    assert given == set(NOTE_MESSAGES)
    assert all(text.strip() for text in NOTE_MESSAGES.values())


def test_person_from_a_participant_like_record_uses_plain_strings():
    from edabu_lite.roster.models import Relationship, Segment, Status

    record = SimpleNamespace(
        **{name: getattr(WORKER, name) for name in Person.__dataclass_fields__},
    )
    record.relationship, record.status, record.segment = (
        Relationship.WORKER,
        Status.ACTIVE,
        Segment.PPU,
    )
    built = Person.from_record(record)

    assert built == WORKER
    assert type(built.status) is str and type(built.relationship) is str


def test_the_status_and_segment_strings_match_the_models():
    from edabu_lite.mutations import rules
    from edabu_lite.roster.models import Segment, Status

    assert {rules.ACTIVE, rules.INACTIVE, rules.MOVED_TO_MANDIRI, rules.DECEASED} == {
        s.value for s in Status
    }
    assert {rules.PPU, rules.PBPU} == {s.value for s in Segment}
    longest = max(len(r) for r in (*Reason, WORKER_DECEASED, WORKER_MOVED))
    assert longest <= 30  # participant.end_reason is String(30)


# --- the event date (Tanggal Kejadian) and late reports -------------------------------------------


@pytest.mark.parametrize("reason", [Reason.PHK, Reason.MENINGGAL])
def test_phk_and_death_need_their_event_date(reason):
    issue = only_issue(plan(WORKER, MutationKind.DEACTIVATE, reason=reason, event_date=None))

    assert (issue.code, issue.column, issue.row) == (
        "mutation.event_date_required",
        "event_date",
        ROW,
    )


def test_a_phk_reported_ten_months_late_is_accepted_and_says_its_coverage_is_over():
    phk_day, tmt = date(2024, 8, 20), date(2024, 9, 1)
    result = plan(
        WORKER, MutationKind.DEACTIVATE, reason=Reason.PHK, phk_proof=PhkProof.A,
        event_date=phk_day, effective_date=tmt,
    )  # fmt: skip

    assert result.ok, result.issues
    after = afters(result)[WORKER_ID]
    assert (after["phk_date"], after["continued_coverage_until"]) == (phk_day, date(2025, 2, 20))
    assert (after["end_date"], after["event_date"]) == (tmt, phk_day)
    assert "mutation.note.phk_coverage_over" in result.notes


def test_a_recent_phk_keeps_its_coverage_running_without_the_note():
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PHK, phk_proof=PhkProof.A)

    assert "mutation.note.phk_coverage_over" not in result.notes


@pytest.mark.parametrize(
    ("reason", "tmt", "ok"),
    [
        (Reason.PHK, date(2024, 7, 1), True),  # 11 months back: a late PHK
        (Reason.MENINGGAL, date(2024, 7, 1), True),
        (Reason.PHK, date(2024, 5, 1), False),  # 13 months back
        (Reason.PENSIUN, date(2025, 3, 1), False),  # other reasons: 3 months
        (Reason.PENSIUN, date(2025, 3, 15), True),
    ],
)
def test_how_far_back_a_tmt_may_lie_depends_on_the_reason(reason, tmt, ok):
    result = plan(
        WORKER, MutationKind.DEACTIVATE, reason=reason, effective_date=tmt,
        event_date=min(tmt, EVENT),
    )  # fmt: skip

    if ok:
        assert result.ok, result.issues
    else:
        on_tmt = [i for i in result.issues if i.column == "effective_date"]
        assert [(i.code, i.params["problem"]) for i in on_tmt] == [
            ("mutation.date_invalid", "too_early")
        ]


@pytest.mark.parametrize(
    ("day", "problem"), [(date(2025, 6, 11), "future"), (date(2024, 6, 9), "too_early")]
)
def test_an_event_date_in_the_future_or_over_a_year_back_is_refused(day, problem):
    issue = only_issue(plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PHK, event_date=day))

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.date_invalid", "event_date", problem
    )  # fmt: skip


def test_a_resignation_is_dated_the_day_before_its_tmt_unless_told():
    told = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.MENGUNDURKAN_DIRI,
                event_date=date(2025, 6, 2))  # fmt: skip

    assert afters(told)[WORKER_ID]["event_date"] == date(2025, 6, 2)


def test_a_death_keeps_its_certificate_number():
    result = plan(CHILD1, MutationKind.DEACTIVATE, reason=Reason.MENINGGAL,
                  death_certificate="474.3/123/2025")  # fmt: skip

    assert afters(result)[CHILD1_ID]["death_certificate"] == "474.3/123/2025"
    assert result.notes == ()


# --- after leaving comes mandiri ------------------------------------------------------------------

LEFT = {"status": "NONAKTIF", "end_date": date(2025, 6, 1), "end_reason": "PHK"}
PHK_COVERED = {
    **LEFT,
    "phk_date": date(2025, 5, 20),
    "continued_coverage_until": date(2025, 11, 20),
}


def _phk_family() -> tuple[Person, ...]:
    return (
        replace(WORKER, **PHK_COVERED),
        replace(WIFE, **PHK_COVERED),
        replace(CHILD1, **PHK_COVERED, kk=OTHER_KK),
        replace(CHILD2, status="NONAKTIF", end_date=date(2025, 3, 1), end_reason="USIA"),
        replace(CHILD3, **PHK_COVERED),
    )


def test_a_worker_made_nonaktif_moves_to_mandiri_with_those_who_left_with_them():
    people = _phk_family()
    result = plan(people[0], MutationKind.MOVE_TO_MANDIRI, people, mandiri_class=2,
                  exclude=frozenset({CHILD3_ID}))  # fmt: skip

    assert result.ok, result.issues
    moved = {"status": "PINDAH_MANDIRI", "segment": "PBPU", "mandiri_class": 2,
             "continued_coverage_until": TMT}  # fmt: skip
    # the wife on the same KK goes along; the child on another KK, the excluded one and the
    # child who aged out earlier stay as they are
    assert afters(result) == {WORKER_ID: moved, WIFE_ID: moved}
    assert {"mutation.note.other_kk_stay", "mutation.note.excluded_stay"} <= set(result.notes)


@pytest.mark.parametrize("reason", ["MENGUNDURKAN_DIRI", "HABIS_KONTRAK", "PENSIUN", "USIA"])
def test_anyone_made_nonaktif_for_a_reason_but_death_may_move_to_mandiri(reason):
    subject = CHILD1 if reason == "USIA" else WORKER
    left = replace(subject, **{**LEFT, "end_reason": reason})
    result = plan(left, MutationKind.MOVE_TO_MANDIRI, mandiri_class=3)

    assert result.ok, result.issues
    assert afters(result)[subject.id] == {
        "status": "PINDAH_MANDIRI", "segment": "PBPU", "mandiri_class": 3
    }  # fmt: skip


def test_a_move_after_the_phk_coverage_ended_leaves_its_end_date():
    ended = replace(WORKER, **{**PHK_COVERED, "continued_coverage_until": date(2025, 6, 20)})
    result = plan(ended, MutationKind.MOVE_TO_MANDIRI, (ended,), mandiri_class=1)

    assert "continued_coverage_until" not in afters(result)[WORKER_ID]


# --- the reasons dependants really have -----------------------------------------------------------


@pytest.mark.parametrize("subject", [WIFE, CHILD1])
def test_a_dependant_who_starts_working_leaves_for_bekerja(subject):
    result = plan(subject, MutationKind.DEACTIVATE, reason=Reason.BEKERJA)

    assert result.ok and afters(result)[subject.id]["end_reason"] == "BEKERJA"
    issue = only_issue(plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.BEKERJA))
    assert issue.params["problem"] == "dependant_only"


def test_dihentikan_fits_parents_and_a_fourth_child_only():
    born = [date(2010, 1, 1), date(2012, 1, 1), date(2014, 1, 1), date(2016, 1, 1)]
    children = [replace(person(10 + i, "Anak"), birth_date=day) for i, day in enumerate(born)]
    mother = person(20, "Ibu", kk=OTHER_KK)
    people = (WORKER, WIFE, *children, mother)

    for subject, fits in ((mother, True), (children[3], True), (children[1], False),
                          (WIFE, False)):  # fmt: skip
        result = plan(subject, MutationKind.DEACTIVATE, people, reason=Reason.DIHENTIKAN)
        if fits:
            assert result.ok and afters(result)[subject.id]["end_reason"] == "DIHENTIKAN"
        else:
            assert codes(result) == [("mutation.reason_invalid", "reason")]
            assert result.issues[0].params["problem"] == "relationship"
    # once the eldest has left, the youngest is among the first three
    left = (WORKER, WIFE, replace(children[0], status="NONAKTIF"), *children[1:], mother)
    assert not plan(children[3], MutationKind.DEACTIVATE, left, reason="DIHENTIKAN").ok


def test_the_phk_coverage_a_page_shows_lasts_until_the_day_before_it_stops():
    result = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PHK, phk_proof=PhkProof.A)
    after = replace(WORKER, **afters(result)[WORKER_ID])

    shown = phk_coverage_on(after, TODAY)
    assert (shown.last_day, shown.care_class) == (date(2025, 12, 4), 3)
    assert phk_coverage_on(after, date(2025, 12, 4)) == shown
    assert phk_coverage_on(after, date(2025, 12, 5)) is None
    assert phk_coverage_on(WORKER, TODAY) is None
    moved = replace(after, status="PINDAH_MANDIRI", mandiri_class=3)
    assert phk_coverage_on(moved, TODAY) is None


# --- a change takes effect on its TMT -------------------------------------------------------------


def timing(result: Plan) -> dict[int, tuple[object, ...]]:
    return {c.person_id: tuple(c.after.get(k) for k in TIMING) for c in result.changes}


def test_a_status_change_takes_effect_on_its_tmt():
    leaving = plan(WORKER, MutationKind.DEACTIVATE, reason=Reason.PENSIUN)
    assert timing(leaving) == dict.fromkeys(
        (WORKER_ID, WIFE_ID, CHILD1_ID, CHILD2_ID, CHILD3_ID), (TMT, "AKTIF")
    )
    after = replace(WORKER, **leaving.changes[0].after)
    assert (after.status_on(date(2025, 6, 30)), after.status_on(TMT)) == ("AKTIF", "NONAKTIF")

    left = replace(WORKER, **LEFT, status_since=date(2025, 6, 1), previous_status="AKTIF")
    moved = plan(left, MutationKind.MOVE_TO_MANDIRI, (left,), mandiri_class=2)
    assert timing(moved) == {WORKER_ID: (TMT, "NONAKTIF")}  # inactive until the move's TMT

    back = plan(left, MutationKind.REACTIVATE, (left,))
    assert timing(back) == {WORKER_ID: (TMT, "NONAKTIF")}


def test_changes_are_scheduled_one_at_a_time():
    """Deactivated per 1 July (still active today): a move to mandiri per 1 August would need
    two steps of history; it waits until 1 July, or takes the same TMT and replaces it."""
    pending = replace(
        WORKER, **{**LEFT, "end_date": TMT}, status_since=TMT, previous_status="AKTIF"
    )
    later = plan(pending, MutationKind.MOVE_TO_MANDIRI, (pending,), mandiri_class=3,
                 effective_date=date(2025, 8, 1))  # fmt: skip
    issue = only_issue(later)
    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.date_invalid", "effective_date", "pending"
    )  # fmt: skip
    move = Request(MutationKind.MOVE_TO_MANDIRI, mandiri_class=3, effective_date=date(2025, 8, 1))
    in_july = plan_mutation(pending, [], move, today=TMT)
    assert in_july.ok and timing(in_july) == {WORKER_ID: (date(2025, 8, 1), "NONAKTIF")}
    same_day = plan(pending, MutationKind.MOVE_TO_MANDIRI, (pending,), mandiri_class=3)
    mandiri = replace(pending, **same_day.changes[0].after)  # the move replaces the leaving
    assert (mandiri.status_on(date(2025, 6, 30)), mandiri.status_on(TMT)) == (
        "AKTIF", "PINDAH_MANDIRI"
    )  # fmt: skip


def test_a_change_that_keeps_the_status_leaves_its_timing_alone():
    phk = replace(WORKER, **PHK_COVERED, status_since=date(2025, 6, 1), previous_status="AKTIF")
    result = plan(phk, MutationKind.DEACTIVATE, (phk,), reason=Reason.PENSIUN)
    assert not result.ok  # already inactive: nothing changes, no timing either


def test_a_recorded_death_is_never_replaced_by_the_workers_change():
    """A dependant whose death is recorded with a TMT still to come stays deceased when the
    worker leaves or moves: on the same TMT (or a later one) the death ends the coverage
    itself; on an earlier one the dependant would be covered without the worker until the
    death's TMT, so the worker's TMT must wait (found by the state machine)."""
    wife = replace(
        WIFE, status="MENINGGAL", status_since=TMT, previous_status="AKTIF", end_date=TMT,
        end_reason="MENINGGAL", event_date=EVENT,
    )  # fmt: skip
    people = (WORKER, wife, CHILD1)
    for kind, extra in (
        (MutationKind.DEACTIVATE, {"reason": Reason.MENGUNDURKAN_DIRI}),
        (MutationKind.MOVE_TO_MANDIRI, {"mandiri_class": 3}),
    ):
        same_day = plan(WORKER, kind, people, **extra)
        assert same_day.ok, same_day.issues
        changed = {c.person_id for c in same_day.changes}
        assert WIFE_ID not in changed and {WORKER_ID, CHILD1_ID} <= changed
        earlier = plan(WORKER, kind, people, effective_date=date(2025, 6, 20), **extra)
        assert [(i.code, i.params.get("problem")) for i in earlier.issues] == [
            ("mutation.date_invalid", "pending")
        ]
        assert earlier.changes == ()
