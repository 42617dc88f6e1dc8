"""The month's contribution, computed by hand (contract §4, domain §4): the floor, the cap,
extra members, rounding half up per person, a TMT in mid-month, PHK coverage free, mandiri
not billed, a rate change in mid-year, a wage change counting from its month."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from edabu_lite.contributions import operations as ops
from edabu_lite.contributions import query
from edabu_lite.roster.models import Participant, WageChange
from tests.conftest import TEST_ACTOR
from tests.factories import register, worker_row

DEC = date(2026, 12, 1)


def _nik(n: int) -> str:
    return f"32730101019{n:05d}"


def _child(worker: dict, n: int, born: date, **overrides) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {
        **worker,
        "nik": _nik(n),
        "name": f"Anak {n}",
        "birth_date": born,
        "relationship": "Anak",
        "worker_nik": worker["nik"],
        "marital_status": "Belum Kawin",
        "wage": None,
        "employee_number": None,
        "start_date": None,
        **overrides,
    }


def _set(session, nik: str, **values) -> None:  # type: ignore[no-untyped-def]
    session.execute(sa.update(Participant).where(Participant.nik == nik).values(**values))
    session.commit()


def test_floor_cap_and_rounding_half_up_per_person(session, employer):  # type: ignore[no-untyped-def]
    employer.minimum_wage = 4_500_000
    register(
        session,
        employer,
        [
            worker_row(_nik(1), _nik(901), "Di Bawah UMK", wage=3_000_000),  # floored
            worker_row(_nik(2), _nik(902), "Di Atas Batas", wage=15_000_000),  # capped
            worker_row(_nik(3), _nik(903), "Setengah", wage=4_500_050),  # 1 % = 45,000.5
        ],
    )
    bill = ops.bill_for(session, employer, DEC)
    lines = {
        line.name: line for line in session.execute(ops.bill_lines(session, bill, employer.id))
    }
    assert (lines["Di Bawah UMK"].base, lines["Di Bawah UMK"].employer_share) == (
        4_500_000,
        180_000,
    )
    assert lines["Di Bawah UMK"].worker_share == 45_000
    assert (lines["Di Atas Batas"].base, lines["Di Atas Batas"].employer_share) == (
        12_000_000,
        480_000,
    )
    assert lines["Setengah"].worker_share == 45_001  # half up
    assert lines["Setengah"].employer_share == 180_002  # 180,002.0
    assert bill.as_json(employer.code) == {
        "employer": employer.code,
        "month": "2026-12",
        "workers": 3,
        "covered": 3,
        "extra_members": 0,
        "employer_share": 180_000 + 480_000 + 180_002,
        "worker_share": 45_000 + 120_000 + 45_001,
        "extra_family": 0,
        "total": 180_000 + 480_000 + 180_002 + 45_000 + 120_000 + 45_001,
    }


def test_extra_members_are_parents_and_children_after_the_third(session, employer):  # type: ignore[no-untyped-def]
    worker = worker_row(_nik(10), _nik(910), "Ayah Banyak Anak", wage=6_000_000)
    children = [_child(worker, 11 + i, date(2010 + i, 1, 1)) for i in range(4)]
    father = {**_child(worker, 20, date(1950, 1, 1)), "relationship": "Ayah", "name": "Kakek"}
    register(session, employer, [worker, *children, father])
    bill = ops.bill_for(session, employer, DEC)
    assert (bill.workers, bill.covered, bill.extra_members) == (1, 6, 2)
    assert bill.extra_family == 2 * 60_000
    assert bill.total == 240_000 + 60_000 + 120_000

    # the oldest child leaves (aged out): the fourth takes the place
    _set(
        session,
        _nik(11),
        status="NONAKTIF",
        previous_status="AKTIF",
        status_since=date(2026, 11, 1),
    )
    bill = ops.bill_for(session, employer, DEC)
    assert (bill.covered, bill.extra_members, bill.extra_family) == (5, 1, 60_000)


def test_a_person_counts_from_the_month_after_a_mid_month_tmt(session, employer):  # type: ignore[no-untyped-def]
    register(
        session, employer, [worker_row(_nik(30), _nik(930), "Baru", start_date=date(2026, 11, 15))]
    )
    assert ops.bill_for(session, employer, date(2026, 11, 1)).workers == 0
    assert ops.bill_for(session, employer, DEC).workers == 1


def test_phk_coverage_and_mandiri_cost_the_employer_nothing(session, employer):  # type: ignore[no-untyped-def]
    register(
        session,
        employer,
        [
            worker_row(_nik(40), _nik(940), "Di PHK"),
            worker_row(_nik(41), _nik(941), "Mandiri"),
            worker_row(_nik(42), _nik(942), "Aktif"),
        ],
    )
    left = {
        "previous_status": "AKTIF",
        "status_since": date(2026, 11, 1),
        "end_date": date(2026, 11, 1),
    }
    _set(session, _nik(40), status="NONAKTIF", phk_date=date(2026, 10, 20),
         continued_coverage_until=date(2027, 4, 20), **left)  # fmt: skip
    _set(session, _nik(41), status="PINDAH_MANDIRI", segment="PBPU", mandiri_class=2, **left)
    bill = ops.bill_for(session, employer, DEC)
    assert bill.workers == 1 and bill.total == 240_000 + 60_000
    october = ops.bill_for(session, employer, date(2026, 10, 1))  # before they left
    assert october.workers == 3
    mandiri = ops.mandiri_for(session, employer, bill)
    assert (mandiri.people, mandiri.monthly, dict(mandiri.by_class)) == (1, 100_000, {2: 1})
    assert [(p.name, c, rate) for p, c, rate in mandiri.shown] == [("Mandiri", 2, 100_000)]


def test_a_rate_change_takes_effect_from_its_month(session, employer):  # type: ignore[no-untyped-def]
    register(session, employer, [worker_row(_nik(50), _nik(950), "Satu", wage=5_000_000)])
    values = {k: getattr(ops.setting_for(session, employer.id, DEC), k) for k in ops.SETTING_FIELDS}
    ops.add_setting(
        session, employer, date(2026, 7, 1), {**values, "employer_rate_bp": 500}, TEST_ACTOR
    )
    assert ops.bill_for(session, employer, date(2026, 6, 1)).employer_share == 200_000
    assert ops.bill_for(session, employer, date(2026, 7, 1)).employer_share == 250_000
    assert ops.bill_for(session, employer, DEC).employer_share == 250_000
    with pytest.raises(ops.SettingError):
        ops.add_setting(session, employer, date(2026, 7, 15), values, TEST_ACTOR)


def test_an_earlier_month_keeps_the_wage_it_had(session, employer):  # type: ignore[no-untyped-def]
    people = register(
        session, employer, [worker_row(_nik(60), _nik(960), "Naik Gaji", wage=8_000_000)]
    )
    session.add(
        WageChange(employer_id=employer.id, participant_id=people[_nik(60)].id,
                   effective_from=DEC, old_wage=6_000_000, new_wage=8_000_000)
    )  # fmt: skip
    session.commit()
    assert ops.bill_for(session, employer, date(2026, 11, 1)).employer_share == 240_000
    assert ops.bill_for(session, employer, DEC).employer_share == 320_000
    comparison = ops.compare(session, employer, DEC)
    assert [(r.name, r.old_wage, r.new_wage) for r in comparison.wage_changed] == [
        ("Naik Gaji", 6_000_000, 8_000_000)
    ]
    assert comparison.came == [] and comparison.left == []


def test_the_comparison_names_who_came_and_who_left(session, employer):  # type: ignore[no-untyped-def]
    register(
        session,
        employer,
        [
            worker_row(_nik(70), _nik(970), "Tetap"),
            worker_row(_nik(71), _nik(971), "Baru Masuk", start_date=date(2026, 11, 10)),
            worker_row(_nik(72), _nik(972), "Sudah Keluar"),
        ],
    )
    _set(session, _nik(72), status="NONAKTIF", previous_status="AKTIF", end_reason="PENSIUN",
         status_since=date(2026, 12, 1), end_date=date(2026, 12, 1))  # fmt: skip
    comparison = ops.compare(session, employer, DEC)
    assert [r.name for r in comparison.came] == ["Baru Masuk"]
    assert [(r.name, r.end_reason) for r in comparison.left] == [("Sudah Keluar", "PENSIUN")]
    assert comparison.counts == {"came": 1, "left": 1, "wage_changed": 0}
    page = ops.bill_page(session, ops.bill_for(session, employer, DEC), employer.id, 1, 50)
    assert [line.name for line in page] == ["Baru Masuk", "Tetap"]


def test_next_month_shows_each_pending_batch(session, employer):  # type: ignore[no-untyped-def]
    from edabu_lite.mutations.kinds import MutationKind, Reason
    from edabu_lite.mutations.operations import ItemInput, plan_batch
    from edabu_lite.mutations.plans import Request

    register(
        session, employer, [worker_row(_nik(80 + n), _nik(980 + n), f"P{n}") for n in range(3)]
    )
    outlook = ops.next_month(session, employer, date(2026, 12, 5))
    assert outlook.scheduled.workers == 3 and outlook.steps == ()
    request = Request(MutationKind.DEACTIVATE, Reason.PENSIUN, effective_date=date(2027, 1, 1))
    plan_batch(
        session, employer.id, [ItemInput(nik=_nik(80), request=request)], TEST_ACTOR, source="web"
    )
    later = Request(MutationKind.DEACTIVATE, Reason.PENSIUN, effective_date=date(2027, 2, 1))
    plan_batch(
        session, employer.id, [ItemInput(nik=_nik(81), request=later)], TEST_ACTOR, source="web"
    )
    outlook = ops.next_month(session, employer, date(2026, 12, 5))
    assert outlook.scheduled.workers == 3
    assert [bill.workers for _batch, bill in outlook.steps] == [2]  # February's TMT is later
    assert outlook.steps[0][1].total == outlook.scheduled.total - 300_000


def test_an_earlier_month_takes_the_wage_before_the_first_change_after_it(session, employer):  # type: ignore[no-untyped-def]
    people = register(
        session,
        employer,
        [
            worker_row(_nik(70), _nik(970), "Dua Kali Naik", wage=9_000_000),
            worker_row(_nik(71), _nik(971), "Gaji Lama Kosong", wage=9_000_000),
        ],
    )
    twice, unknown = people[_nik(70)].id, people[_nik(71)].id

    def change(pid: int, day: date, old: int | None, new: int) -> WageChange:
        return WageChange(employer_id=employer.id, participant_id=pid, effective_from=day,
                          old_wage=old, new_wage=new)  # fmt: skip

    session.add_all(  # out of date order: the earliest change after the month counts
        [
            change(twice, date(2027, 1, 1), 7_000_000, 9_000_000),
            change(twice, DEC, 6_000_000, 7_000_000),
            change(unknown, DEC, None, 9_000_000),
        ]
    )
    session.commit()

    def wages(month: date) -> dict[int, int]:
        bill = ops.bill_for(session, employer, month)
        return {line.id: line.wage for line in ops.iter_lines(session, bill, employer.id)}

    assert wages(date(2026, 11, 1)) == {twice: 6_000_000, unknown: 0}  # not known then: none
    assert wages(DEC) == {twice: 7_000_000, unknown: 9_000_000}


def test_the_bill_reaches_wages_and_families_through_indexes_without_statistics(session, employer):  # type: ignore[no-untyped-def]
    """SQLite has no statistics right after a large import (nor ever for wage_change), and
    without them it joins a derived table by scanning it once per worker: for 100,000
    workers, minutes for one month (bench/NOTES.md). Every join goes through an index."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's planner; PostgreSQL's: the test below")
    stats = sa.text("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'")
    if session.execute(stats).first():
        session.execute(sa.text("DELETE FROM sqlite_stat1"))
    session.execute(sa.text("ANALYZE sqlite_schema"))  # the planner reloads them: none
    bill = ops.bill_for(session, employer, DEC)
    statement = ops.bill_lines(session, bill, employer.id)
    sql = str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    plan = [row[3] for row in session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"))]
    assert not [step for step in plan if step.startswith("SCAN") and "JOIN" in step], plan
    assert any("ix_wage_change_participant" in step for step in plan), plan
    assert any("ix_participant_worker" in step for step in plan), plan


def _indexes_for(node: dict, alias: str, found: set[str], inside: bool = False) -> set[str]:  # type: ignore[type-arg]
    """The indexes a PostgreSQL plan (EXPLAIN's JSON) reads to reach ``alias``'s rows."""
    inside = inside or node.get("Alias") == alias
    if inside and "Index Name" in node:
        found.add(node["Index Name"])
    for child in node.get("Plans", []):
        _indexes_for(child, alias, found, inside and child.get("Parent Relationship") != "SubPlan")
    return found


def test_postgresql_reaches_a_workers_dependants_by_the_worker_alone(session, employer):  # type: ignore[no-untyped-def]
    """PostgreSQL without statistics (a refresh can run before a large import's ANALYZE)
    estimates one worker and, for each, ANDed the dependants' worker index with all of the
    employer's (employer_id, kk) index: a month of 300,000 people ran over 6 minutes
    (bench/NOTES.md). The worker implies the employer, so only its index is needed."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner; SQLite's: the test above")
    register(session, employer, [worker_row(_nik(80), _nik(980), "Tanpa Statistik")])
    session.execute(sa.text("DELETE FROM pg_statistic WHERE starelid = 'participant'::regclass"))
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))  # as for a large table
    bill = ops.bill_for(session, employer, DEC)
    statement = query.totals(query.lines(employer.id, DEC, bill.numbers))
    sql = str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    plan = session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
    assert _indexes_for(plan[0]["Plan"], "lines_d", set()) == {"ix_participant_worker"}, plan
