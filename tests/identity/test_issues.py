"""The shared Issue model: catalogue completeness, severities, construction checks, JSON shapes."""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
import pickle
import re
from pathlib import Path

import pytest

from edabu_lite.issues import CATALOGUE, ERROR, N_, WARNING, Issue, errors, warnings

# contract.md §5, spelled exactly as there.
CONTRACT_CODES = {
    "file.unreadable", "file.too_large", "file.too_many_rows", "file.empty",
    "header.missing_column", "header.duplicate_column", "header.unknown_column",
    "nik.required", "nik.not_text", "nik.format", "nik.length", "nik.province", "nik.region",
    "nik.date", "nik.serial", "nik.birth_date_mismatch", "nik.sex_mismatch",
    "kk.required", "kk.not_text", "kk.format", "kk.length", "kk.province", "kk.region",
    "kk.date", "kk.same_as_nik",
    "name.required", "name.format", "birth_date.required", "birth_date.format",
    "birth_date.future", "sex.invalid", "marital_status.invalid", "relationship.invalid",
    "wage.required", "wage.format", "wage.below_minimum", "care_class.invalid",
    "care_class.wage_mismatch", "faskes_code.format", "start_date.format",
    "card_number.not_text", "card_number.format", "phone.format", "email.format",
    "row.duplicate_nik", "row.nik_other_employer",
    "family.worker_missing", "family.kk_mismatch", "family.spouse_count", "family.extra_member",
    "family.child_age", "family.not_dependant",
    "mutation.unknown_nik", "mutation.kind_invalid", "mutation.reason_invalid",
    "mutation.not_active", "mutation.not_inactive", "mutation.class_required",
    "mutation.date_invalid", "mutation.deceased", "mutation.conflict",
    "mutation.event_date_required", "nik.newborn_pending",
}  # fmt: skip

# Codes added beside contract v2 (README, "Issue codes beyond the contract"): file-level
# refusals of hostile workbooks, clearer than a bare file.unreadable.
ADDED_CODES = {
    "file.cell_too_long", "file.row_too_long", "family.husband_count", "family.spouse_mismatch",
    "faskes_code.too_soon", "nik.registered", "nik.unchanged", "effective_from.invalid",
}  # fmt: skip

# The codes the contract marks "(warning)"; every other code is an error.
CONTRACT_WARNINGS = {
    "header.unknown_column", "nik.region", "nik.birth_date_mismatch", "nik.sex_mismatch",
    "kk.region", "kk.date", "kk.same_as_nik", "wage.below_minimum", "care_class.wage_mismatch",
    "phone.format", "email.format", "row.nik_other_employer", "family.spouse_count",
    "family.extra_member", "nik.newborn_pending",
}  # fmt: skip

PLACEHOLDER = re.compile(r"%\(([a-z_]+)\)s")


def sample_params(code: str) -> dict[str, object]:
    return {name: f"<{name}>" for name in CATALOGUE[code].placeholders}


def test_catalogue_holds_exactly_the_contract_codes():
    assert set(CATALOGUE) == CONTRACT_CODES | ADDED_CODES


def test_catalogue_keys_match_their_entries():
    assert all(issue_type.code == code for code, issue_type in CATALOGUE.items())


def test_warning_codes_are_exactly_those_of_the_contract():
    warnings = {code for code, t in CATALOGUE.items() if t.severity == WARNING}
    assert warnings - {"family.spouse_mismatch", "faskes_code.too_soon"} == CONTRACT_WARNINGS


@pytest.mark.parametrize("code", sorted(CONTRACT_CODES))
def test_severity_per_code_follows_the_contract(code):
    expected = WARNING if code in CONTRACT_WARNINGS else ERROR
    assert CATALOGUE[code].severity == expected
    assert Issue(code, params=sample_params(code)).severity == expected


@pytest.mark.parametrize("code", sorted(CONTRACT_CODES))
def test_every_message_renders_with_its_placeholders(code):
    params = sample_params(code)
    text = Issue(code, params=params).message()
    assert "%(" not in text and "%%" not in text
    assert all(f"<{name}>" in text for name in params)
    assert text.endswith(".")


def test_messages_are_indonesian_and_explain_the_fix():
    assert CATALOGUE["nik.not_text"].message == (
        "NIK tersimpan sebagai angka sehingga digit terakhir hilang. Format kolom NIK sebagai "
        "Teks lalu ketik ulang nomornya."
    )
    assert "Teks" in CATALOGUE["kk.not_text"].message
    assert "Teks" in CATALOGUE["card_number.not_text"].message
    assert "NIK" in CATALOGUE["kk.date"].message  # says the KK looks like a NIK


def test_unknown_code_raises_at_construction():
    with pytest.raises(ValueError, match=r"unknown issue code 'nik\.lenght'"):
        Issue("nik.lenght")


def test_missing_placeholder_params_raise():
    with pytest.raises(ValueError, match="length"):
        Issue("nik.length")


def test_non_json_params_raise():
    with pytest.raises(TypeError):
        Issue("nik.length", params={"length": [15]})


def test_a_full_nik_in_params_is_refused():
    with pytest.raises(ValueError, match="masked"):
        Issue("row.duplicate_nik", params={"other_row": "3201014508900001"})
    assert Issue("row.duplicate_nik", params={"other_row": 7}).params["other_row"] == 7


def test_params_are_read_only_copies():
    source = {"length": 15}
    issue = Issue("nik.length", "nik", 4, source)
    source["length"] = 99
    assert issue.params["length"] == 15
    with pytest.raises(TypeError):
        issue.params["length"] = 1  # type: ignore[index]


def test_issue_survives_pickle_deepcopy_and_asdict():
    # Issues travel through job queues (pickle) and get copied; params must come along intact.
    issue = Issue("nik.length", "nik", 4, {"length": 15})
    revived = pickle.loads(pickle.dumps(issue))  # noqa: S301 - our own bytes, just made
    assert revived == issue
    assert copy.deepcopy(issue) == issue
    assert dataclasses.asdict(issue) == {
        "code": "nik.length",
        "column": "nik",
        "row": 4,
        "params": {"length": 15},
    }
    with pytest.raises(TypeError):
        revived.params.update(length=1)


def test_issue_is_frozen_and_hashable():
    issue = Issue("nik.length", "nik", 4, {"length": 15})
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.code = "nik.format"  # type: ignore[misc]
    assert issue == Issue("nik.length", "nik", 4, {"length": 15})
    assert len({issue, Issue("nik.length", "nik", 4, {"length": 15})}) == 1


def test_to_dict_has_exactly_the_contract_shape():
    issue = Issue("nik.length", "nik", 7, {"length": 15})
    assert issue.to_dict() == {
        "row": 7,
        "column": "nik",
        "code": "nik.length",
        "severity": "error",
        "message": "NIK harus 16 digit, yang terisi 15 digit. Periksa kembali NIK pada KTP atau "
        "Kartu Keluarga.",
    }
    assert list(issue.to_dict()) == ["row", "column", "code", "severity", "message"]
    assert json.loads(json.dumps(issue.to_dict())) == issue.to_dict()


def test_file_level_issue_has_null_row_and_column():
    as_json = Issue("file.empty").to_dict()
    assert as_json["row"] is None and as_json["column"] is None


def test_message_is_translated_then_formatted():
    catalogue = {CATALOGUE["nik.length"].message: "NIK must have 16 digits, not %(length)s."}
    issue = Issue("nik.length", params={"length": 15})
    assert (
        issue.message(lambda text: catalogue.get(text, text)) == "NIK must have 16 digits, not 15."
    )
    assert issue.to_dict(lambda text: catalogue.get(text, text))["message"].endswith("not 15.")


def test_a_broken_translation_falls_back_to_the_msgid():
    issue = Issue("nik.length", params={"length": 15})
    assert issue.message(lambda text: "Length %(wrong)s") == issue.message()


def test_percent_signs_survive_formatting():
    assert "1% dari gaji" in Issue("family.extra_member").message()


def test_storage_round_trip_is_compact():
    issue = Issue("nik.length", "nik", 9, {"length": 17})
    stored = issue.to_storage()
    assert stored == {"code": "nik.length", "column": "nik", "row": 9, "params": {"length": 17}}
    assert Issue.from_dict(json.loads(json.dumps(stored))) == issue
    assert Issue("file.empty").to_storage() == {"code": "file.empty"}
    assert Issue.from_dict({"code": "file.empty"}) == Issue("file.empty")


def test_from_dict_accepts_the_report_shape():
    issue = Issue("kk.same_as_nik", "kk", 3)
    assert Issue.from_dict(issue.to_dict()) == issue


def test_from_dict_rejects_unknown_codes():
    with pytest.raises(ValueError):
        Issue.from_dict({"code": "kk.typo"})


def test_with_position_returns_a_moved_copy():
    issue = Issue("nik.serial", "nik")
    moved = issue.with_position(row=12)
    assert (moved.row, moved.column) == (12, "nik")
    assert issue.row is None
    assert moved.with_position(column="worker_nik") == Issue("nik.serial", "worker_nik", 12)


def test_errors_and_warnings_split_by_severity():
    found = [Issue("nik.region", params={"code": "329901"}), Issue("nik.serial")]
    assert [i.code for i in errors(found)] == ["nik.serial"]
    assert [i.code for i in warnings(found)] == ["nik.region"]


def test_n_is_a_no_op_marker():
    assert N_("Teks") == "Teks"


ROOT = Path(__file__).resolve().parents[2]
IDENTITY_MODULES = [
    ROOT / "edabu_lite/issues.py",
    ROOT / "edabu_lite/demo_data.py",
    *sorted((ROOT / "edabu_lite/identity").glob("*.py")),
]
FORBIDDEN = ("flask", "flask_babel", "sqlalchemy", "flask_sqlalchemy", "psycopg")


def test_the_pure_module_list_is_complete():
    assert len(IDENTITY_MODULES) >= 10


@pytest.mark.parametrize("path", IDENTITY_MODULES, ids=lambda path: path.name)
def test_pure_modules_import_no_flask_or_database(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported.intersection(FORBIDDEN)
    assert ast.get_docstring(tree)  # every module says what it is for
