"""Row rules of the roster sheet: every row-level issue code, its near misses, accepted spellings.

Each case is a base row (a clean worker or a clean dependant) with a few cells overridden. A
"trigger" case must report the (code, column); its near miss must not.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from edabu_lite.issues import ERROR, WARNING, Issue
from edabu_lite.roster.cells import ROW_KEYS
from edabu_lite.roster.schemas import RosterRowSchema, RowContext, load_row

TODAY = date(2025, 6, 1)
CTX = RowContext(today=TODAY)
ROW = 7

WORKER_NIK = "3201014508900001"  # woman born 05-08-1990, Cibinong
HUSBAND_NIK = "3201011203880002"  # man born 12-03-1988
CHILD_NIK = "3201016507150003"  # girl born 25-07-2015
KK_NUMBER = "3201011203150001"


def worker(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "nik": WORKER_NIK,
        "kk": KK_NUMBER,
        "name": "Siti Rahayu",
        "birth_place": "Bogor",
        "birth_date": date(1990, 8, 5),
        "sex": "P",
        "marital_status": "Kawin",
        "relationship": "Peserta",
        "worker_nik": None,
        "employee_number": "EMP-0001",
        "wage": 6_500_000,
        "care_class": 1,
        "faskes_code": "0112U020",
        "start_date": date(2020, 1, 1),
        "card_number": "0001234567890",
        "phone": "081234567890",
        "email": "siti@example.com",
        "in_school": None,
    }
    row.update(overrides)
    return row


def husband(**overrides: object) -> dict[str, object]:
    row = worker(
        nik=HUSBAND_NIK,
        name="Budi Santoso",
        birth_date=date(1988, 3, 12),
        sex="L",
        relationship="Suami",
        worker_nik=WORKER_NIK,
        employee_number=None,
        wage=None,
        start_date=None,
        card_number=None,
        phone=None,
        email=None,
    )
    row.update(overrides)
    return row


def child(**overrides: object) -> dict[str, object]:
    row = husband(
        nik=CHILD_NIK,
        name="Nur'aini",
        birth_date=date(2015, 7, 25),
        sex="P",
        marital_status="Belum Kawin",
        relationship="Anak",
    )
    row.update(overrides)
    return row


BASES = {"worker": worker, "husband": husband, "child": child}


def found(values: dict[str, object], ctx: RowContext = CTX) -> set[tuple[str, str | None]]:
    _data, issues = load_row(values, ROW, ctx)
    return {(issue.code, issue.column) for issue in issues}


# --- clean rows ---------------------------------------------------------------------------------


@pytest.mark.parametrize("base", sorted(BASES))
def test_clean_rows_have_no_issues(base: str) -> None:
    data, issues = load_row(BASES[base](), ROW, CTX)
    assert issues == []
    assert data is not None
    assert set(data) == set(ROW_KEYS)


def test_parsed_worker_row_holds_the_stored_values() -> None:
    values = worker(
        nik="'3201 0145 0890 0001",
        kk=" 3201-0112-0315-0001 ",
        name="  Siti   Rahayu ",
        birth_date="05/08/1990",
        sex="perempuan",
        marital_status="menikah",
        relationship="Karyawan",
        employee_number=12345.0,
        wage="Rp 6.500.000,-",
        care_class="Kelas I",
        faskes_code=" 0112 u020 ",
        start_date=datetime(2020, 1, 1, 0, 0),
        phone="+62 812-3456-7890",
        email=" Siti@Example.COM ",
        in_school="tidak",
    )
    data, issues = load_row(values, ROW, CTX)
    assert issues == []
    assert data == {
        "nik": WORKER_NIK,
        "kk": KK_NUMBER,
        "name": "Siti Rahayu",
        "birth_place": "Bogor",
        "birth_date": date(1990, 8, 5),
        "sex": "P",
        "marital_status": "Kawin",
        "relationship": "Peserta",
        "worker_nik": None,
        "employee_number": "12345",
        "wage": 6_500_000,
        "care_class": 1,
        "faskes_code": "0112U020",
        "start_date": date(2020, 1, 1),
        "card_number": "0001234567890",
        "phone": "081234567890",
        "email": "Siti@example.com",
        "in_school": False,
    }


def test_parsed_dependant_row_drops_the_wage() -> None:
    data, issues = load_row(child(wage="not a wage", in_school="Ya"), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["wage"] is None
    assert data["worker_nik"] == WORKER_NIK
    assert data["in_school"] is True
    assert data["relationship"] == "Anak"


def test_missing_keys_are_empty_cells() -> None:
    values = worker()
    for key in ("birth_place", "employee_number", "card_number", "phone", "email", "in_school"):
        del values[key]
    data, issues = load_row(values, ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["card_number"] is None
    assert data["phone"] is None


def test_an_empty_row_reports_every_required_cell() -> None:
    data, issues = load_row({}, ROW, CTX)
    assert data is None
    assert {(i.code, i.column) for i in issues} == {
        ("nik.required", "nik"),
        ("kk.required", "kk"),
        ("name.required", "name"),
        ("birth_date.required", "birth_date"),
        ("sex.invalid", "sex"),
        ("marital_status.invalid", "marital_status"),
        ("relationship.invalid", "relationship"),
        ("care_class.invalid", "care_class"),
        ("faskes_code.format", "faskes_code"),
    }


def test_issues_carry_row_and_column_and_come_in_sheet_order() -> None:
    values = worker(email="nope", nik="123", faskes_code="x", name="4", kk=KK_NUMBER)
    data, issues = load_row(values, ROW, CTX)
    assert data is None
    assert all(issue.row == ROW for issue in issues)
    columns = [issue.column for issue in issues]
    assert columns == ["nik", "name", "faskes_code", "email"]
    assert [issue.severity for issue in issues] == [ERROR, ERROR, ERROR, WARNING]


def test_warnings_alone_keep_the_row() -> None:
    data, issues = load_row(worker(phone="12", email="x@"), ROW, CTX)
    assert data is not None
    assert {issue.code for issue in issues} == {"phone.format", "email.format"}
    assert data["phone"] == "12"  # kept as typed: a warning does not drop the value
    assert data["email"] == "x@"


# --- one table: trigger and near miss for every row-level code ---------------------------------

RUPIAH_CTX = RowContext(today=TODAY, minimum_wage=5_000_000)

CASES: list[tuple[str, str, str, dict[str, object], dict[str, object]]] = [
    # (code, column, base, trigger overrides, near-miss overrides)
    ("nik.required", "nik", "worker", {"nik": "  "}, {"nik": WORKER_NIK}),
    ("nik.not_text", "nik", "worker", {"nik": 3201014508900001}, {"nik": "3201014508900001"}),
    ("nik.not_text", "nik", "worker", {"nik": 3.201014508900001e15}, {}),
    ("nik.not_text", "nik", "worker", {"nik": "3.20E+15"}, {}),
    ("nik.format", "nik", "worker", {"nik": "32010145O8900001"}, {"nik": "3201.01.450890.0001"}),
    ("nik.length", "nik", "worker", {"nik": "320101450890001"}, {}),
    ("nik.province", "nik", "worker", {"nik": "9901014508900001"}, {}),
    ("nik.region", "nik", "worker", {"nik": "3201994508900001"}, {}),
    ("nik.date", "nik", "worker", {"nik": "3201017208900001"}, {"nik": "3201017108900001"}),
    ("nik.serial", "nik", "worker", {"nik": "3201014508900000"}, {}),
    (
        "nik.birth_date_mismatch",
        "nik",
        "worker",
        {"birth_date": date(1990, 8, 6)},
        {"birth_date": "05-08-1990"},
    ),
    ("nik.sex_mismatch", "nik", "worker", {"sex": "L"}, {"sex": "Wanita"}),
    ("kk.required", "kk", "worker", {"kk": None}, {}),
    ("kk.not_text", "kk", "worker", {"kk": 3201011203150001}, {}),
    ("kk.format", "kk", "worker", {"kk": "3201011203I50001"}, {"kk": "3201 0112 0315 0001"}),
    ("kk.length", "kk", "worker", {"kk": "32010112031500011"}, {}),
    ("kk.province", "kk", "worker", {"kk": "0001011203150001"}, {}),
    ("kk.region", "kk", "worker", {"kk": "3201991203150001"}, {}),
    ("kk.date", "kk", "worker", {"kk": "3201014112150001"}, {"kk": "3201013112150001"}),
    ("kk.same_as_nik", "kk", "worker", {"kk": WORKER_NIK}, {}),
    ("card_number.not_text", "card_number", "worker", {"card_number": 1234567890}, {}),
    (
        "card_number.format",
        "card_number",
        "worker",
        {"card_number": "000123456789"},
        {"card_number": "0001-2345-67890"},
    ),
    ("name.required", "name", "worker", {"name": " "}, {"name": "Siti"}),
    ("name.format", "name", "worker", {"name": "12345"}, {"name": "Muh. Rizki"}),
    ("name.format", "name", "worker", {"name": 12345}, {"name": "Nur'aini"}),
    ("name.format", "name", "worker", {"name": "Budi\x07Santoso"}, {"name": "I Gusti Ayu"}),
    ("name.format", "name", "worker", {"name": "Budi 2"}, {"name": "Ni Luh Putu, S.Pd."}),
    ("name.format", "name", "worker", {"name": ".-'"}, {"name": "Jean-Pierre"}),
    ("name.format", "name", "worker", {"name": "Budi@Santoso"}, {"name": "Nur\u2019aini"}),
    ("name.format", "name", "worker", {"name": "X" * 201}, {"name": "X" * 200}),
    # A full Excel cell (32,767 characters) that fails at its end: refused, not a slow scan.
    ("name.format", "name", "worker", {"name": "A" * 32_766 + "@"}, {"name": "A B"}),
    ("birth_date.required", "birth_date", "worker", {"birth_date": ""}, {}),
    ("birth_date.format", "birth_date", "worker", {"birth_date": "05-08-90"}, {}),
    ("birth_date.format", "birth_date", "worker", {"birth_date": "31-02-1990"}, {}),
    ("birth_date.format", "birth_date", "worker", {"birth_date": "5 Agustus 1990"}, {}),
    ("birth_date.format", "birth_date", "worker", {"birth_date": date(1899, 12, 31)}, {}),
    ("birth_date.format", "birth_date", "worker", {"birth_date": True}, {}),
    ("birth_date.future", "birth_date", "child", {"birth_date": date(2025, 6, 2)}, {}),
    ("sex.invalid", "sex", "worker", {"sex": "X"}, {"sex": "p"}),
    ("sex.invalid", "sex", "worker", {"sex": None}, {}),
    ("marital_status.invalid", "marital_status", "worker", {"marital_status": "Janda"}, {}),
    ("marital_status.invalid", "marital_status", "worker", {"marital_status": None}, {}),
    ("relationship.invalid", "relationship", "worker", {"relationship": "Bos"}, {}),
    (
        "relationship.invalid",
        "relationship",
        "worker",
        {"relationship": "Kepala Keluarga"},
        {"relationship": "Pekerja"},
    ),
    (
        "relationship.invalid",
        "relationship",
        "husband",
        {"relationship": "Pasangan", "sex": ""},
        {},
    ),
    ("family.not_dependant", "relationship", "husband", {"relationship": "Menantu"}, {}),
    ("family.not_dependant", "relationship", "child", {"relationship": "Cucu"}, {}),
    ("family.not_dependant", "relationship", "husband", {"relationship": "Famili Lain"}, {}),
    ("family.not_dependant", "relationship", "husband", {"relationship": "Pembantu"}, {}),
    ("family.not_dependant", "relationship", "husband", {"relationship": "Saudara"}, {}),
    ("family.not_dependant", "relationship", "husband", {"relationship": "adik"}, {}),
    ("family.not_dependant", "relationship", "husband", {"relationship": "Lainnya"}, {}),
    (
        "family.not_dependant",
        "worker_nik",
        "worker",
        {"worker_nik": HUSBAND_NIK},
        {"worker_nik": WORKER_NIK},
    ),
    ("family.worker_missing", "worker_nik", "husband", {"worker_nik": ""}, {}),
    ("nik.length", "worker_nik", "husband", {"worker_nik": "3201014508"}, {}),
    ("nik.not_text", "worker_nik", "husband", {"worker_nik": 3201014508900001}, {}),
    ("wage.required", "wage", "worker", {"wage": None}, {}),
    ("wage.required", "wage", "worker", {"wage": 0}, {}),
    ("wage.required", "wage", "worker", {"wage": "  "}, {}),
    ("wage.format", "wage", "worker", {"wage": -5_000_000}, {"wage": 5_000_000.0}),
    ("wage.format", "wage", "worker", {"wage": 5_000_000.5}, {"wage": Decimal("5000000")}),
    ("wage.format", "wage", "worker", {"wage": "5,5 juta"}, {"wage": "5.500.000"}),
    ("wage.format", "wage", "worker", {"wage": "Rp 5.000.000,50"}, {"wage": "Rp 5.000.000,00"}),
    ("wage.format", "wage", "worker", {"wage": "5000.000"}, {"wage": "5000000"}),
    ("wage.format", "wage", "worker", {"wage": True}, {}),
    ("wage.format", "wage", "worker", {"wage": 10**13}, {}),
    ("care_class.invalid", "care_class", "worker", {"care_class": 3}, {"care_class": "1"}),
    ("care_class.invalid", "care_class", "worker", {"care_class": "III"}, {"care_class": "I"}),
    ("care_class.invalid", "care_class", "worker", {"care_class": None}, {"care_class": 1.0}),
    ("care_class.invalid", "care_class", "worker", {"care_class": 1.5}, {}),
    ("care_class.invalid", "care_class", "worker", {"care_class": True}, {}),
    (
        "care_class.wage_mismatch",
        "care_class",
        "worker",
        {"wage": 4_000_000},
        {"wage": 4_000_001},
    ),
    (
        "care_class.wage_mismatch",
        "care_class",
        "worker",
        {"wage": 4_000_001, "care_class": 2},
        {"wage": 4_000_000, "care_class": 2},
    ),
    ("faskes_code.format", "faskes_code", "worker", {"faskes_code": "0112-U020"}, {}),
    ("faskes_code.format", "faskes_code", "worker", {"faskes_code": "112U020"}, {}),
    ("faskes_code.format", "faskes_code", "worker", {"faskes_code": "0112U0200"}, {}),
    ("faskes_code.format", "faskes_code", "worker", {"faskes_code": "0112002"}, {}),
    ("faskes_code.format", "faskes_code", "worker", {"faskes_code": 1120020}, {}),
    ("faskes_code.format", "faskes_code", "worker", {"faskes_code": ""}, {}),
    ("start_date.format", "start_date", "worker", {"start_date": None}, {}),
    ("start_date.format", "start_date", "worker", {"start_date": "01-13-2020"}, {}),
    ("start_date.format", "start_date", "child", {"start_date": "kemarin"}, {"start_date": ""}),
    ("phone.format", "phone", "worker", {"phone": "021-555-1234"}, {"phone": "0812 3456 7890"}),
    ("phone.format", "phone", "worker", {"phone": "08123"}, {"phone": "6281234567890"}),
    ("phone.format", "phone", "worker", {"phone": "08123456789012"}, {"phone": 81234567890}),
    ("email.format", "email", "worker", {"email": "siti@example"}, {"email": "a.b@c.co.id"}),
    ("email.format", "email", "worker", {"email": "siti example.com"}, {"email": "-"}),
    ("email.format", "email", "worker", {"email": "a@@b.com"}, {"email": None}),
]


def _case_id(case: tuple[str, str, str, dict[str, object], dict[str, object]]) -> str:
    code, _column, base, trigger, _near = case
    return f"{code}-{base}-{next(iter(trigger.values()))!r}"[:70]


@pytest.mark.parametrize("case", CASES, ids=[_case_id(case) for case in CASES])
def test_code_is_reported_and_its_near_miss_is_not(
    case: tuple[str, str, str, dict[str, object], dict[str, object]],
) -> None:
    code, column, base, trigger, near_miss = case
    make = BASES[base]
    assert (code, column) in found(make(**trigger))
    assert (code, column) not in found(make(**near_miss))


def test_every_row_level_code_of_the_contract_is_in_the_table() -> None:
    row_level = {
        "nik.required", "nik.not_text", "nik.format", "nik.length", "nik.province", "nik.region",
        "nik.date", "nik.serial", "nik.birth_date_mismatch", "nik.sex_mismatch", "kk.required",
        "kk.not_text", "kk.format", "kk.length", "kk.province", "kk.region", "kk.date",
        "kk.same_as_nik", "name.required", "name.format", "birth_date.required",
        "birth_date.format", "birth_date.future", "sex.invalid", "marital_status.invalid",
        "relationship.invalid", "wage.required", "wage.format", "wage.below_minimum",
        "care_class.invalid", "care_class.wage_mismatch", "faskes_code.format",
        "start_date.format", "card_number.not_text", "card_number.format", "phone.format",
        "email.format", "family.not_dependant", "family.worker_missing",
    }  # fmt: skip
    covered = {case[0] for case in CASES} | {"wage.below_minimum"}
    assert row_level <= covered


def test_wage_below_minimum_is_a_warning_with_readable_amounts() -> None:
    data, issues = load_row(worker(wage=4_999_999, care_class=1), ROW, RUPIAH_CTX)
    assert data is not None  # a warning only
    assert [(i.code, i.column, dict(i.params)) for i in issues] == [
        ("wage.below_minimum", "wage", {"wage": "4.999.999", "minimum": "5.000.000"}),
    ]
    assert found(worker(wage=5_000_000), RUPIAH_CTX) == set()
    assert found(worker(wage=1_000), CTX) == {("care_class.wage_mismatch", "care_class")}


def test_dependants_wage_is_never_checked() -> None:
    for wage in (None, 0, 1_000, "Rp abc", -5):
        assert found(husband(wage=wage), RUPIAH_CTX) == set()


def test_class_threshold_is_configurable() -> None:
    ctx = RowContext(today=TODAY, class1_wage_threshold=7_000_000)
    _data, issues = load_row(worker(wage=6_500_000, care_class=1), ROW, ctx)
    assert [(i.code, dict(i.params)) for i in issues] == [
        ("care_class.wage_mismatch", {"care_class": 1, "expected": 2})
    ]


def test_worker_nik_of_a_worker_row_equal_to_own_nik_is_stored_as_none() -> None:
    data, issues = load_row(worker(worker_nik="3201 0145 0890 0001"), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["worker_nik"] is None


def test_worker_nik_warnings_are_left_to_the_workers_own_row() -> None:
    data, issues = load_row(husband(worker_nik="3201994508900001"), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["worker_nik"] == "3201994508900001"


def test_not_coverable_relationship_blocks_the_row() -> None:
    data, issues = load_row(husband(relationship="Menantu"), ROW, CTX)
    assert data is None
    assert [(i.code, i.column) for i in issues] == [("family.not_dependant", "relationship")]


def test_relationship_with_unknown_role_skips_worker_only_rules() -> None:
    # Not knowing whether the row is a worker, neither wage nor TMT nor worker NIK is required.
    values = worker(relationship="??", wage=None, start_date=None, worker_nik=None)
    assert found(values) == {("relationship.invalid", "relationship")}


# --- accepted spellings -------------------------------------------------------------------------

SEX_SPELLINGS = [
    ("L", "L"), ("l", "L"), ("Laki-laki", "L"), ("LAKI LAKI", "L"), ("laki - laki", "L"),
    ("Lelaki", "L"), ("Pria", "L"), ("Male", "L"), ("M", "L"), ("P", "P"), (" p ", "P"),
    ("Perempuan", "P"), ("WANITA", "P"), ("Female", "P"), ("F", "P"),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), SEX_SPELLINGS)
def test_sex_spellings(cell: str, expected: str) -> None:
    nik = WORKER_NIK if expected == "P" else "3201010508900001"
    data, issues = load_row(worker(sex=cell, nik=nik), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["sex"] == expected


MARITAL_SPELLINGS = [
    ("Belum Kawin", "Belum Kawin"), ("belum  kawin", "Belum Kawin"), ("Lajang", "Belum Kawin"),
    ("Belum Menikah", "Belum Kawin"), ("Single", "Belum Kawin"), ("Kawin", "Kawin"),
    ("MENIKAH", "Kawin"), ("Sudah Menikah", "Kawin"), ("Kawin Tercatat", "Kawin"),
    ("Married", "Kawin"), ("Cerai Hidup", "Cerai Hidup"), ("cerai-hidup", "Cerai Hidup"),
    ("Divorced", "Cerai Hidup"), ("Cerai Mati", "Cerai Mati"), ("Widowed", "Cerai Mati"),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), MARITAL_SPELLINGS)
def test_marital_status_spellings(cell: str, expected: str) -> None:
    data, issues = load_row(worker(marital_status=cell), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["marital_status"] == expected


@pytest.mark.parametrize("cell", ["Janda", "duda", "Cerai"])
def test_ambiguous_marital_words_are_rejected_with_a_reason(cell: str) -> None:
    _data, issues = load_row(worker(marital_status=cell), ROW, CTX)
    assert [(i.code, dict(i.params)) for i in issues] == [
        ("marital_status.invalid", {"problem": "ambiguous"})
    ]
    assert "Cerai Hidup, Cerai Mati" in issues[0].message()


RELATIONSHIP_SPELLINGS = [
    ("worker", "Peserta", "Peserta"), ("worker", "peserta utama", "Peserta"),
    ("worker", "Pekerja", "Peserta"), ("worker", "KARYAWAN", "Peserta"),
    ("worker", "PU", "Peserta"), ("husband", "Suami", "Suami"), ("husband", "husband", "Suami"),
    ("husband", "Pasangan", "Suami"),
    ("child", "Anak", "Anak"), ("child", "Anak Kandung", "Anak"), ("child", "anak tiri", "Anak"),
    ("child", "Anak Angkat", "Anak"), ("child", "Anak ke-2", "Anak"), ("child", "ANAK 3", "Anak"),
]  # fmt: skip


@pytest.mark.parametrize(("base", "cell", "expected"), RELATIONSHIP_SPELLINGS)
def test_relationship_spellings(base: str, cell: str, expected: str) -> None:
    data, issues = load_row(BASES[base](relationship=cell), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["relationship"] == expected


@pytest.mark.parametrize(
    ("cell", "sex", "expected"),
    [
        ("Istri", "P", "Istri"),
        ("Isteri", "P", "Istri"),
        ("Pasangan", "P", "Istri"),
        ("Ayah", "L", "Ayah"),
        ("Bapak", "L", "Ayah"),
        ("Orang Tua", "L", "Ayah"),
        ("Ibu", "P", "Ibu"),
        ("Ibu Kandung", "P", "Ibu"),
        ("Orang Tua", "P", "Ibu"),
        ("Mertua", "P", "Mertua"),
        ("Ibu Mertua", "P", "Mertua"),
        ("Bapak Mertua", "L", "Mertua"),
    ],
)
def test_relationship_spellings_resolved_with_sex(cell: str, sex: str, expected: str) -> None:
    nik = "3201015203600004" if sex == "P" else "3201011203600004"  # born 12-03-1960
    values = husband(relationship=cell, sex=sex, nik=nik, birth_date=date(1960, 3, 12))
    data, issues = load_row(values, ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["relationship"] == expected


WAGE_SPELLINGS = [
    (5_500_000, 5_500_000), (5_500_000.0, 5_500_000), ("5500000", 5_500_000),
    ("5.500.000", 5_500_000), ("Rp 5.500.000", 5_500_000), ("Rp. 5.500.000,-", 5_500_000),
    ("rp5.500.000,00", 5_500_000), ("5,500,000", 5_500_000), ("5,500,000.00", 5_500_000),
    ("IDR 5 500 000", 5_500_000), ("5500000.0", 5_500_000), (Decimal("5500000.00"), 5_500_000),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), WAGE_SPELLINGS)
def test_wage_spellings(cell: object, expected: int) -> None:
    data, issues = load_row(worker(wage=cell), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["wage"] == expected


@pytest.mark.parametrize(
    "cell", ["5,5 juta", "5 jt", "5.5", "5.000.000.00", "1.234.56", "-5000000", "5.000.000,5"]
)
def test_wage_texts_that_are_not_whole_rupiah(cell: str) -> None:
    assert ("wage.format", "wage") in found(worker(wage=cell))


CLASS_SPELLINGS = [
    (1, 1), (1.0, 1), ("1", 1), ("Kelas 1", 1), ("kelas I", 1), ("I", 1), ("Kls. 1", 1),
    ("1.0", 1), (2, 2), ("2", 2), ("II", 2), ("Kelas II", 2), ("kelas-2", 2),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), CLASS_SPELLINGS)
def test_care_class_spellings(cell: object, expected: int) -> None:
    wage = 6_500_000 if expected == 1 else 3_500_000
    data, issues = load_row(worker(care_class=cell, wage=wage), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["care_class"] == expected


PHONE_SPELLINGS = [
    ("081234567890", "081234567890"), ("0812-3456-7890", "081234567890"),
    ("+62 812 3456 7890", "081234567890"), ("62812.3456.7890", "081234567890"),
    ("(0812) 34567890", "081234567890"), (81234567890, "081234567890"),
    (6281234567890.0, "081234567890"), ("0811234567", "0811234567"),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), PHONE_SPELLINGS)
def test_phone_spellings(cell: object, expected: str) -> None:
    data, issues = load_row(worker(phone=cell), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["phone"] == expected


SCHOOL_SPELLINGS = [
    ("Ya", True), ("ya", True), ("Y", True), ("Yes", True), ("1", True), (1, True),
    (True, True), ("Masih Kuliah", True), ("Tidak", False), ("T", False), ("No", False),
    ("0", False), (0, False), (False, False), (0.0, False), (None, None), ("", None),
    ("mungkin", None), (2, None), (date(2020, 1, 1), None),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), SCHOOL_SPELLINGS)
def test_in_school_spellings(cell: object, expected: bool | None) -> None:
    data, issues = load_row(child(in_school=cell), ROW, CTX)
    assert issues == []  # an unknown answer is ignored, never an issue
    assert data is not None
    assert data["in_school"] is expected


def test_free_text_cells() -> None:
    data, _issues = load_row(
        worker(birth_place="  Kota   Bogor ", employee_number=" A-1 "), ROW, CTX
    )
    assert data is not None
    assert (data["birth_place"], data["employee_number"]) == ("Kota Bogor", "A-1")
    data, _issues = load_row(worker(birth_place="B" * 150, employee_number=7), ROW, CTX)
    assert data is not None
    assert (len(data["birth_place"]), data["employee_number"]) == (100, "7")  # type: ignore[arg-type]


# --- dates --------------------------------------------------------------------------------------

DATE_SPELLINGS = [
    ("05-08-1990", date(1990, 8, 5)), ("5-8-1990", date(1990, 8, 5)),
    ("05/08/1990", date(1990, 8, 5)), ("5/8/1990", date(1990, 8, 5)),
    ("05.08.1990", date(1990, 8, 5)), ("1990-08-05", date(1990, 8, 5)),
    ("1990-8-5", date(1990, 8, 5)), (" 1990-08-05 00:00:00 ", date(1990, 8, 5)),
    (datetime(1990, 8, 5, 13, 30), date(1990, 8, 5)), (date(1990, 8, 5), date(1990, 8, 5)),
    (33090, date(1990, 8, 5)), (33090.75, date(1990, 8, 5)),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), DATE_SPELLINGS)
def test_date_spellings(cell: object, expected: date) -> None:
    data, issues = load_row(worker(birth_date=cell), ROW, CTX)
    assert issues == []
    assert data is not None
    assert data["birth_date"] == expected


@pytest.mark.parametrize("cell", ["05-08-90", "5/8/90", "05.08.90"])
def test_two_digit_years_are_rejected_with_a_reason(cell: str) -> None:
    data, issues = load_row(worker(birth_date=cell), ROW, CTX)
    assert data is None
    assert [(i.code, dict(i.params)) for i in issues] == [
        ("birth_date.format", {"problem": "two_digit_year"})
    ]
    assert "tahun 4 digit" in issues[0].message()


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (60, None),  # Excel's 29-02-1900, which never existed
        (61, date(1900, 3, 1)),
        (25569, date(1970, 1, 1)),
        (45658, date(2025, 1, 1)),
        (60000, date(2064, 4, 8)),
        (60001, None),
        (0, None),
        (-1, None),
        (1990, None),  # a year typed as a number, not 12-06-1905
        (float("inf"), None),
    ],
)
def test_excel_serial_dates(serial: float, expected: date | None) -> None:
    data, issues = load_row(worker(start_date=serial), ROW, CTX)
    if expected is None:
        assert data is None
        assert [(i.code, i.column) for i in issues] == [("start_date.format", "start_date")]
    else:
        assert issues == []
        assert data is not None
        assert data["start_date"] == expected


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("29-02-2000", True),
        ("29-02-2024", True),
        ("2024-02-29", True),
        ("29-02-2023", False),
        ("29-02-1900", False),
        ("29-02-2100", False),
        ("31-04-2020", False),
        ("00-01-2020", False),
        ("01-00-2020", False),
    ],
)
def test_29_february_and_impossible_dates(text: str, ok: bool) -> None:
    data, issues = load_row(worker(start_date=text), ROW, CTX)
    if ok:
        assert issues == []
        assert data is not None
    else:
        assert [(i.code, dict(i.params)) for i in issues] == [
            ("start_date.format", {"problem": "impossible_date"})
        ]


def test_birth_date_today_is_fine_and_tomorrow_is_future() -> None:
    nik_today = "3201014106250003"  # girl born 01-06-2025
    values = child(nik=nik_today, birth_date=TODAY, start_date=None)
    assert found(values) == set()
    assert found(child(birth_date="02-06-2025")) >= {("birth_date.future", "birth_date")}


def test_birth_date_before_1900_is_a_format_error() -> None:
    _data, issues = load_row(worker(birth_date="31-12-1899"), ROW, CTX)
    assert ("birth_date.format", {"problem": "before_1900"}) in [
        (i.code, dict(i.params)) for i in issues
    ]


def test_start_date_required_only_on_worker_rows() -> None:
    _data, issues = load_row(worker(start_date=""), ROW, CTX)
    assert [(i.code, dict(i.params)) for i in issues] == [
        ("start_date.format", {"problem": "required"})
    ]
    assert found(husband(start_date="")) == set()
    assert found(husband(start_date="01-02-2020")) == set()


def test_start_date_may_lie_in_the_future() -> None:
    data, issues = load_row(worker(start_date="01-07-2025"), ROW, CTX)
    assert issues == []
    assert data is not None


# --- odd cells ----------------------------------------------------------------------------------


class Strange:
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


ODD_CELLS: list[object] = [
    Strange(),
    object(),
    b"bytes",
    [1, 2],
    {"a": 1},
    complex(1, 2),
    float("nan"),
    float("-inf"),
    Decimal("NaN"),
    Decimal("sNaN"),
    datetime(1800, 1, 1),
    True,
]


@pytest.mark.parametrize("key", ROW_KEYS)
@pytest.mark.parametrize("cell", ODD_CELLS, ids=lambda cell: type(cell).__name__)
def test_odd_cells_never_raise(key: str, cell: object) -> None:
    for make in BASES.values():
        data, issues = load_row(make(**{key: cell}), ROW, CTX)
        assert all(isinstance(issue, Issue) and issue.row == ROW for issue in issues)
        assert data is None or set(data) == set(ROW_KEYS)


# --- the marshmallow schema agrees with the hot path -------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        worker(),
        husband(),
        child(),
        worker(worker_nik=WORKER_NIK),
        worker(wage=None, start_date=None, email="x"),
        husband(relationship="Menantu", wage="abc"),
        worker(kk=WORKER_NIK, sex="L", birth_date="06-08-1990"),
        {},
    ],
)
def test_schema_gives_the_same_result(values: dict[str, object]) -> None:
    ctx = RUPIAH_CTX
    schema = RosterRowSchema(ctx=ctx)
    fast_data, fast_issues = load_row(values, ROW, ctx)
    data, issues = schema.load_issues(values, row=ROW)
    assert data == fast_data
    assert sorted(issues, key=repr) == sorted(fast_issues, key=repr)


def test_the_expected_class_follows_the_contribution_base_not_the_raw_wage() -> None:
    """A wage under a minimum wage above the class threshold is billed on the minimum: class 1
    is right there, so the row says only that the wage is below the minimum."""
    ctx = RowContext(today=TODAY, minimum_wage=6_500_000, class1_wage_threshold=6_000_000)
    assert found(worker(wage=5_000_000, care_class=1), ctx) == {("wage.below_minimum", "wage")}
    assert found(worker(wage=5_000_000, care_class=2), ctx) == {
        ("wage.below_minimum", "wage"), ("care_class.wage_mismatch", "care_class")
    }  # fmt: skip


@pytest.mark.parametrize("code", ["03010701", " 0301 0701 ", "0112U020", "0138r001"])
def test_clinic_and_puskesmas_faskes_codes_are_both_valid(code: str) -> None:
    data, issues = load_row(worker(faskes_code=code), ROW, CTX)
    assert data is not None and data["faskes_code"] == "".join(code.split()).upper()
    assert not [i for i in issues if i.column == "faskes_code"]


@pytest.mark.parametrize("code", ["0301070", "030107011", "0112UU20", 3010701])
def test_other_faskes_codes_are_refused(code: object) -> None:
    assert ("faskes_code.format", "faskes_code") in found(worker(faskes_code=code))


def test_a_spouse_whose_sex_or_marital_status_does_not_fit_is_flagged() -> None:
    assert found(husband()) == set()
    data, issues = load_row(husband(sex="P"), ROW, CTX)
    assert data is not None  # a warning: the user looks, nothing is refused
    assert [(i.code, i.column, dict(i.params)) for i in issues] == [
        ("nik.sex_mismatch", "nik", {"nik_sex": "L", "sex": "P"}),  # a man's NIK, too
        ("family.spouse_mismatch", "sex", {"problem": "sex"}),
    ]
    assert ("family.spouse_mismatch", "marital_status") in found(
        husband(marital_status="Belum Kawin")
    )
