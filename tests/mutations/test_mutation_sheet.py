"""One mutation-sheet row (contract §3): accepted spellings and every code the sheet produces."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edabu_lite.issues import CATALOGUE, Issue
from edabu_lite.mutations.rules import (
    MutationKind,
    Person,
    PhkProof,
    Reason,
    Request,
    plan_mutation,
)
from edabu_lite.mutations.sheet import (
    MUTATION_ROW_KEYS,
    NOTE_MAX,
    load_mutation_row,
    to_request,
)
from edabu_lite.sheets.columns import MUTATION_COLUMNS

TODAY = date(2025, 6, 10)
ROW = 4
NIK = "3201014508900001"


def row(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "nik": NIK,
        "kind": "NONAKTIF",
        "reason": "PHK",
        "effective_date": None,
        "mandiri_class": None,
        "phk_proof": None,
        "note": None,
    }
    values.update(overrides)
    return values


def validate(**overrides: object) -> tuple[dict[str, object] | None, list[Issue]]:
    return load_mutation_row(row(**overrides), ROW, today=TODAY)


def parsed(**overrides: object) -> dict[str, object]:
    data, issues = validate(**overrides)
    assert issues == [], issues
    assert data is not None
    return data


def one_issue(**overrides: object) -> Issue:
    data, issues = validate(**overrides)
    assert data is None
    assert len(issues) == 1, issues
    assert issues[0].row == ROW
    return issues[0]


def test_a_clean_row():
    data = parsed(
        effective_date=date(2025, 7, 1), phk_proof="A", note="Surat PHK no. 12",
        event_date="02-06-2025",
    )  # fmt: skip

    assert data == {
        "nik": NIK,
        "kind": MutationKind.DEACTIVATE,
        "reason": Reason.PHK,
        "effective_date": date(2025, 7, 1),
        "mandiri_class": None,
        "phk_proof": PhkProof.A,
        "note": "Surat PHK no. 12",
        "event_date": date(2025, 6, 2),
        "death_certificate": None,
    }
    assert tuple(data) == MUTATION_ROW_KEYS == tuple(spec.key for spec in MUTATION_COLUMNS)


# --- accepted spellings ---------------------------------------------------------------------------

KIND_SPELLINGS = [
    ("NONAKTIF", MutationKind.DEACTIVATE),
    ("Nonaktif", MutationKind.DEACTIVATE),
    ("non aktif", MutationKind.DEACTIVATE),
    ("Non-Aktif", MutationKind.DEACTIVATE),
    ("Nonaktifkan", MutationKind.DEACTIVATE),
    ("Dinonaktifkan", MutationKind.DEACTIVATE),
    ("Tidak Aktif", MutationKind.DEACTIVATE),
    ("Deactivate", MutationKind.DEACTIVATE),
    ("Inactive", MutationKind.DEACTIVATE),
    ("PINDAH_MANDIRI", MutationKind.MOVE_TO_MANDIRI),
    ("Pindah Mandiri", MutationKind.MOVE_TO_MANDIRI),
    ("pindah ke mandiri", MutationKind.MOVE_TO_MANDIRI),
    ("Pindah ke PBPU", MutationKind.MOVE_TO_MANDIRI),
    ("Pindah PBPU", MutationKind.MOVE_TO_MANDIRI),
    ("PBPU", MutationKind.MOVE_TO_MANDIRI),
    ("Mandiri", MutationKind.MOVE_TO_MANDIRI),
    ("Move to mandiri", MutationKind.MOVE_TO_MANDIRI),
    ("AKTIFKAN", MutationKind.REACTIVATE),
    ("Aktifkan", MutationKind.REACTIVATE),
    ("Aktifkan kembali", MutationKind.REACTIVATE),
    ("Aktif Kembali", MutationKind.REACTIVATE),
    ("aktif", MutationKind.REACTIVATE),
    ("Reaktivasi", MutationKind.REACTIVATE),
    ("Reactivate", MutationKind.REACTIVATE),
    ("  Nonaktif  ", MutationKind.DEACTIVATE),
]


@pytest.mark.parametrize(("text", "kind"), KIND_SPELLINGS)
def test_kind_spellings(text, kind):
    data = parsed(kind=text, reason="Pensiun", mandiri_class=2)

    assert data["kind"] is kind


REASON_SPELLINGS = [
    ("PHK", Reason.PHK), ("phk", Reason.PHK), ("Di-PHK", Reason.PHK),
    ("Pemutusan Hubungan Kerja", Reason.PHK), ("Dismissed", Reason.PHK),
    ("MENGUNDURKAN_DIRI", Reason.MENGUNDURKAN_DIRI),
    ("Mengundurkan diri", Reason.MENGUNDURKAN_DIRI), ("Undur diri", Reason.MENGUNDURKAN_DIRI),
    ("Resign", Reason.MENGUNDURKAN_DIRI), ("resigned", Reason.MENGUNDURKAN_DIRI),
    ("HABIS_KONTRAK", Reason.HABIS_KONTRAK), ("Habis kontrak", Reason.HABIS_KONTRAK),
    ("Kontrak habis", Reason.HABIS_KONTRAK), ("Kontrak berakhir", Reason.HABIS_KONTRAK),
    ("Selesai kontrak", Reason.HABIS_KONTRAK), ("End of contract", Reason.HABIS_KONTRAK),
    ("PENSIUN", Reason.PENSIUN), ("Pensiun", Reason.PENSIUN), ("Purna tugas", Reason.PENSIUN),
    ("Retired", Reason.PENSIUN),
    ("MENINGGAL", Reason.MENINGGAL), ("Meninggal dunia", Reason.MENINGGAL),
    ("Meninggal Dunia", Reason.MENINGGAL), ("Wafat", Reason.MENINGGAL),
    ("Deceased", Reason.MENINGGAL),
    ("USIA", Reason.USIA), ("Batas usia", Reason.USIA), ("Melebihi batas usia", Reason.USIA),
    ("Aged out", Reason.USIA),
    ("MENIKAH", Reason.MENIKAH), ("Kawin", Reason.MENIKAH), ("Sudah menikah", Reason.MENIKAH),
    ("Married", Reason.MENIKAH),
    ("CERAI", Reason.CERAI), ("Cerai hidup", Reason.CERAI), ("Bercerai", Reason.CERAI),
    ("Divorced", Reason.CERAI),
]  # fmt: skip


@pytest.mark.parametrize(("text", "reason"), REASON_SPELLINGS)
def test_reason_spellings(text, reason):
    assert parsed(reason=text)["reason"] is reason


MANDIRI_CLASS_SPELLINGS = [
    (1, 1), (2.0, 2), (3, 3), ("1", 1), ("2.0", 2), ("3,00", 3), (" 2 ", 2), ("I", 1),
    ("II", 2), ("iii", 3), ("Kelas 1", 1), ("kelas II", 2), ("Kelas III", 3), ("Kls 2", 2),
    ("Kls. III", 3), ("Class 1", 1),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), MANDIRI_CLASS_SPELLINGS)
def test_mandiri_class_spellings(cell, expected):
    data = parsed(kind="PINDAH_MANDIRI", reason=None, mandiri_class=cell)

    assert data["mandiri_class"] == expected
    assert type(data["mandiri_class"]) is int


@pytest.mark.parametrize(
    ("cell", "proof"),
    [("A", PhkProof.A), ("b", PhkProof.B), ("(c)", PhkProof.C), ("a.", PhkProof.A),
     ("Bukti A", PhkProof.A), ("Huruf B", PhkProof.B), ("Poin C", PhkProof.C),
     ("butir a", PhkProof.A), (None, None), ("", None), ("-", None)],
)  # fmt: skip
def test_phk_proof_spellings(cell, proof):
    assert parsed(phk_proof=cell)["phk_proof"] == proof


JULY_1 = date(2025, 7, 1)


@pytest.mark.parametrize(
    "cell",
    [JULY_1, datetime(2025, 7, 1), datetime(2025, 7, 1, 8, 30), 45839, 45839.5, "01-07-2025",
     "1-7-2025", "01/07/2025", "1/7/2025", "01.07.2025", "2025-07-01", "2025/07/01",
     " 01-07-2025 ", "01-07-2025 00:00:00"],
)  # fmt: skip
def test_effective_date_forms(cell):
    assert parsed(effective_date=cell)["effective_date"] == JULY_1


@pytest.mark.parametrize("cell", [None, "", "   ", float("nan")])
def test_an_empty_effective_date_leaves_the_default_to_the_rules(cell):
    assert parsed(effective_date=cell)["effective_date"] is None


def test_note_is_free_text_cut_at_the_limit():
    assert parsed(note="  Surat   PHK\n no. 12 ")["note"] == "Surat PHK no. 12"
    assert parsed(note="x" * 600)["note"] == "x" * NOTE_MAX
    assert parsed(note=12345)["note"] == "12345"
    assert parsed(note=1.5)["note"] == "1.5"
    assert parsed(note="   ")["note"] is None
    assert parsed(note=date(2025, 1, 1))["note"] is None


# --- codes the sheet produces ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "problem"), [(None, "required"), ("", "required"), ("Hapus", "unknown"),
                          ("Keluar", "unknown"), (1, "unknown"), ("Mutasi", "unknown")],
)  # fmt: skip
def test_kind_invalid(cell, problem):
    issue = one_issue(kind=cell)

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.kind_invalid",
        "kind",
        problem,
    )


@pytest.mark.parametrize(
    ("kind", "cell", "problem"),
    [("NONAKTIF", None, "required"), ("NONAKTIF", " ", "required"),
     ("NONAKTIF", "Keluar", "unknown"), ("NONAKTIF", "Cerai mati", "unknown"),
     ("NONAKTIF", 3, "unknown"), ("PINDAH_MANDIRI", "Bosan", "unknown"),
     ("Hapus", "Bosan", "unknown")],
)  # fmt: skip
def test_reason_invalid(kind, cell, problem):
    data, issues = validate(kind=kind, reason=cell, mandiri_class=1)

    assert data is None
    reason_issues = [i for i in issues if i.column == "reason"]
    assert [(i.code, i.params["problem"]) for i in reason_issues] == [
        ("mutation.reason_invalid", problem)
    ]


def test_reason_is_optional_for_a_move_and_unused_by_a_reactivation():
    assert parsed(kind="PINDAH_MANDIRI", reason=None, mandiri_class=1)["reason"] is None
    assert parsed(kind="PINDAH_MANDIRI", reason="Resign", mandiri_class=1)["reason"] is (
        Reason.MENGUNDURKAN_DIRI
    )
    assert parsed(kind="AKTIFKAN", reason="Bosan")["reason"] is None
    assert parsed(kind="AKTIFKAN", reason="PHK")["reason"] is Reason.PHK  # the preview notes it


@pytest.mark.parametrize(
    ("cell", "problem"),
    [("01-07-25", "two_digit_year"), ("31-02-2025", "impossible_date"), ("besok", "unreadable"),
     (2025, "year_only"), (True, "unreadable"), ("01-07-1899", "before_1900"),
     (60, "excel_1900_02_29")],
)  # fmt: skip
def test_date_invalid(cell, problem):
    issue = one_issue(effective_date=cell)

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.date_invalid",
        "effective_date",
        problem,
    )


@pytest.mark.parametrize(
    ("cell", "problem"),
    [(None, "required"), ("", "required"), (0, "invalid"), (4, "invalid"), ("4", "invalid"),
     (1.5, "invalid"), ("10", "invalid"), ("Kelas VIP", "invalid"), (True, "invalid"),
     ("IV", "invalid")],
)  # fmt: skip
def test_class_required_on_a_move(cell, problem):
    issue = one_issue(kind="PINDAH_MANDIRI", reason=None, mandiri_class=cell)

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.class_required",
        "mandiri_class",
        problem,
    )


def test_the_class_is_not_needed_by_other_kinds():
    assert parsed(mandiri_class=None)["mandiri_class"] is None
    assert parsed(mandiri_class="VIP")["mandiri_class"] is None
    assert parsed(mandiri_class=3)["mandiri_class"] == 3  # the preview notes it is ignored


@pytest.mark.parametrize("cell", ["D", "Ya", "AB", 1, "Bukti"])
def test_an_unreadable_phk_proof_blocks_a_deactivation(cell):
    issue = one_issue(phk_proof=cell)

    assert (issue.code, issue.column, issue.params["problem"]) == (
        "mutation.reason_invalid",
        "phk_proof",
        "phk_proof",
    )


def test_an_unreadable_phk_proof_is_dropped_where_no_proof_is_used():
    assert parsed(kind="AKTIFKAN", phk_proof="D")["phk_proof"] is None
    assert parsed(kind="PINDAH_MANDIRI", mandiri_class=1, phk_proof="D")["phk_proof"] is None
    assert parsed(kind="AKTIFKAN", phk_proof="b")["phk_proof"] is PhkProof.B


@pytest.mark.parametrize(
    ("cell", "code"),
    [(None, "nik.required"), (3201014508900001, "nik.not_text"), ("32010145089OOOO1", "nik.format"),
     ("320101450890001", "nik.length"), ("0001014508900001", "nik.province"),
     ("3201019908900001", "nik.date"), ("3201014508900000", "nik.serial")],
)  # fmt: skip
def test_nik_errors(cell, code):
    issue = one_issue(nik=cell)

    assert (issue.code, issue.column) == (code, "nik")


def test_nik_warnings_are_not_repeated_here():
    data, issues = validate(nik="3299014508900001")  # unknown regency: nik.region warning

    assert issues == []
    assert data is not None and data["nik"] == "3299014508900001"


def test_nik_with_separators_is_normalised():
    assert parsed(nik="3201 0145 0890 0001")["nik"] == NIK


def test_issues_come_in_column_order_with_the_row():
    data, issues = load_mutation_row(
        {"kind": "PINDAH_MANDIRI", "reason": "X", "effective_date": "x", "mandiri_class": "9"},
        ROW,
        today=TODAY,
    )

    assert data is None
    assert [(i.code, i.column) for i in issues] == [
        ("nik.required", "nik"),
        ("mutation.reason_invalid", "reason"),
        ("mutation.date_invalid", "effective_date"),
        ("mutation.class_required", "mandiri_class"),
    ]
    assert {i.row for i in issues} == {ROW}


# --- to the rules ---------------------------------------------------------------------------------


def test_a_parsed_row_becomes_a_request_the_rules_accept():
    data = parsed(reason="Di PHK", phk_proof="Bukti B", effective_date="01-08-2025",
                  event_date=date(2025, 6, 2))  # fmt: skip
    request = to_request(data, exclude=frozenset({2}))

    assert request == Request(
        MutationKind.DEACTIVATE,
        Reason.PHK,
        date(2025, 8, 1),
        None,
        PhkProof.B,
        event_date=date(2025, 6, 2),
        exclude=frozenset({2}),
        include=None,
    )
    worker = Person(1, NIK, "3201011203150001", "Peserta", None, "AKTIF", "PPU", 1, None, None,
                    None, None, None, 1)  # fmt: skip
    plan = plan_mutation(worker, [], request, today=TODAY, row=ROW)
    assert plan.ok
    assert plan.changes[0].after["continued_coverage_until"] == date(2025, 12, 2)


# --- never raises ---------------------------------------------------------------------------------

any_cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True),
    st.text(),
    st.sampled_from(["NONAKTIF", "Pindah Mandiri", "Aktifkan", "PHK", "Kelas 2", "A", NIK, "-"]),
    st.dates(),
    st.datetimes(),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.builds(object),
)


@settings(max_examples=400, deadline=None, database=None)
@given(st.fixed_dictionaries(dict.fromkeys(MUTATION_ROW_KEYS, any_cell)))
def test_validation_never_raises(values):
    data, issues = load_mutation_row(values, ROW, today=TODAY)

    assert all(issue.code in CATALOGUE and issue.row == ROW for issue in issues)
    assert all(issue.column in MUTATION_ROW_KEYS for issue in issues)
    assert (data is None) == any(issue.is_error for issue in issues)
    if data is not None:
        assert tuple(data) == MUTATION_ROW_KEYS
        assert isinstance(data["kind"], MutationKind)
        to_request(data)  # a parsed row always makes a request


def test_version_2_columns_event_date_and_death_certificate():
    data = parsed(reason="Meninggal dunia", event_date="03-06-2025",
                  death_certificate="  474.3 / 12 / 2025 ")  # fmt: skip
    assert (data["event_date"], data["death_certificate"]) == (
        date(2025, 6, 3),
        "474.3 / 12 / 2025",
    )
    issue = one_issue(event_date="31-02-2025")
    assert (issue.code, issue.column) == ("mutation.date_invalid", "event_date")
    assert parsed(reason="Sudah bekerja")["reason"] == Reason.BEKERJA
    assert parsed(reason="Berhenti ditanggung")["reason"] == Reason.DIHENTIKAN


def test_a_version_1_sheet_without_the_new_columns_still_loads():
    values = row(reason="PENSIUN")
    data = load_mutation_row(values, ROW, today=TODAY)[0]
    assert data is not None and data["event_date"] is None
