"""marshmallow fields NIK/KK/CardNumber and IssueSchema: errors and warnings, row-level checks."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from marshmallow import ValidationError, fields, validate, validates_schema

from edabu_lite.identity import (
    KK,
    NIK,
    CardNumber,
    IssueSchema,
    check_kk_not_nik,
    check_nik_against_row,
    issue_error,
)
from edabu_lite.issues import ERROR, WARNING, Issue

TODAY = date(2025, 6, 1)
NIK_WOMAN = "3201014508900001"  # born 05-08-1990
KK_NUMBER = "3201011203150001"


class ExampleRowSchema(IssueSchema):
    """A small roster row: identity fields plus the cells the cross-checks need."""

    nik = NIK(today=TODAY)
    kk = KK(today=TODAY)
    name = fields.String(required=True, validate=validate.Length(min=1))
    birth_date = fields.Date(required=True)
    sex = fields.String(required=True, validate=validate.OneOf(["L", "P"]))
    worker_nik = NIK(required=False, today=TODAY)
    card_number = CardNumber()

    @validates_schema(skip_on_field_errors=False)
    def cross_check_identity(self, data, **kwargs):
        # Row-level: the NIK against the roster's birth date and sex, and KK equal to NIK.
        nik_parts = self.parsed("nik")
        if nik_parts is not None:
            for issue in check_nik_against_row(
                nik_parts, birth_date=data.get("birth_date"), sex=data.get("sex")
            ):
                self.warn(issue)
        if "kk" in data and "nik" in data:
            same = check_kk_not_nik(data["kk"], data["nik"])
            if same is not None:
                self.warn(same)


def row(**overrides: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "nik": NIK_WOMAN,
        "kk": KK_NUMBER,
        "name": "Siti Rahayu",
        "birth_date": "1990-08-05",
        "sex": "P",
        "worker_nik": "",
        "card_number": "0001234567890",
    }
    raw.update(overrides)
    return raw


def summary(issues: list[Issue]) -> list[tuple[str, str, str | None, int | None]]:
    return [(i.code, i.severity, i.column, i.row) for i in issues]


SCHEMA = ExampleRowSchema()


def test_clean_row_loads_with_no_issues():
    data, issues = SCHEMA.load_issues(row(nik="3201 0145 0890 0001"), row=2)
    assert issues == []
    assert data == {
        "nik": NIK_WOMAN,
        "kk": KK_NUMBER,
        "name": "Siti Rahayu",
        "birth_date": date(1990, 8, 5),
        "sex": "P",
        "worker_nik": None,
        "card_number": "0001234567890",
    }


def test_field_errors_become_issues_with_column_and_row():
    data, issues = SCHEMA.load_issues(
        row(nik=3201014508900001, kk="320101120315001", card_number=1234567890), row=7
    )
    assert data is None
    assert summary(issues) == [
        ("nik.not_text", ERROR, "nik", 7),
        ("kk.length", ERROR, "kk", 7),
        ("card_number.not_text", ERROR, "card_number", 7),
    ]


def test_warnings_do_not_block_and_carry_position():
    data, issues = SCHEMA.load_issues(row(nik="3201994508900001"), row=3)
    assert data is not None and data["nik"] == "3201994508900001"
    assert summary(issues) == [("nik.region", WARNING, "nik", 3)]


def test_nik_cross_checks_are_schema_level_warnings():
    data, issues = SCHEMA.load_issues(row(birth_date="1990-08-06", sex="L"), row=4)
    assert data is not None
    assert summary(issues) == [
        ("nik.birth_date_mismatch", WARNING, "nik", 4),
        ("nik.sex_mismatch", WARNING, "nik", 4),
    ]


def test_kk_same_as_nik_is_a_schema_level_warning():
    data, issues = SCHEMA.load_issues(row(kk=NIK_WOMAN), row=5)
    assert data is not None
    assert summary(issues) == [
        ("kk.date", WARNING, "kk", 5),  # day 45 in the KK date: looks like a woman's NIK
        ("kk.same_as_nik", WARNING, "kk", 5),
    ]


def test_warnings_are_kept_when_another_cell_fails():
    data, issues = SCHEMA.load_issues(row(nik="3201994508900001", sex="X"), row=6)
    assert data is None
    assert summary(issues) == [
        ("nik.region", WARNING, "nik", 6),
        ("sex.invalid", ERROR, "sex", 6),
    ]


def test_missing_required_identity_keys_report_required():
    raw = row()
    del raw["nik"], raw["kk"]
    data, issues = SCHEMA.load_issues(raw, row=9)
    assert data is None
    assert summary(issues) == [("nik.required", ERROR, "nik", 9), ("kk.required", ERROR, "kk", 9)]


def test_optional_nik_may_be_missing_but_not_wrong():
    raw = row()
    del raw["worker_nik"]
    assert SCHEMA.load_issues(raw)[0]["worker_nik"] is None
    data, issues = SCHEMA.load_issues(row(worker_nik="123"), row=10)
    assert data is None
    assert summary(issues) == [("nik.length", ERROR, "worker_nik", 10)]


def test_plain_marshmallow_errors_get_catalogue_codes():
    raw = row(birth_date="31-02-1990", name="")
    del raw["sex"]
    data, issues = SCHEMA.load_issues(raw, row=11)
    assert data is None
    assert [(i.code, i.column) for i in issues] == [
        ("name.format", "name"),
        ("birth_date.format", "birth_date"),
        ("sex.invalid", "sex"),  # sex has no .required code: an empty cell is invalid
    ]
    raw = row()
    del raw["birth_date"]
    assert [i.code for i in SCHEMA.load_issues(raw)[1]] == ["birth_date.required"]


def test_column_is_the_data_key():
    class Aliased(IssueSchema):
        nik = NIK(data_key="NIK", today=TODAY)

    data, issues = Aliased().load_issues({"NIK": "12"}, row=2)
    assert data is None
    assert summary(issues) == [("nik.length", ERROR, "NIK", 2)]
    assert Aliased().load_issues({"NIK": NIK_WOMAN}) == ({"nik": NIK_WOMAN}, [])


def test_schema_hooks_can_raise_issue_errors():
    class Strict(IssueSchema):
        nik = NIK(today=TODAY)
        worker_nik = NIK(required=False, today=TODAY)

        @validates_schema
        def worker_is_not_self(self, data, **kwargs):
            if data.get("worker_nik") == data.get("nik"):
                raise issue_error(Issue("family.not_dependant"), column="worker_nik")

    data, issues = Strict().load_issues({"nik": NIK_WOMAN, "worker_nik": NIK_WOMAN}, row=3)
    assert data is None
    assert summary(issues) == [("family.not_dependant", ERROR, "worker_nik", 3)]


def test_unknown_keys_are_ignored():
    data, issues = SCHEMA.load_issues(row(extra_column="x"))
    assert issues == [] and "extra_column" not in data


def test_plain_load_raises_validation_error_with_issue_objects():
    with pytest.raises(ValidationError) as caught:
        SCHEMA.load(row(nik="12"))
    (issue,) = caught.value.messages["nik"]
    assert isinstance(issue, Issue) and issue.code == "nik.length"
    assert SCHEMA.load(row(nik="3201994508900001"))["nik"] == "3201994508900001"


def test_non_mapping_row_is_a_programming_error():
    with pytest.raises(TypeError):
        SCHEMA.load_issues(["not", "a", "row"])  # type: ignore[arg-type]


def test_field_without_issue_codes_fails_loudly():
    class Incomplete(IssueSchema):
        shoe_size = fields.Integer()

    with pytest.raises(LookupError, match="shoe_size"):
        Incomplete().load_issues({"shoe_size": "big"})


def test_card_number_cannot_be_required():
    with pytest.raises(ValueError):
        CardNumber(required=True)


def test_dump_gives_strings():
    dumped = SCHEMA.dump({"nik": NIK_WOMAN, "kk": KK_NUMBER, "card_number": None})
    assert (dumped["nik"], dumped["kk"], dumped["card_number"]) == (NIK_WOMAN, KK_NUMBER, None)


def test_parsed_parts_are_only_visible_inside_a_load():
    assert SCHEMA.parsed("nik") is None
    seen = []

    class Spy(IssueSchema):
        nik = NIK(today=TODAY)

        @validates_schema
        def look(self, data, **kwargs):
            seen.append(self.parsed("nik"))

    Spy().load_issues({"nik": NIK_WOMAN})
    assert seen[0].birth_date == date(1990, 8, 5)


def test_concurrent_loads_keep_their_warnings_apart():
    # Half the rows warn (unknown regency), half do not; each result must only see its own.
    barrier = threading.Barrier(8)

    def load(index: int) -> tuple[int, list[str]]:
        barrier.wait()
        nik = "3201994508900001" if index % 2 else NIK_WOMAN
        results = [SCHEMA.load_issues(row(nik=nik), row=index) for _ in range(200)]
        return index, sorted({i.code for _, issues in results for i in issues})

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(load, range(8)))
    for index, found in outcomes:
        assert found == (["nik.region"] if index % 2 else [])


def test_issues_from_a_load_carry_that_rows_number_only():
    _, first = SCHEMA.load_issues(row(sex="L"), row=20)
    _, second = SCHEMA.load_issues(row(sex="L"), row=21)
    assert {i.row for i in first} == {20} and {i.row for i in second} == {21}
