"""parse_nik and check_nik_against_row: one table row per rule of domain.md §6-8."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from edabu_lite.identity import NikParts, check_nik_against_row, is_valid_nik, parse_nik
from edabu_lite.issues import ERROR, WARNING

TODAY = date(2025, 6, 1)
BOGOR = "320101"  # Jawa Barat, Kabupaten Bogor, Cibinong


def make(ddmmyy: str, region: str = BOGOR, serial: str = "0001") -> str:
    return f"{region}{ddmmyy}{serial}"


def codes(value: object, **kwargs: object) -> list[str]:
    return [issue.code for issue in parse_nik(value, today=TODAY, **kwargs).issues]


# --- valid NIKs ---------------------------------------------------------------------------------

VALID = [
    # (cell, birth date, sex)
    pytest.param(make("050890"), date(1990, 8, 5), "L", id="man"),
    pytest.param(make("450890"), date(1990, 8, 5), "P", id="woman-plus-40"),
    pytest.param(make("410190"), date(1990, 1, 1), "P", id="woman-day-41"),
    pytest.param(make("711290"), date(1990, 12, 31), "P", id="woman-day-71"),
    pytest.param(make("310190"), date(1990, 1, 31), "L", id="day-31"),
    pytest.param(make("290296"), date(1996, 2, 29), "L", id="29-feb-leap-1996"),
    pytest.param(make("690296"), date(1996, 2, 29), "P", id="29-feb-leap-woman"),
    pytest.param(make("290200"), date(2000, 2, 29), "L", id="29-feb-2000-century-leap"),
    pytest.param(make("010125"), date(2025, 1, 1), "L", id="this-year"),
    pytest.param(make("010725"), date(1925, 7, 1), "L", id="after-today-means-last-century"),
    pytest.param(make("050890", serial="9999"), date(1990, 8, 5), "L", id="serial-9999"),
    pytest.param(make("050890", region="960101"), date(1990, 8, 5), "L", id="papua-barat-daya"),
    pytest.param(make("050890", region="910101"), date(1990, 8, 5), "L", id="old-merauke-9101"),
]


@pytest.mark.parametrize(("cell", "birth", "sex"), VALID)
def test_valid_nik_yields_its_parts(cell, birth, sex):
    result = parse_nik(cell, today=TODAY)
    assert result.issues == ()
    assert result.ok
    assert result.value == cell
    assert result.parts is not None
    assert (result.parts.birth_date, result.parts.sex) == (birth, sex)
    assert result.parts.serial == cell[12:]


def test_parts_carry_region_codes_and_names():
    parts = parse_nik(make("450890"), today=TODAY).parts
    assert isinstance(parts, NikParts)
    assert (parts.province_code, parts.regency_code, parts.district_code) == ("32", "3201", BOGOR)
    assert (parts.province, parts.regency, parts.district) == (
        "Jawa Barat",
        "Kabupaten Bogor",
        "Cibinong",
    )
    assert parts.region.historical is False


def test_papua_barat_daya_is_a_known_province():
    parts = parse_nik(make("050890", region="960101"), today=TODAY).parts
    assert parts is not None
    assert (parts.province, parts.regency) == ("Papua Barat Daya", "Kabupaten Sorong")


def test_old_papua_regency_code_is_a_known_historical_code():
    result = parse_nik(make("050890", region="910105"), today=TODAY)
    assert result.issues == ()
    assert result.parts.province == "Papua"
    assert result.parts.regency == "Kabupaten Merauke"
    assert result.parts.district is None  # old district codes are not shipped
    assert result.parts.region.historical is True


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param("3201 0145 0890 0001", id="spaces"),
        pytest.param("3201.0145.0890.0001", id="dots"),
        pytest.param("3201-0145-0890-0001", id="hyphens"),
        pytest.param("3201\u00a00145\u00a00890\u00a00001", id="nbsp"),
        pytest.param("'3201014508900001", id="leading-apostrophe"),
        pytest.param("\u20193201014508900001", id="typographic-apostrophe"),
        pytest.param("  '3201014508900001\t", id="blanks-and-apostrophe"),
        pytest.param("32.01.01-450890 0001\u202f", id="mixed-separators"),
        pytest.param("3201\u201301\u20144508900001", id="dashes"),
        pytest.param("\ufeff3201014508900001\u200b", id="bom-and-zero-width"),
    ],
)
def test_separators_and_excel_text_prefix_are_removed(cell):
    result = parse_nik(cell, today=TODAY)
    assert result.issues == ()
    assert result.value == "3201014508900001"


# --- one code per rule ------------------------------------------------------------------------

INVALID = [
    # nik.required
    pytest.param(None, "nik.required", id="none"),
    pytest.param("", "nik.required", id="empty"),
    pytest.param("   ", "nik.required", id="blank"),
    pytest.param("\u00a0 - .", "nik.required", id="separators-only"),
    pytest.param(float("nan"), "nik.required", id="nan-as-pandas-empty"),
    # nik.not_text: any number, whatever its value, and numbers turned back into text
    pytest.param(3201014508900001, "nik.not_text", id="int"),
    pytest.param(3201014508900000.0, "nik.not_text", id="float"),
    pytest.param(Decimal("3201014508900001"), "nik.not_text", id="decimal"),
    pytest.param(Fraction(3201014508900001), "nik.not_text", id="fraction"),
    pytest.param(12, "nik.not_text", id="small-int"),
    pytest.param("3.27E+15", "nik.not_text", id="scientific-text"),
    pytest.param("3,27E+15", "nik.not_text", id="scientific-text-decimal-comma"),
    pytest.param(" 3.20101E+15 ", "nik.not_text", id="scientific-text-padded"),
    pytest.param("3.2e15", "nik.not_text", id="scientific-lowercase"),
    pytest.param("3201014508900001.0", "nik.not_text", id="float-as-text"),
    # nik.format
    pytest.param("３２０１０１４５０８９００００１", "nik.format", id="full-width-digits"),
    pytest.param("٣٢٠١٠١٤٥٠٨٩٠٠٠٠١", "nik.format", id="arabic-indic-digits"),
    pytest.param("32010145089O0001", "nik.format", id="letter-o"),
    pytest.param("3201014508900001x", "nik.format", id="trailing-letter"),
    pytest.param("3201/0145/0890/0001", "nik.format", id="slashes"),
    pytest.param("3201'014508900001", "nik.format", id="inner-apostrophe"),
    pytest.param(True, "nik.format", id="bool"),
    pytest.param(b"3201014508900001", "nik.format", id="bytes"),
    pytest.param(date(1990, 8, 5), "nik.format", id="date"),
    pytest.param(["3201014508900001"], "nik.format", id="list"),
    # nik.length
    pytest.param("320101450890001", "nik.length", id="15-digits"),
    pytest.param("32010145089000011", "nik.length", id="17-digits"),
    pytest.param("1", "nik.length", id="1-digit"),
    # nik.province
    pytest.param(make("050890", region="990101"), "nik.province", id="province-99"),
    pytest.param(make("050890", region="100101"), "nik.province", id="province-10"),
    pytest.param(make("050890", region="200101"), "nik.province", id="province-20"),
    pytest.param(make("050890", region="000101"), "nik.province", id="province-00"),
    # nik.date
    pytest.param(make("000190"), "nik.date", id="day-00"),
    pytest.param(make("320190"), "nik.date", id="day-32"),
    pytest.param(make("400190"), "nik.date", id="day-40"),
    pytest.param(make("720190"), "nik.date", id="day-72"),
    pytest.param(make("991290"), "nik.date", id="day-99"),
    pytest.param(make("051390"), "nik.date", id="month-13"),
    pytest.param(make("050090"), "nik.date", id="month-00"),
    pytest.param(make("310290"), "nik.date", id="31-feb"),
    pytest.param(make("300290"), "nik.date", id="30-feb"),
    pytest.param(make("290201"), "nik.date", id="29-feb-non-leap"),
    pytest.param(make("690201"), "nik.date", id="29-feb-non-leap-woman"),
    pytest.param(make("310490"), "nik.date", id="31-apr"),
    pytest.param(make("710490"), "nik.date", id="31-apr-woman"),
    # nik.serial
    pytest.param(make("050890", serial="0000"), "nik.serial", id="serial-0000"),
]


@pytest.mark.parametrize(("cell", "code"), INVALID)
def test_each_problem_has_its_code(cell, code):
    result = parse_nik(cell, today=TODAY)
    assert [issue.code for issue in result.issues] == [code]
    assert result.issues[0].severity == ERROR
    assert result.parts is None
    assert not result.ok
    assert not is_valid_nik(cell, today=TODAY)


@pytest.mark.parametrize(
    ("cell", "length"),
    [("320101450890001", 15), ("32010145089000011", 17), ("3201 0145 0890 001", 15)],
)
def test_length_issue_says_how_many_digits(cell, length):
    (issue,) = parse_nik(cell, today=TODAY).issues
    assert issue.params["length"] == length
    assert f"terisi {length} digit" in issue.message()


@pytest.mark.parametrize(
    "cell",
    [
        make("050890", region="329901"),
        make("050890", region="320199"),
        make("050890", region="530101"),
    ],
)
def test_unknown_regency_or_district_is_only_a_warning(cell):
    result = parse_nik(cell, today=TODAY)
    assert [(i.code, i.severity) for i in result.issues] == [("nik.region", WARNING)]
    assert result.ok
    assert result.parts is not None
    assert result.parts.province is not None
    assert result.parts.regency is None and result.parts.district is None
    assert result.issues[0].params == {"code": cell[:6]}


def test_historical_regency_with_district_00_is_unknown():
    assert codes(make("050890", region="910100")) == ["nik.region"]


def test_all_independent_problems_are_reported_together():
    cell = make("320190", region="990101", serial="0000")
    assert codes(cell) == ["nik.province", "nik.date", "nik.serial"]
    assert parse_nik(cell, today=TODAY).value == cell  # shape was fine, content was not


def test_region_warning_and_date_error_together():
    assert codes(make("320190", region="329901")) == ["nik.region", "nik.date"]


def test_date_issue_names_the_date_digits_only():
    (issue,) = parse_nik(make("310290"), today=TODAY).issues
    assert issue.params == {"date_part": "310290"}
    assert "3201013102900001" not in issue.message()


def test_issues_carry_column_and_row():
    (issue,) = parse_nik("123", today=TODAY, column="worker_nik", row=42).issues
    assert (issue.column, issue.row) == ("worker_nik", 42)
    (default,) = parse_nik(None).issues
    assert (default.column, default.row) == ("nik", None)


def test_not_text_message_tells_to_format_as_text_and_retype():
    (issue,) = parse_nik(3201014508900001, today=TODAY).issues
    assert "Teks" in issue.message() and "ketik ulang" in issue.message()


# --- century resolution -----------------------------------------------------------------------


def test_century_defaults_to_most_recent_past_date():
    assert parse_nik(make("010625"), today=TODAY).parts.birth_date == date(2025, 6, 1)
    assert parse_nik(make("020625"), today=TODAY).parts.birth_date == date(1925, 6, 2)
    assert parse_nik(make("050899"), today=TODAY).parts.birth_date == date(1999, 8, 5)


def test_century_follows_the_roster_birth_date_when_given():
    cell = make("010120")
    assert parse_nik(cell, today=TODAY).parts.birth_date == date(2020, 1, 1)
    assert parse_nik(cell, today=TODAY, birth_date=date(1920, 1, 1)).parts.birth_date == date(
        1920, 1, 1
    )
    at_noon = datetime(1921, 3, 4, 12, 0)
    assert parse_nik(cell, today=TODAY, birth_date=at_noon).parts.birth_date.year == 1920


def test_29_feb_of_year_00_resolves_to_2000_whatever_the_roster_says():
    parts = parse_nik(make("290200"), today=TODAY, birth_date=date(1950, 6, 1)).parts
    assert parts.birth_date == date(2000, 2, 29)


def test_garbage_roster_birth_date_is_ignored():
    assert parse_nik(make("050890"), today=TODAY, birth_date="kemarin").ok  # type: ignore[arg-type]


def test_without_today_the_system_date_is_used():
    result = parse_nik(make("050890"))
    assert result.parts.birth_date == date(1990, 8, 5)


# --- cross-checks against the roster row --------------------------------------------------------


def parts_of(cell: str) -> NikParts:
    parts = parse_nik(cell, today=TODAY).parts
    assert parts is not None
    return parts


def test_matching_row_gives_no_warning():
    parts = parts_of(make("450890"))
    assert check_nik_against_row(parts, birth_date=date(1990, 8, 5), sex="P") == []


def test_birth_date_mismatch_is_a_warning_with_both_dates():
    parts = parts_of(make("450890"))
    (issue,) = check_nik_against_row(parts, birth_date=date(1990, 8, 6), row=3)
    assert (issue.code, issue.severity, issue.column, issue.row) == (
        "nik.birth_date_mismatch",
        WARNING,
        "nik",
        3,
    )
    assert issue.params == {"nik_date": "05-08-1990", "birth_date": "06-08-1990"}


def test_sex_mismatch_is_a_warning():
    (issue,) = check_nik_against_row(parts_of(make("450890")), sex="L")
    assert (issue.code, issue.severity) == ("nik.sex_mismatch", WARNING)
    assert issue.params == {"nik_sex": "P", "sex": "L"}


def test_both_mismatches_are_reported():
    issues = check_nik_against_row(parts_of(make("050890")), birth_date=date(1991, 8, 5), sex="P")
    assert [i.code for i in issues] == ["nik.birth_date_mismatch", "nik.sex_mismatch"]
    assert all(i.severity == WARNING for i in issues)


def test_only_the_two_year_digits_are_compared():
    parts = parts_of(make("010120"))  # resolved to 2020 without a roster date
    assert check_nik_against_row(parts, birth_date=date(1920, 1, 1)) == []


@pytest.mark.parametrize(
    ("word", "expected"), [("Perempuan", []), (" p ", []), ("laki-laki", ["nik.sex_mismatch"])]
)
def test_long_sex_words_are_understood(word, expected):
    assert [i.code for i in check_nik_against_row(parts_of(make("450890")), sex=word)] == expected


@pytest.mark.parametrize("value", [None, "", "X", 1, "1990-08-06"])
def test_unreadable_roster_values_are_skipped(value):
    assert check_nik_against_row(parts_of(make("450890")), birth_date=value, sex=value) == []
