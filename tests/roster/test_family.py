"""Cross-row family checks: duplicates, worker links, KK, spouses, children and extra members."""

from __future__ import annotations

import time
from datetime import date

import pytest

from edabu_lite.issues import WARNING, Issue
from edabu_lite.roster.family import FamilyRules, Member, age_on, check_families
from edabu_lite.roster.schemas import RowContext, load_row, partial_member_values

TODAY = date(2025, 6, 1)
KK = "3201011203150001"
OTHER_KK = "3201012004180002"
WORKER = "3201011203880001"


def person(
    row: int,
    nik: str,
    relationship: str,
    *,
    worker_nik: str | None = WORKER,
    kk: str | None = KK,
    birth_date: date | None = date(2015, 1, 1),
    in_school: bool | None = None,
    marital_status: str | None = "Belum Kawin",
) -> Member:
    return Member(row, nik, kk, relationship, worker_nik, birth_date, in_school, marital_status)


def worker(row: int = 2, nik: str = WORKER, kk: str | None = KK) -> Member:
    return person(
        row, nik, "Peserta", worker_nik=None, kk=kk, birth_date=date(1988, 3, 12),
        marital_status="Kawin",
    )  # fmt: skip


def wife(row: int, nik: str = "3201015506900002", worker_nik: str = WORKER) -> Member:
    return person(
        row, nik, "Istri", worker_nik=worker_nik, birth_date=date(1990, 6, 15),
        marital_status="Kawin",
    )  # fmt: skip


def kid(row: int, nik: str, born: date, **kwargs: object) -> Member:
    return person(row, nik, "Anak", birth_date=born, **kwargs)  # type: ignore[arg-type]


def check(
    members: list[Member],
    *,
    db_workers: dict[str, Member] | None = None,
    db_dependants: dict[str, list[Member]] | None = None,
    rules: FamilyRules | None = None,
) -> list[Issue]:
    kwargs = {"rules": rules} if rules is not None else {}
    return check_families(
        members,
        db_workers=db_workers or {},
        db_dependants=db_dependants or {},
        today=TODAY,
        **kwargs,  # type: ignore[arg-type]
    )


def summary(issues: list[Issue]) -> list[tuple[int | None, str | None, str]]:
    return [(issue.row, issue.column, issue.code) for issue in issues]


FAMILY = [
    worker(2),
    wife(3),
    kid(4, "3201010101100004", date(2010, 1, 1)),
    kid(5, "3201010101120005", date(2012, 1, 1)),
    kid(6, "3201010101140006", date(2014, 1, 1)),
]


def test_worker_spouse_and_three_children_are_clean() -> None:
    assert check(FAMILY) == []


def test_fourth_child_is_an_extra_member_on_the_youngest() -> None:
    # Listed out of birth order: the youngest gets the warning, whatever the row order.
    youngest = kid(4, "3201010101200007", date(2020, 1, 1))
    members = (
        [worker(2), wife(3), youngest]
        + [
            kid(row, m.nik, m.birth_date)  # type: ignore[arg-type]
            for row, m in zip((5, 6, 7), FAMILY[2:], strict=True)
        ]
    )
    issues = check(members)
    assert summary(issues) == [(4, "relationship", "family.extra_member")]
    assert issues[0].severity == WARNING


def test_third_child_is_not_an_extra_member() -> None:
    assert check(FAMILY[:5]) == []
    assert check([*FAMILY[:4]]) == []


def test_child_aged_22_in_school_is_covered_and_not_in_school_is_not() -> None:
    born = date(2003, 1, 1)  # 22 at TODAY
    assert check([worker(2), kid(3, "3201010101030003", born, in_school=True)]) == []
    for in_school in (False, None):
        issues = check([worker(2), kid(3, "3201010101030003", born, in_school=in_school)])
        assert summary(issues) == [(3, "in_school", "family.child_age")]
        assert issues[0].params["age"] == 22


def test_child_age_limits_are_exact() -> None:
    turns_21_today = date(2004, 6, 1)
    turns_21_tomorrow = date(2004, 6, 2)
    assert check([worker(2), kid(3, "3201010101040003", turns_21_tomorrow)]) == []
    assert summary(check([worker(2), kid(3, "3201010101040003", turns_21_today)])) == [
        (3, "in_school", "family.child_age")
    ]
    turns_25_today = date(2000, 6, 1)
    turns_25_tomorrow = date(2000, 6, 2)
    student = {"in_school": True}
    assert check([worker(2), kid(3, "3201010101000003", turns_25_tomorrow, **student)]) == []
    assert summary(check([worker(2), kid(3, "3201010101000003", turns_25_today, **student)])) == [
        (3, "birth_date", "family.child_age")
    ]


def test_child_aged_25_fails_and_the_fourth_child_takes_the_place() -> None:
    too_old = kid(4, "3201010101000004", date(2000, 1, 1), in_school=True)  # 25
    members = (
        [worker(2), wife(3), too_old]
        + [
            kid(row, m.nik, m.birth_date)  # type: ignore[arg-type]
            for row, m in zip((5, 6, 7), FAMILY[2:], strict=True)
        ]
    )
    issues = check(members)
    assert summary(issues) == [(4, "birth_date", "family.child_age")]
    assert issues[0].params["age"] == 25
    # The same family with the eldest still coverable: the youngest is the extra one.
    fine = kid(4, "3201010101000004", date(2004, 1, 1), in_school=True)
    assert summary(check([*members[:2], fine, *members[3:]])) == [
        (7, "relationship", "family.extra_member")
    ]


def test_married_child_is_not_a_dependant_and_leaves_the_place() -> None:
    married = kid(4, "3201010101080004", date(2003, 1, 1), in_school=True, marital_status="Kawin")
    others = [
        kid(row, m.nik, m.birth_date)  # type: ignore[arg-type]
        for row, m in zip((5, 6, 7), FAMILY[2:], strict=True)
    ]
    members = [worker(2), married, *others]
    assert summary(check(members)) == [(4, "marital_status", "family.not_dependant")]
    single = kid(4, "3201010101080004", date(2003, 1, 1), in_school=True)
    assert summary(check([worker(2), single, *members[2:]])) == [
        (7, "relationship", "family.extra_member")
    ]


def test_dependant_before_its_worker_in_the_file() -> None:
    members = [wife(2), kid(3, "3201010101100004", date(2010, 1, 1)), worker(9)]
    assert check(members) == []


def test_dependant_of_a_worker_in_the_database() -> None:
    stored_worker = worker(0)
    assert check([wife(5)], db_workers={WORKER: stored_worker}) == []
    assert summary(check([wife(5)])) == [(5, "worker_nik", "family.worker_missing")]


def test_worker_missing_when_the_worker_nik_is_unknown_or_empty() -> None:
    members = [
        worker(2),
        wife(3, worker_nik="3201011203880099"),
        person(4, "3201010101100004", "Anak", worker_nik=None),
    ]
    assert summary(check(members)) == [
        (3, "worker_nik", "family.worker_missing"),
        (4, "worker_nik", "family.worker_missing"),
    ]


def test_database_dependants_count_for_places_and_spouses() -> None:
    stored = [
        wife(0),
        kid(0, "3201010101100004", date(2010, 1, 1)),
        kid(0, "3201010101120005", date(2012, 1, 1)),
        kid(0, "3201010101140006", date(2014, 1, 1)),
    ]
    new_kid = kid(3, "3201010101200007", date(2020, 1, 1))
    second_wife = wife(4, nik="3201015506920003")
    issues = check(
        [new_kid, second_wife],
        db_workers={WORKER: worker(0)},
        db_dependants={WORKER: stored},
    )
    assert summary(issues) == [
        (3, "relationship", "family.extra_member"),
        (4, "relationship", "family.spouse_count"),
    ]
    assert issues[1].params["count"] == 2
    # Stored children who aged out leave their place.
    aged_out = [*stored[:1], kid(0, "3201010101000004", date(1999, 1, 1)), *stored[2:]]
    assert check([new_kid], db_workers={WORKER: worker(0)}, db_dependants={WORKER: aged_out}) == []


def test_database_dependant_repeated_in_the_file_is_counted_once() -> None:
    stored = [wife(0)]
    issues = check([worker(2), wife(3)], db_dependants={WORKER: stored})
    assert issues == []


def test_duplicate_nik_is_an_error_on_each_later_row() -> None:
    members = [*FAMILY, person(8, FAMILY[2].nik, "Anak"), person(9, FAMILY[2].nik, "Anak")]
    issues = check(members)
    assert summary(issues) == [(8, "nik", "row.duplicate_nik"), (9, "nik", "row.duplicate_nik")]
    assert [issue.params["other_row"] for issue in issues] == [4, 4]
    assert "baris 4" in issues[0].message()


def test_duplicate_nik_first_occurrence_is_the_lowest_row() -> None:
    members = [
        person(9, "3201010101100004", "Anak"),
        worker(2),
        person(4, "3201010101100004", "Anak"),
    ]
    issues = check(members)
    assert summary(issues) == [(9, "nik", "row.duplicate_nik")]
    assert issues[0].params["other_row"] == 4


def test_duplicate_worker_rows() -> None:
    issues = check([worker(2), worker(3)])
    assert summary(issues) == [(3, "nik", "row.duplicate_nik")]


def test_kk_mismatch_for_spouse_child_and_parent() -> None:
    members = [
        worker(2),
        person(3, "3201015506900002", "Istri", kk=OTHER_KK, birth_date=date(1990, 6, 15)),
        person(4, "3201010101100004", "Anak", kk=OTHER_KK, birth_date=date(2010, 1, 1)),
        person(5, "3201010101600005", "Ayah", kk=OTHER_KK, birth_date=date(1960, 1, 1)),
        person(6, "3201010101120006", "Anak", kk=KK, birth_date=date(2012, 1, 1)),
        person(7, "3201010101130007", "Anak", kk=None, birth_date=date(2013, 1, 1)),
    ]
    assert summary(check(members)) == [
        (3, "kk", "family.kk_mismatch"),
        (4, "kk", "family.kk_mismatch"),
        (5, "kk", "family.kk_mismatch"),
        (5, "relationship", "family.extra_member"),
    ]
    by_row = {i.row: i for i in check(members) if i.code == "family.kk_mismatch"}
    # a spouse or a child must share the worker's KK; a parent may stand on their own
    assert (by_row[3].is_error, by_row[4].is_error) == (True, True)
    assert (by_row[5].is_error, by_row[5].severity) == (False, "warning")
    assert "Ayah, ibu, dan mertua boleh" in by_row[5].message()


def test_kk_mismatch_against_a_stored_worker() -> None:
    stored_worker = worker(0, kk=OTHER_KK)
    assert summary(check([wife(3)], db_workers={WORKER: stored_worker})) == [
        (3, "kk", "family.kk_mismatch")
    ]


def test_two_wives_warn_on_both() -> None:
    members = [worker(2), wife(3), wife(4, nik="3201015506920003")]
    issues = check(members)
    assert summary(issues) == [
        (3, "relationship", "family.spouse_count"),
        (4, "relationship", "family.spouse_count"),
    ]
    assert all(issue.severity == WARNING and issue.params["count"] == 2 for issue in issues)
    assert check(members[:2]) == []


@pytest.mark.parametrize("relationship", ["Ayah", "Ibu", "Mertua"])
def test_every_parent_is_an_extra_member(relationship: str) -> None:
    parent = person(3, "3201010101600003", relationship, birth_date=date(1960, 1, 1),
                    marital_status="Kawin")  # fmt: skip
    issues = check([worker(2), parent])
    assert summary(issues) == [(3, "relationship", "family.extra_member")]
    assert issues[0].severity == WARNING


def test_dependant_of_a_dependant_is_not_a_dependant() -> None:
    grandchild = person(5, "3201010101200005", "Anak", worker_nik=FAMILY[2].nik)
    grandparent = person(6, "3201010101400006", "Ayah", worker_nik="3201010101600003",
                         birth_date=date(1940, 1, 1))  # fmt: skip
    father = person(7, "3201010101600003", "Ayah", birth_date=date(1960, 1, 1))
    issues = check([*FAMILY, grandchild, grandparent, father])
    assert summary(issues) == [
        (5, "worker_nik", "family.not_dependant"),
        (6, "worker_nik", "family.not_dependant"),
        (7, "relationship", "family.extra_member"),
    ]


def test_a_file_dependant_wins_over_a_stored_worker_with_that_nik() -> None:
    # The file now lists the stored worker as a dependant: pointing to them is not allowed.
    former_worker = "3201011203880055"
    members = [
        worker(2),
        wife(3, nik=former_worker),
        person(4, "3201010101100004", "Anak", worker_nik=former_worker),
    ]
    issues = check(members, db_workers={former_worker: worker(0, nik=former_worker)})
    assert summary(issues) == [(4, "worker_nik", "family.not_dependant")]


def test_worker_row_pointing_to_another_worker() -> None:
    other = "3201011203880077"
    members = [worker(2), person(3, other, "Peserta", worker_nik=WORKER)]
    assert summary(check(members)) == [(3, "worker_nik", "family.not_dependant")]
    # Its own NIK repeated there is accepted.
    assert check([worker(2), person(3, other, "Peserta", worker_nik=other)]) == []


def test_self_reference_of_a_dependant() -> None:
    me = "3201010101100004"
    assert summary(check([worker(2), person(3, me, "Anak", worker_nik=me)])) == [
        (3, "worker_nik", "family.not_dependant")
    ]


def test_child_with_unknown_birth_date_ranks_last() -> None:
    unknown = kid(3, "3201010101990003", None)  # type: ignore[arg-type]
    members = (
        [worker(2), unknown]
        + [
            kid(row, m.nik, m.birth_date)  # type: ignore[arg-type]
            for row, m in zip((5, 6, 7), FAMILY[2:], strict=True)
        ]
    )
    assert summary(check(members)) == [(3, "relationship", "family.extra_member")]


def test_twins_rank_by_row() -> None:
    born = date(2016, 1, 1)
    members = [*FAMILY, kid(9, "3201010101160009", born), kid(8, "3201010101160008", born)]
    # Rows 8 and 9 are both younger than the three others: both are extra.
    assert summary(check(members)) == [
        (8, "relationship", "family.extra_member"),
        (9, "relationship", "family.extra_member"),
    ]
    older = [
        worker(2),
        kid(9, "3201010101160009", born),
        kid(8, "3201010101160008", born),
        kid(4, "3201010101170004", date(2017, 1, 1)),
        kid(5, "3201010101180005", date(2018, 1, 1)),
    ]
    assert summary(check(older)) == [(5, "relationship", "family.extra_member")]
    same_day = [worker(2), *(kid(row, f"32010101011600{row:02d}", born) for row in (7, 5, 6, 4))]
    assert summary(check(same_day)) == [(7, "relationship", "family.extra_member")]


def test_stored_twin_keeps_the_place_of_a_new_twin() -> None:
    born = date(2016, 1, 1)
    stored = [
        kid(0, "3201010101100004", date(2010, 1, 1)),
        kid(0, "3201010101120005", date(2012, 1, 1)),
        kid(0, "3201010101160006", born),
    ]
    new_twin = kid(3, "3201010101160007", born)
    issues = check([worker(2), new_twin], db_dependants={WORKER: stored})
    assert summary(issues) == [(3, "relationship", "family.extra_member")]
    older_new = kid(3, "3201010101150007", date(2015, 1, 1))
    assert check([worker(2), older_new], db_dependants={WORKER: stored}) == []


def test_rules_are_configurable() -> None:
    members = [*FAMILY, kid(7, "3201010101200007", date(2020, 1, 1))]
    assert check(members, rules=FamilyRules(covered_children=4)) == []
    assert summary(check(members, rules=FamilyRules(covered_children=2))) == [
        (6, "relationship", "family.extra_member"),
        (7, "relationship", "family.extra_member"),
    ]


def test_age_on() -> None:
    assert age_on(date(2000, 6, 1), date(2025, 6, 1)) == 25
    assert age_on(date(2000, 6, 2), date(2025, 6, 1)) == 24
    assert age_on(date(2004, 2, 29), date(2025, 2, 28)) == 20
    assert age_on(date(2004, 2, 29), date(2025, 3, 1)) == 21


def test_member_from_a_validated_row() -> None:
    values = {
        "nik": "3201014508900001", "kk": KK, "name": "Siti Rahayu", "birth_date": "05-08-1990",
        "sex": "P", "marital_status": "Kawin", "relationship": "Peserta", "wage": 6_500_000,
        "care_class": 1, "faskes_code": "0112U020", "start_date": "01-01-2020",
    }  # fmt: skip
    data, issues = load_row(values, 5, RowContext(today=TODAY))
    assert issues == []
    assert data is not None
    member = Member.from_row(data, 5)
    assert member == Member(
        5, "3201014508900001", KK, "Peserta", None, date(1990, 8, 5), None, "Kawin"
    )


def test_300k_members_in_a_few_seconds() -> None:
    members: list[Member] = []
    row = 2
    for family in range(60_000):
        worker_nik = f"32010112038{family:05d}"
        kk = f"32010120041{family:05d}"
        members.append(person(row, worker_nik, "Peserta", worker_nik=None, kk=kk))
        for n in range(4):
            nik = f"3201010101{n}{family:05d}"
            born = date(2006 + n * 4, 1 + family % 12, 1)
            members.append(kid(row + n + 1, nik, born, worker_nik=worker_nik, kk=kk))
        row += 5
    start = time.perf_counter()
    issues = check(members)
    elapsed = time.perf_counter() - start
    assert len(members) == 300_000
    # Each family: 4 children, one of whom is extra (the youngest).
    assert len(issues) == 60_000
    assert {issue.code for issue in issues} == {"family.extra_member"}
    assert elapsed < 10, f"check_families took {elapsed:.1f}s for 300k members"


def test_members_with_an_unknown_role_are_only_checked_for_duplicates() -> None:
    typo_worker = person(2, WORKER, "", worker_nik=None)  # "Pesrta": relationship.invalid
    members = [typo_worker, wife(3), person(4, "3201010101100004", "", worker_nik=None)]
    assert check(members) == []
    assert summary(check([*members, person(5, WORKER, "")])) == [(5, "nik", "row.duplicate_nik")]


def test_partial_member_values_of_a_row_with_errors() -> None:
    values = {
        "nik": "3201014508900000",  # serial 0000: an error, but the NIK is readable
        "kk": 3201011203150001,  # numeric: unreadable
        "name": "",
        "relationship": "Orang Tua",
        "sex": "P",
        "worker_nik": "3201011203880001",
        "birth_date": "05-08-90",
        "in_school": "Ya",
        "marital_status": "Janda",
    }
    data, _issues = load_row(values, 4, RowContext(today=TODAY))
    assert data is None
    assert partial_member_values(values, TODAY) == {
        "nik": "3201014508900000",
        "kk": None,
        "relationship": "Ibu",
        "worker_nik": "3201011203880001",
        "birth_date": None,
        "in_school": True,
        "marital_status": None,
    }
    assert partial_member_values({}, TODAY) == dict.fromkeys(
        ("nik", "kk", "relationship", "worker_nik", "birth_date", "in_school", "marital_status")
    )


def test_two_husbands_are_an_error_and_two_wives_a_warning() -> None:
    husband1 = person(3, "3201011203880002", "Suami", birth_date=date(1988, 3, 12))
    husband2 = person(4, "3201011204880003", "Suami", birth_date=date(1988, 4, 12))
    issues = check([worker(2), husband1, husband2])
    assert summary(issues) == [
        (3, "relationship", "family.husband_count"),
        (4, "relationship", "family.husband_count"),
    ]
    assert all(i.is_error and i.params["count"] == 2 for i in issues)
    stored = person(0, "3201011205880004", "Suami", birth_date=date(1988, 5, 12))
    found = check([worker(2), husband1], db_dependants={WORKER: [stored]})
    assert summary(found) == [(3, "relationship", "family.husband_count")]
    two_wives = check([worker(2), wife(3), wife(4, nik="3201015606900004")])
    assert {(i.code, i.is_error) for i in two_wives} == {("family.spouse_count", False)}
