"""Hypothesis properties of row validation and the family checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edabu_lite.demo_data import generate_families
from edabu_lite.issues import CATALOGUE, Issue
from edabu_lite.roster.cells import MARITAL_STATUSES, RELATIONSHIPS, ROW_KEYS
from edabu_lite.roster.family import Member, check_families
from edabu_lite.roster.schemas import (
    RosterRowSchema,
    RowContext,
    load_row,
    partial_member_values,
)

TODAY = date(2025, 6, 1)
CTX = RowContext(today=TODAY, minimum_wage=3_000_000)
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

any_cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True),
    st.fractions(),
    st.text(),
    st.text(alphabet="0123456789 .,-/:'+RrpPLKkelasYaIiT\u00a0", max_size=24),
    st.sampled_from(
        ["L", "P", "Kawin", "Peserta", "Anak", "Istri", "Menantu", "Ya", "Kelas 1", "0112U020"]
    ),
    st.binary(max_size=8),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.complex_numbers(),
    st.builds(object),
)


def _well_formed(data: dict[str, object] | None, issues: list[Issue], row: int) -> None:
    assert all(isinstance(issue, Issue) for issue in issues)
    assert all(issue.row == row and issue.column in ROW_KEYS for issue in issues)
    assert all(issue.code in CATALOGUE for issue in issues)
    has_error = any(issue.is_error for issue in issues)
    assert (data is None) == has_error
    if data is not None:
        assert set(data) == set(ROW_KEYS)


@PROPERTY_SETTINGS
@given(values=st.dictionaries(st.sampled_from(ROW_KEYS), any_cell), row=st.integers(2, 10**6))
def test_loading_a_row_never_raises(values: dict[str, object], row: int) -> None:
    data, issues = load_row(values, row, CTX)
    _well_formed(data, issues, row)


@st.composite
def clean_rows(draw: st.DrawFn) -> dict[str, object]:
    seed = draw(st.integers(0, 2**32 - 1))
    rows = list(generate_families(12, seed=seed, today=TODAY))
    return draw(st.sampled_from(rows))


@PROPERTY_SETTINGS
@given(key=st.sampled_from(ROW_KEYS), cell=any_cell, base=clean_rows())
def test_one_odd_cell_in_a_clean_row_never_raises(
    key: str, cell: object, base: dict[str, object]
) -> None:
    data, issues = load_row({**base, key: cell}, 9, CTX)
    _well_formed(data, issues, 9)


@PROPERTY_SETTINGS
@given(values=st.dictionaries(st.sampled_from(ROW_KEYS), any_cell))
def test_partial_member_values_never_raise(values: dict[str, object]) -> None:
    partial = partial_member_values(values, TODAY)
    assert partial["nik"] is None or (len(partial["nik"]) == 16 and partial["nik"].isdigit())  # type: ignore[arg-type]
    assert partial["relationship"] in {None, *RELATIONSHIPS}


@settings(max_examples=150, deadline=None, database=None)
@given(values=st.dictionaries(st.sampled_from(ROW_KEYS), any_cell), row=st.integers(2, 10**6))
def test_the_import_instance_keeps_nothing_from_row_to_row(
    values: dict[str, object], row: int
) -> None:
    """The import loads every row through one instance (`row_schema`): a fresh one agrees."""
    data, issues = load_row(values, row, CTX)
    fresh_data, fresh_issues = RosterRowSchema(ctx=CTX).load_issues(values, row=row)
    assert (data, issues) == (fresh_data, fresh_issues)


# --- rows built from valid parts ----------------------------------------------------------------

_SEX = {"L": ["L", "l", "Laki-laki", "LAKI LAKI", "Pria"], "P": ["P", "p", "Perempuan", "Wanita"]}
_MARITAL = {
    "Belum Kawin": ["Belum Kawin", "belum kawin", "Lajang", "Belum Menikah"],
    "Kawin": ["Kawin", "KAWIN", "Menikah"],
    "Cerai Hidup": ["Cerai Hidup", "cerai-hidup"],
    "Cerai Mati": ["Cerai Mati", "CERAI MATI"],
}
_RELATIONSHIP = {
    "Peserta": ["Peserta", "Pekerja", "Karyawan"],
    "Suami": ["Suami", "suami"],
    "Istri": ["Istri", "Isteri"],
    "Anak": ["Anak", "Anak Kandung", "anak ke-1"],
    "Ayah": ["Ayah", "Bapak"],
    "Ibu": ["Ibu", "Ibu Kandung"],
    "Mertua": ["Mertua", "Ibu Mertua"],
}
_EXCEL_EPOCH = date(1899, 12, 30)


def _date_spellings(value: date) -> list[object]:
    serial = (value - _EXCEL_EPOCH).days
    return [
        value,
        datetime(value.year, value.month, value.day),
        f"{value.day:02d}-{value.month:02d}-{value.year}",
        f"{value.day}/{value.month}/{value.year}",
        f"{value.year}-{value.month:02d}-{value.day:02d}",
        serial,
        float(serial) + 0.25,
    ]


def _wage_spellings(wage: int) -> list[object]:
    dotted = f"{wage:,}".replace(",", ".")
    return [wage, float(wage), str(wage), dotted, f"Rp {dotted}", f"{wage:,}", f"Rp{dotted},-"]


@st.composite
def respelled(draw: st.DrawFn, row: dict[str, object]) -> dict[str, object]:
    """The same row with every cell written another accepted way."""
    out = dict(row)
    nik = str(row["nik"])
    out["nik"] = draw(st.sampled_from([nik, f"'{nik}", f"{nik[:6]} {nik[6:12]} {nik[12:]}"]))
    out["sex"] = draw(st.sampled_from(_SEX[str(row["sex"])]))
    out["marital_status"] = draw(st.sampled_from(_MARITAL[str(row["marital_status"])]))
    out["relationship"] = draw(st.sampled_from(_RELATIONSHIP[str(row["relationship"])]))
    out["birth_date"] = draw(st.sampled_from(_date_spellings(row["birth_date"])))  # type: ignore[arg-type]
    if row["start_date"] is not None:
        out["start_date"] = draw(st.sampled_from(_date_spellings(row["start_date"])))  # type: ignore[arg-type]
    if row["wage"] is not None:
        out["wage"] = draw(st.sampled_from(_wage_spellings(row["wage"])))  # type: ignore[arg-type]
    care_class = row["care_class"]
    roman = "I" * care_class  # type: ignore[operator]
    out["care_class"] = draw(
        st.sampled_from([care_class, str(care_class), f"Kelas {care_class}", roman])
    )
    faskes = str(row["faskes_code"])
    out["faskes_code"] = draw(
        st.sampled_from([faskes, faskes.lower(), f" {faskes[:4]} {faskes[4:]}"])
    )
    if row["phone"] is not None:
        phone = str(row["phone"])
        out["phone"] = draw(st.sampled_from([phone, f"+62 {phone[1:]}", int(phone)]))
    if row["in_school"] is not None:
        school = {"Ya": ["Ya", "Y", "ya", True, 1], "Tidak": ["Tidak", "T", "tidak", False, 0]}
        out["in_school"] = draw(st.sampled_from(school[str(row["in_school"])]))
    return out


@PROPERTY_SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1), size=st.integers(1, 30))
def test_rows_built_from_valid_parts_validate_cleanly(
    data: st.DataObject, seed: int, size: int
) -> None:
    ctx = RowContext(today=TODAY)
    for number, row in enumerate(generate_families(size, seed=seed, today=TODAY), start=2):
        parsed, issues = load_row(row, number, ctx)
        assert issues == []
        assert parsed is not None
        again, issues = load_row(data.draw(respelled(row)), number, ctx)
        assert issues == []
        assert again == parsed  # every accepted spelling parses to the same stored values


# --- check_families -----------------------------------------------------------------------------

NIKS = [f"320101010101{n:04d}" for n in range(1, 13)]
KKS = [None, "3201011203150001", "3201011203150002"]

members = st.builds(
    Member,
    row=st.integers(1, 40),
    nik=st.sampled_from(NIKS),
    kk=st.sampled_from(KKS),
    relationship=st.sampled_from([*RELATIONSHIPS, "Peserta", "Anak", "Anak", "", "Cucu"]),
    worker_nik=st.one_of(st.none(), st.sampled_from(NIKS)),
    birth_date=st.one_of(
        st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))
    ),
    in_school=st.one_of(st.none(), st.booleans()),
    marital_status=st.one_of(st.none(), st.sampled_from([*MARITAL_STATUSES, "?"])),
)
stored = members.map(lambda member: replace(member, row=0))  # people already in the database


@PROPERTY_SETTINGS
@given(
    file_members=st.lists(members, max_size=25),
    db_workers=st.dictionaries(st.sampled_from(NIKS), stored, max_size=4),
    db_dependants=st.dictionaries(st.sampled_from(NIKS), st.lists(stored, max_size=5), max_size=4),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
)
def test_check_families_never_raises_and_points_at_input_rows(
    file_members: list[Member],
    db_workers: dict[str, Member],
    db_dependants: dict[str, list[Member]],
    today: date,
) -> None:
    issues = check_families(
        file_members, db_workers=db_workers, db_dependants=db_dependants, today=today
    )
    rows = {member.row for member in file_members}
    assert all(issue.row in rows for issue in issues)
    assert all(issue.column in ROW_KEYS for issue in issues)
    assert all(issue.code.startswith(("family.", "row.duplicate_nik")) for issue in issues)
    # Every later occurrence of a NIK is reported once as a duplicate.
    duplicates = [issue for issue in issues if issue.code == "row.duplicate_nik"]
    assert len(duplicates) == len(file_members) - len({member.nik for member in file_members})


@PROPERTY_SETTINGS
@given(
    file_members=st.lists(members, max_size=25, unique_by=lambda m: m.row),
    db_workers=st.dictionaries(st.sampled_from(NIKS), stored, max_size=4),
    db_dependants=st.dictionaries(st.sampled_from(NIKS), st.lists(stored, max_size=5), max_size=4),
    order=st.randoms(use_true_random=False),
)
def test_check_families_does_not_depend_on_the_order_of_rows(
    file_members: list[Member],
    db_workers: dict[str, Member],
    db_dependants: dict[str, list[Member]],
    order: object,
) -> None:
    shuffled = list(file_members)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    kwargs = {"db_workers": db_workers, "db_dependants": db_dependants, "today": TODAY}
    first = check_families(file_members, **kwargs)  # type: ignore[arg-type]
    second = check_families(shuffled, **kwargs)  # type: ignore[arg-type]
    assert sorted(first, key=repr) == sorted(second, key=repr)


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 60))
def test_generated_families_have_no_family_errors(seed: int, size: int) -> None:
    ctx = RowContext(today=TODAY)
    file_members = []
    for number, row in enumerate(generate_families(size, seed=seed, today=TODAY), start=2):
        parsed, _issues = load_row(row, number, ctx)
        assert parsed is not None
        file_members.append(Member.from_row(parsed, number))
    issues = check_families(file_members, db_workers={}, db_dependants={}, today=TODAY)
    # Clean demo families: at most a parent's extra-member warning, never an error.
    assert {issue.code for issue in issues} <= {"family.extra_member"}
    parents = {m.row for m in file_members if m.relationship in {"Ayah", "Ibu", "Mertua"}}
    assert {issue.row for issue in issues} == parents


@settings(max_examples=1000, deadline=None, database=None)
@given(
    st.one_of(
        st.text(alphabet=st.characters(max_codepoint=127)),
        st.text(alphabet="AbZz .,'-`09_@\t", max_size=30),
    )
)
def test_ascii_names_follow_the_general_name_rule(text) -> None:  # type: ignore[no-untyped-def]
    """The one-pass ASCII pattern accepts exactly the ASCII names that the general rule
    (letters of any script and the punctuation of names, with at least one letter) does."""
    from edabu_lite.roster.cells import _ASCII_NAME, _LETTER, _NAME

    general = bool(_NAME.fullmatch(text) and _LETTER.search(text))
    assert bool(_ASCII_NAME.fullmatch(text)) == general
