"""parse_kk and check_kk_not_nik: region, recording date, NIK typed as KK, Excel damage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from edabu_lite.identity import KkParts, check_kk_not_nik, parse_kk
from edabu_lite.issues import ERROR, WARNING

TODAY = date(2025, 6, 1)
KK = "3201011203150001"  # Bogor/Cibinong, recorded 12-03-2015


def make(ddmmyy: str, region: str = "320101", serial: str = "0001") -> str:
    return f"{region}{ddmmyy}{serial}"


def issues_of(value: object, **kwargs: object) -> list[tuple[str, str]]:
    return [(i.code, i.severity) for i in parse_kk(value, today=TODAY, **kwargs).issues]


def test_valid_kk_yields_region_and_recording_date():
    result = parse_kk(KK, today=TODAY)
    assert result.issues == ()
    assert result.value == KK
    parts = result.parts
    assert isinstance(parts, KkParts)
    assert parts.issue_date == date(2015, 3, 12)
    assert (parts.province_code, parts.regency_code, parts.district_code) == (
        "32",
        "3201",
        "320101",
    )
    assert parts.region.district == "Cibinong"
    assert parts.serial == "0001"


@pytest.mark.parametrize(
    "cell", ["3201 0112 0315 0001", "'3201011203150001", "32.01.01-120315-0001"]
)
def test_separators_are_removed(cell):
    result = parse_kk(cell, today=TODAY)
    assert result.value == KK
    assert result.issues == ()


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        pytest.param(None, "kk.required", id="none"),
        pytest.param(" ", "kk.required", id="blank"),
        pytest.param(3201011203150001, "kk.not_text", id="int"),
        pytest.param(3.20101120315e15, "kk.not_text", id="float"),
        pytest.param(Decimal("3201011203150001"), "kk.not_text", id="decimal"),
        pytest.param("3.27E+15", "kk.not_text", id="scientific-text"),
        pytest.param("3,27E+15", "kk.not_text", id="scientific-text-comma"),
        pytest.param("３２０１０１１２０３１５０００１", "kk.format", id="full-width"),
        pytest.param("KK3201011203150", "kk.format", id="letters"),
        pytest.param(False, "kk.format", id="bool"),
        pytest.param("320101120315001", "kk.length", id="15-digits"),
        pytest.param("32010112031500011", "kk.length", id="17-digits"),
        pytest.param(make("120315", region="990101"), "kk.province", id="province-99"),
    ],
)
def test_blocking_problems(cell, code):
    result = parse_kk(cell, today=TODAY)
    assert [(i.code, i.severity) for i in result.issues] == [(code, ERROR)]
    assert result.parts is None
    assert not result.ok


@pytest.mark.parametrize(
    "cell",
    [make("120315", region="329901"), make("120315", region="320199")],
)
def test_unknown_regency_or_district_is_a_warning(cell):
    result = parse_kk(cell, today=TODAY)
    assert issues_of(cell) == [("kk.region", WARNING)]
    assert result.ok
    assert result.parts.issue_date == date(2015, 3, 12)
    assert result.parts.region.regency is None


def test_historical_papua_regency_is_known():
    result = parse_kk(make("120315", region="912301"), today=TODAY)  # Lanny Jaya before 2022
    assert result.issues == ()
    assert result.parts.region.regency == "Kabupaten Lanny Jaya"


@pytest.mark.parametrize(
    "ddmmyy",
    [
        pytest.param("450890", id="day-45-looks-like-womans-nik"),
        pytest.param("410190", id="day-41"),
        pytest.param("711290", id="day-71"),
        pytest.param("320190", id="day-32"),
        pytest.param("000190", id="day-00"),
        pytest.param("051390", id="month-13"),
        pytest.param("310290", id="31-feb"),
        pytest.param("290201", id="29-feb-non-leap"),
    ],
)
def test_impossible_recording_date_is_a_warning_that_mentions_nik(ddmmyy):
    result = parse_kk(make(ddmmyy), today=TODAY)
    assert [(i.code, i.severity) for i in result.issues] == [("kk.date", WARNING)]
    assert result.ok
    assert result.parts.issue_date is None
    assert "NIK" in result.issues[0].message()
    assert result.issues[0].params == {"date_part": ddmmyy}


def test_no_plus_40_rule_for_kk_dates():
    assert parse_kk(make("050890"), today=TODAY).parts.issue_date == date(1990, 8, 5)
    assert parse_kk(make("290200"), today=TODAY).parts.issue_date == date(2000, 2, 29)


def test_serial_0000_is_accepted():
    result = parse_kk(make("120315", serial="0000"), today=TODAY)
    assert result.issues == ()
    assert result.parts.serial == "0000"


def test_same_as_row_nik_is_a_warning():
    nik = "3201014508900001"
    assert issues_of(nik, nik=nik) == [("kk.date", WARNING), ("kk.same_as_nik", WARNING)]
    assert issues_of(make("050890"), nik=make("050890")) == [("kk.same_as_nik", WARNING)]
    assert issues_of(make("050890"), nik="3201 0105 0890 0001") == [("kk.same_as_nik", WARNING)]
    assert issues_of(KK, nik="3201014508900001") == []
    assert issues_of(KK, nik=3201011203150001) == []  # a damaged NIK cell proves nothing


def test_check_kk_not_nik():
    issue = check_kk_not_nik("3201-0112-0315-0001", KK, row=4)
    assert issue is not None
    assert (issue.code, issue.severity, issue.column, issue.row) == (
        "kk.same_as_nik",
        WARNING,
        "kk",
        4,
    )
    assert check_kk_not_nik(KK, "3201014508900001") is None
    assert check_kk_not_nik(None, None) is None
    assert check_kk_not_nik(3201011203150001, 3201011203150001) is None


def test_issues_carry_column_and_row():
    (issue,) = parse_kk("1", column="No KK", row=8).issues
    assert (issue.code, issue.column, issue.row) == ("kk.length", "No KK", 8)
