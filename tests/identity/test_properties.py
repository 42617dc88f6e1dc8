"""Hypothesis properties: round trips, no exceptions on any input, idempotent normalisation."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edabu_lite.identity import (
    KK,
    NIK,
    CardNumber,
    IssueSchema,
    ParseResult,
    classify_cell,
    get_regions,
    mask_nik,
    normalise_digits,
    parse_card_number,
    parse_kk,
    parse_nik,
    redact_niks,
)
from edabu_lite.identity.normalise import DIGITS
from edabu_lite.issues import CATALOGUE, Issue

TODAY = date(2025, 6, 1)
# Without a roster date a NIK date resolves within the last 100 years, so draw births there.
OLDEST = TODAY.replace(year=TODAY.year - 100) + timedelta(days=1)
DISTRICTS = sorted(get_regions().districts)
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
    st.text(alphabet="0123456789 .-'\u00a0eE+,\uff10\uff11", max_size=24),
    st.binary(),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.tuples(st.text(max_size=3)),
    st.complex_numbers(),
)


@st.composite
def built_niks(draw: st.DrawFn) -> tuple[str, str, date, str, str]:
    district = draw(st.sampled_from(DISTRICTS))
    birth = draw(st.dates(min_value=OLDEST, max_value=TODAY))
    sex = draw(st.sampled_from(["L", "P"]))
    serial = f"{draw(st.integers(1, 9999)):04d}"
    day = birth.day + (40 if sex == "P" else 0)
    nik = f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial}"
    return nik, district, birth, sex, serial


@PROPERTY_SETTINGS
@given(built_niks())
def test_every_built_nik_parses_back_to_its_parts(case):
    nik, district, birth, sex, serial = case
    for result in (
        parse_nik(nik, today=TODAY),
        parse_nik(nik, today=TODAY, birth_date=birth),
        parse_nik(f"'{nik[:6]} {nik[6:12]}.{nik[12:]}", today=TODAY),
    ):
        assert result.issues == ()
        assert result.value == nik
        parts = result.parts
        assert parts is not None
        assert (parts.district_code, parts.birth_date, parts.sex, parts.serial) == (
            district,
            birth,
            sex,
            serial,
        )
        assert (parts.province_code, parts.regency_code) == (district[:2], district[:4])
        assert parts.district == get_regions().districts[district].district


@PROPERTY_SETTINGS
@given(built_niks(), st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_roster_birth_date_only_moves_the_century(case, roster_birth):
    nik, _, birth, _, _ = case
    parts = parse_nik(nik, today=TODAY, birth_date=roster_birth).parts
    assert parts is not None
    assert (parts.birth_date.day, parts.birth_date.month) == (birth.day, birth.month)
    assert parts.birth_date.year % 100 == birth.year % 100


def assert_well_formed(result: ParseResult, value_length: int | None) -> None:
    assert isinstance(result, ParseResult)
    assert all(isinstance(issue, Issue) and issue.code in CATALOGUE for issue in result.issues)
    if result.value is not None:
        assert result.value.isascii() and result.value.isdigit()
        assert value_length is None or len(result.value) == value_length
    if result.parts is not None:
        assert result.ok


@PROPERTY_SETTINGS
@given(any_cell, st.one_of(st.none(), st.dates(), st.text(max_size=3), st.integers()))
def test_no_input_makes_a_parser_raise(value, roster_birth):
    assert_well_formed(parse_nik(value, today=TODAY, birth_date=roster_birth), 16)
    assert_well_formed(parse_nik(value), 16)
    assert_well_formed(parse_kk(value, nik=value, today=TODAY), 16)
    assert_well_formed(parse_card_number(value), 13)


@PROPERTY_SETTINGS
@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_any_sixteen_digits_give_a_value_and_a_consistent_verdict(digits):
    result = parse_nik(digits, today=TODAY)
    assert result.value == digits
    assert (result.parts is None) == any(issue.is_error for issue in result.issues)
    assert parse_kk(digits, today=TODAY).value == digits


class PropertyRowSchema(IssueSchema):
    nik = NIK(today=TODAY)
    kk = KK(today=TODAY)
    worker_nik = NIK(required=False, today=TODAY)
    card_number = CardNumber()


SCHEMA = PropertyRowSchema()


@PROPERTY_SETTINGS
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "nik": any_cell,
            "kk": any_cell,
            "worker_nik": any_cell,
            "card_number": any_cell,
            "other": any_cell,
        },
    )
)
def test_no_row_makes_the_schema_raise(raw):
    data, issues = SCHEMA.load_issues(raw, row=2)
    assert all(isinstance(issue, Issue) and issue.row == 2 for issue in issues)
    assert (data is None) == any(issue.is_error for issue in issues)
    assert all(issue.column in {"nik", "kk", "worker_nik", "card_number"} for issue in issues)


@PROPERTY_SETTINGS
@given(st.text())
def test_normalisation_is_idempotent(text):
    once = normalise_digits(text)
    assert normalise_digits(once) == once
    kind, clean = classify_cell(text)
    if kind == DIGITS:
        assert classify_cell(clean) == (DIGITS, clean)


@PROPERTY_SETTINGS
@given(st.text(alphabet="0123456789 .-x", max_size=60))
def test_redaction_leaves_no_full_nik(text):
    redacted = redact_niks(text)
    assert re.search(r"[0-9]{15,}", redacted) is None
    assert len(redacted) == len(text)


@PROPERTY_SETTINGS
@given(any_cell)
def test_mask_never_raises_and_hides_most_digits(value):
    masked = mask_nik(value)
    assert isinstance(masked, str)
    if isinstance(value, str):
        assert len(masked) == len(value)
        assert sum(ch != "*" for ch in masked) <= len(value) // 2
