"""`edabu roster import|export|template`: JSON output and exit codes (contract §4)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from edabu_lite.audit.models import AuditEvent
from edabu_lite.roster import cli as roster_cli
from edabu_lite.roster.models import Participant
from tests.factories import family
from tests.sheet_factory import write_roster


def run_import(runner, path, *extra):  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=["roster", "import", str(path), "--employer", "BU000001", "--json", *extra]
    )
    return result, json.loads(result.stdout)


def count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(sa.func.count()).select_from(Participant))


def test_dry_run_reports_and_changes_nothing(runner, session, employer, tmp_path):
    result, payload = run_import(runner, write_roster(tmp_path / "a.xlsx", family()), "--dry-run")
    assert result.exit_code == 0
    assert payload["status"] == "validated"
    assert (payload["rows"], payload["inserted"], payload["error_rows"]) == (4, 4, 0)
    assert count(session) == 0


def test_commit_then_unchanged(runner, session, employer, tmp_path):
    path = write_roster(tmp_path / "a.xlsx", family())
    result, payload = run_import(runner, path, "--actor", "hr-bot")
    assert result.exit_code == 0 and payload["status"] == "committed"
    assert payload["inserted"] == 4 and count(session) == 4
    assert (
        session.scalar(
            sa.select(AuditEvent.actor).where(AuditEvent.action == "roster_import.commit")
        )
        == "hr-bot"
    )
    result, payload = run_import(runner, path)
    assert (payload["inserted"], payload["updated"], payload["unchanged"]) == (0, 0, 4)


def test_row_errors_exit_1_with_issue_positions(runner, session, employer, tmp_path):
    rows = family()
    rows[3]["nik"] = 3273012108180004
    report = tmp_path / "laporan.xlsx"
    result, payload = run_import(
        runner, write_roster(tmp_path / "a.xlsx", rows), "--report", str(report)
    )
    assert result.exit_code == 1
    assert payload["status"] == "rejected" and payload["error_rows"] == 1
    issue = next(i for i in payload["issues"] if i["code"] == "nik.not_text")
    assert (issue["row"], issue["column"], issue["severity"]) == (5, "nik", "error")
    assert "3273012108180004" not in issue["message"]
    assert count(session) == 0
    assert load_workbook(report).worksheets[0].cell(row=1, column=19).value == "Keterangan"


def test_a_dry_run_keeps_the_cells_its_error_report_shows(runner, session, employer, tmp_path):
    """A dry run stages no cells unless ``--report`` asks for the report, which shows them."""
    rows = family()
    rows[1]["birth_date"] = "31-02-1990"
    report = tmp_path / "laporan.xlsx"
    path = write_roster(tmp_path / "a.xlsx", rows)
    result, payload = run_import(runner, path, "--dry-run", "--report", str(report))
    assert result.exit_code == 1 and payload["status"] == "validated"
    sheet = load_workbook(report).worksheets[0]
    assert [sheet.cell(row=3, column=c).value for c in (1, 3)] == [rows[1]["nik"], "Budi Hartono"]
    assert sheet.cell(row=3, column=5).value == "31-02-1990"
    assert count(session) == 0


def test_valid_only_commits_clean_families_and_exits_1(runner, session, employer, tmp_path):
    rows = family()
    rows[3]["nik"] = 3273012108180004
    other = family(worker_nik="3273014506850006", kk="3273012001150077")
    other[0]["birth_date"] = __import__("datetime").date(1985, 6, 5)
    other = [other[0]]
    result, payload = run_import(
        runner, write_roster(tmp_path / "a.xlsx", rows + other), "--valid-only"
    )
    assert result.exit_code == 1
    assert payload["status"] == "committed" and payload["inserted"] == 1
    assert count(session) == 1


def test_unreadable_file_exits_2(runner, employer, tmp_path):
    bad = tmp_path / "a.xlsx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    result, payload = run_import(runner, bad)
    assert result.exit_code == 2 and payload["status"] == "rejected"
    assert payload["issues"][0]["code"] == "file.unreadable"
    assert payload["issues"][0]["row"] is None


def test_unknown_employer_exits_2(runner, tmp_path):
    path = write_roster(tmp_path / "a.xlsx", family())
    result = runner.invoke(args=["roster", "import", str(path), "--employer", "NOPE", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["status"] == "failed"


def test_export_reimports_unchanged(runner, session, employer, tmp_path):
    run_import(runner, write_roster(tmp_path / "a.xlsx", family()))
    out = tmp_path / "export.xlsx"
    assert (
        runner.invoke(args=["roster", "export", "--employer", "BU000001", "-o", str(out)]).exit_code
        == 0
    )
    result, payload = run_import(runner, out, "--dry-run")
    assert result.exit_code == 0, payload["issues"]
    assert payload["unchanged"] == 4 and payload["inserted"] == 0


def test_template_command(runner, tmp_path):
    out = tmp_path / "t.xlsx"
    assert runner.invoke(args=["roster", "template", "-o", str(out)]).exit_code == 0
    book = load_workbook(out)
    assert [c.value for c in book.worksheets[0][1]][:3] == ["NIK", "No KK", "Nama Lengkap"]


@pytest.mark.parametrize(
    "threshold, expected", [(1, [True]), (10**9, [])], ids=["large file", "small file"]
)
def test_a_large_file_starts_the_helpers_before_the_sheet_is_opened(
    runner, employer, tmp_path, monkeypatch, threshold, expected
):  # type: ignore[no-untyped-def]
    started: list[bool] = []
    monkeypatch.setattr(roster_cli, "PARALLEL_MIN_BYTES", threshold)
    monkeypatch.setattr(roster_cli, "start_helpers", lambda: started.append(True) or True)
    result, payload = run_import(runner, write_roster(tmp_path / "a.xlsx", family()), "--dry-run")
    assert result.exit_code == 0 and payload["rows"] == 4
    assert started == expected


def test_an_export_with_people_who_left_uploads_back_unchanged(
    runner, session, employer, tmp_path, client, login_as
):
    """Contract §2b: the status columns, and every row unchanged on upload — also a child
    who aged out long ago and a dismissed worker's family, who are no longer covered and so
    are compared, not checked as covered family (family.child_age blocked the file before)."""
    from datetime import date

    from edabu_lite.accounts.models import Role
    from edabu_lite.roster.models import Status
    from tests.factories import register, worker_row

    aged_out = {
        **family()[2], "nik": "3273014101000005", "name": "Dewi Hartono",
        "birth_date": date(2000, 1, 1), "marital_status": "Belum Kawin",
    }  # fmt: skip
    dismissed = worker_row("3273011111850006", "3273012001150099", "Joko Susilo")
    wife = {
        **dismissed, "nik": "3273015212870007", "name": "Rina Susilo", "sex": "P",
        "relationship": "Istri", "worker_nik": dismissed["nik"], "wage": None,
        "start_date": None, "birth_date": date(1987, 12, 12),
    }  # fmt: skip
    people = register(session, employer, [*family(), aged_out, dismissed, wife])
    left = {"status": Status.INACTIVE, "status_since": date(2026, 1, 1),
            "previous_status": Status.ACTIVE}  # fmt: skip
    for nik, reason in ((aged_out["nik"], "USIA"), (dismissed["nik"], "PHK"), (wife["nik"], "PHK")):
        person = people[nik]
        for name, value in {**left, "end_date": date(2026, 1, 1), "end_reason": reason}.items():
            setattr(person, name, value)
        if reason == "PHK":
            person.phk_date, person.continued_coverage_until = date(2025, 12, 20), date(2026, 6, 20)
    session.commit()

    out = tmp_path / "export.xlsx"
    exported = runner.invoke(args=["roster", "export", "--employer", "BU000001", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    sheet = load_workbook(out).active
    headers = [c.value for c in sheet[1]]
    assert headers[-6:] == [
        "Status", "Segmen", "Tanggal Nonaktif", "Alasan", "Manfaat PHK s.d.", "Kelas Mandiri"
    ]  # fmt: skip
    rows = {r[0]: dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)}
    assert rows[aged_out["nik"]]["Status"] == "NONAKTIF"
    assert rows[aged_out["nik"]]["Alasan"] == "USIA"
    assert rows[dismissed["nik"]]["Manfaat PHK s.d."].date() == date(2026, 6, 19)  # last day
    assert rows[family()[0]["nik"]]["Status"] == "AKTIF"
    assert rows[family()[0]["nik"]]["Tanggal Nonaktif"] is None

    result, payload = run_import(runner, out, "--dry-run")
    assert result.exit_code == 0, payload["issues"]
    assert (payload["unchanged"], payload["error_rows"], payload["inserted"]) == (7, 0, 0)
    assert not [i for i in payload["issues"] if i["code"].startswith("header.")]

    login_as(Role.VIEWER)
    response = client.get("/peserta/ekspor.xlsx?status=NONAKTIF")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    import io

    web = load_workbook(io.BytesIO(response.data)).active
    assert sorted(r[0] for r in web.iter_rows(2, values_only=True)) == sorted(
        [aged_out["nik"], dismissed["nik"], wife["nik"]]
    )


def test_a_faskes_change_within_three_months_is_a_warning(runner, session, employer, tmp_path):
    from datetime import date, timedelta

    from tests.factories import register

    rows = family()
    people = register(session, employer, rows)
    worker, husband = people[rows[0]["nik"]], people[rows[1]["nik"]]
    worker.faskes_since = date.today() - timedelta(days=40)  # chose it last month
    session.commit()
    moved = [{**row, "faskes_code": "03010701"} for row in rows[:2]] + rows[2:]

    result, payload = run_import(runner, write_roster(tmp_path / "a.xlsx", moved), "--dry-run")
    assert result.exit_code == 0, payload  # a warning: nothing blocked
    soon = [i for i in payload["issues"] if i["code"] == "faskes_code.too_soon"]
    assert [(i["row"], i["column"], i["severity"]) for i in soon] == [
        (2, "faskes_code", "warning")  # the worker; the husband's came with his registration
    ]
    assert (date.today() - timedelta(days=40)).strftime("%d-%m-%Y") in soon[0]["message"]

    result, payload = run_import(runner, write_roster(tmp_path / "b.xlsx", moved))
    assert result.exit_code == 0 and payload["updated"] == 2
    session.expire_all()
    assert husband.faskes_since == date.today() and worker.faskes_since == date.today()
    back = [{**row, "faskes_code": "0112U020"} for row in rows[:1]] + moved[1:]
    _result, payload = run_import(runner, write_roster(tmp_path / "c.xlsx", back), "--dry-run")
    assert [i["row"] for i in payload["issues"] if i["code"] == "faskes_code.too_soon"] == [2]
