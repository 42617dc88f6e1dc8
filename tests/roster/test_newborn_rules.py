"""Newborns without a NIK (contract §2, Pandawa C): the row rule's window, its setting, and
the family checks' key (worker, name, birth date)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edabu_lite.issues import Issue
from edabu_lite.mutations.sheet import load_mutation_row
from edabu_lite.roster.cells import NEWBORN_DAYS, RELATIONSHIPS
from edabu_lite.roster.family import Member, check_families, newborn_key
from edabu_lite.roster.schemas import RowContext, load_row

TODAY = date(2026, 12, 5)
CTX = RowContext(today=TODAY)
WORKER_NIK = "3273015507900001"


def newborn(days_old: int, **overrides: object) -> dict[str, object]:
    """A clean Anak row without a NIK, born ``days_old`` days before `TODAY`."""
    return {
        "nik": "",
        "kk": "3273012001150003",
        "name": "Bayi Hartono",
        "birth_date": TODAY - timedelta(days=days_old),
        "sex": "L",
        "marital_status": "Belum Kawin",
        "relationship": "Anak",
        "worker_nik": WORKER_NIK,
        "care_class": 1,
        "faskes_code": "0112U020",
        **overrides,
    }


def outcome(values: dict[str, object], ctx: RowContext = CTX) -> tuple[bool, list[Issue]]:
    data, issues = load_row(values, 7, ctx)
    return data is not None, issues


@pytest.mark.parametrize("days_old", [0, 1, 45, NEWBORN_DAYS])
def test_a_child_within_the_window_loads_without_a_nik_with_a_warning(days_old):
    data, issues = load_row(newborn(days_old), 7, CTX)
    assert data is not None and data["nik"] is None
    assert data["worker_nik"] == WORKER_NIK and data["name"] == "Bayi Hartono"
    assert issues == [Issue("nik.newborn_pending", "nik", 7)]
    assert not issues[0].is_error
    assert "NIK Peserta Utama, nama, dan tanggal" in issues[0].message()


@pytest.mark.parametrize("days_old", [NEWBORN_DAYS + 1, 400, 365 * 5])
def test_a_child_past_the_window_is_refused_saying_why(days_old):
    loaded, issues = outcome(newborn(days_old))
    assert not loaded
    assert [(i.code, i.column, i.is_error) for i in issues] == [("nik.required", "nik", True)]
    message = issues[0].message()
    assert f"lebih dari {NEWBORN_DAYS} hari" in message and "bayi baru lahir" in message


def test_a_birth_date_in_the_future_is_its_own_error_and_the_nik_stays_required():
    loaded, issues = outcome(newborn(-1))
    assert not loaded
    assert [i.code for i in issues] == ["nik.required", "birth_date.future"]
    assert issues[0].params == {}  # the plain message: the birth date is what to fix first


def test_an_unreadable_birth_date_leaves_the_plain_nik_required():
    loaded, issues = outcome(newborn(0, birth_date="31-02-2026"))
    assert not loaded
    assert [i.code for i in issues] == ["nik.required", "birth_date.format"]


@pytest.mark.parametrize(
    ("relationship", "sex", "marital", "extra"),
    [
        ("Peserta", "L", "Kawin", {"worker_nik": None, "wage": 6_000_000,
                                    "start_date": date(2026, 1, 1)}),
        ("Istri", "P", "Kawin", {}),
        ("Suami", "L", "Kawin", {}),
        ("Ayah", "L", "Kawin", {}),
        ("Ibu", "P", "Kawin", {}),
        ("Mertua", "P", "Kawin", {}),
    ],
)  # fmt: skip
def test_an_empty_nik_on_any_other_row_is_required_even_if_born_today(
    relationship, sex, marital, extra
):
    values = newborn(0, relationship=relationship, sex=sex, marital_status=marital, **extra)
    loaded, issues = outcome(values)
    assert not loaded
    nik_issues = [i for i in issues if i.column == "nik"]
    assert nik_issues == [Issue("nik.required", "nik", 7)]
    assert "nik.newborn_pending" not in {i.code for i in issues}


def test_the_window_is_a_setting():
    short = RowContext(today=TODAY, newborn_days=28)
    assert outcome(newborn(28), short)[0]
    loaded, issues = outcome(newborn(29), short)
    assert not loaded and "lebih dari 28 hari" in issues[0].message()


def test_a_child_with_a_nik_is_not_a_pending_newborn():
    data, issues = load_row(newborn(3, nik="3273010212260005"), 7, CTX)
    assert data is not None and data["nik"] == "3273010212260005"
    assert "nik.newborn_pending" not in {i.code for i in issues}


@settings(max_examples=200, deadline=None, database=None)
@given(
    days_old=st.integers(min_value=-3, max_value=3 * 365),
    window=st.integers(min_value=0, max_value=400),
    relationship=st.sampled_from(RELATIONSHIPS),
    nik_cell=st.sampled_from(["", None, "  ", float("nan")]),
)
def test_property_an_empty_nik_passes_exactly_for_a_child_in_the_window(
    days_old, window, relationship, nik_cell
):
    """Whatever the window, the age and the relationship: the row loads (with the newborn
    warning) exactly when it is an Anak born between today and ``window`` days ago;
    otherwise the NIK is required."""
    ctx = RowContext(today=TODAY, newborn_days=window)
    values = newborn(days_old, nik=nik_cell, relationship=relationship)
    if relationship == "Peserta":
        values.update(worker_nik=None, wage=6_000_000, start_date=date(2026, 1, 1))
    if relationship in ("Suami", "Istri", "Ayah", "Ibu", "Mertua"):
        values.update(
            marital_status="Kawin", sex="P" if relationship in ("Istri", "Ibu", "Mertua") else "L"
        )
    data, issues = load_row(values, 7, ctx)
    nik_codes = [i.code for i in issues if i.column == "nik"]
    pending = relationship == "Anak" and 0 <= days_old <= window
    if pending:
        assert nik_codes == ["nik.newborn_pending"]
        assert data is not None and data["nik"] is None
    else:
        assert nik_codes == ["nik.required"] and data is None
        past_window = relationship == "Anak" and days_old > window
        assert (issues[0].params.get("problem") == "newborn_window") == past_window


# --- the family checks -------------------------------------------------------------------


def member(row: int, nik: str, relationship: str, **kw: object) -> Member:
    values: dict[str, object] = {
        "kk": "3273012001150003",
        "worker_nik": WORKER_NIK if relationship != "Peserta" else None,
        "birth_date": date(1990, 1, 1),
        "in_school": None,
        "marital_status": "Belum Kawin",
        **kw,
    }
    return Member(row=row, nik=nik, relationship=relationship, **values)  # type: ignore[arg-type]


def baby(row: int, name: str, born: date = TODAY) -> Member:
    return member(row, newborn_key(WORKER_NIK, name, born), "Anak", birth_date=born)


def test_two_newborns_with_the_same_worker_name_and_birth_date_are_a_duplicate():
    members = [member(2, WORKER_NIK, "Peserta"), baby(3, "Bayi Hartono"), baby(5, "BAYI hartono")]
    issues = check_families(members, db_workers={}, db_dependants={}, today=TODAY)
    assert [(i.code, i.row, dict(i.params)) for i in issues] == [
        ("row.duplicate_nik", 5, {"other_row": 3, "problem": "newborn"})
    ]
    assert issues[0].is_error and "Bayi tanpa NIK" in issues[0].message()


def test_twins_with_different_names_are_two_children():
    members = [member(2, WORKER_NIK, "Peserta"), baby(3, "Bayi Satu"), baby(4, "Bayi Dua")]
    assert check_families(members, db_workers={}, db_dependants={}, today=TODAY) == []


def test_a_newborn_counts_among_the_children_and_needs_their_worker():
    older = [
        member(3 + n, f"327301010{n}100001", "Anak", birth_date=date(2010 + n, 1, 1))
        for n in range(3)
    ]
    members = [member(2, WORKER_NIK, "Peserta"), *older, baby(9, "Bayi Hartono")]
    issues = check_families(members, db_workers={}, db_dependants={}, today=TODAY)
    assert [(i.code, i.row) for i in issues] == [("family.extra_member", 9)]
    alone = check_families([baby(4, "Bayi Hartono")], db_workers={}, db_dependants={}, today=TODAY)
    assert [(i.code, i.row) for i in alone] == [("family.worker_missing", 4)]


def test_the_key_is_never_a_nik():
    key = newborn_key(WORKER_NIK, "Bayi", TODAY)
    assert key.startswith("~") and not key.isdigit()
    assert newborn_key(WORKER_NIK, "Bayi", TODAY) == newborn_key(WORKER_NIK, "BAYI", TODAY)
    assert newborn_key(WORKER_NIK, "Bayi", TODAY) != newborn_key(
        WORKER_NIK, "Bayi", date(2026, 12, 4)
    )


def test_a_mutation_sheet_row_without_a_nik_says_a_newborn_must_get_one_first():
    data, issues = load_mutation_row({"nik": "", "kind": "AKTIFKAN"}, 4, today=TODAY)
    assert data is None
    [issue] = [i for i in issues if i.column == "nik"]
    assert issue.code == "nik.required" and issue.is_error
    assert "Bayi yang belum memiliki NIK belum dapat dimutasi" in issue.message()
