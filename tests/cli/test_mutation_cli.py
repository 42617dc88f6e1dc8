"""`edabu mutation import` and `edabu audit export` (contract §4)."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from edabu_lite.mutations.models import BatchStatus, MutationBatch
from edabu_lite.roster.models import Participant, Status
from edabu_lite.sheets.columns import MUTATION_COLUMNS
from tests.factories import register

WORKER = "3273015507900001"


def mutation_sheet(path, rows):  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    sheet.append([spec.header for spec in MUTATION_COLUMNS])
    for row in rows:
        sheet.append([row.get(spec.key) for spec in MUTATION_COLUMNS])
    book.save(path)
    return path


def run(runner, path, *extra):  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=["mutation", "import", str(path), "--employer", "BU000001", "--json", *extra]
    )
    return result, json.loads(result.stdout)


def statuses(session):  # type: ignore[no-untyped-def]
    session.expire_all()
    return {p.status for p in session.scalars(sa.select(Participant))}


def test_deactivate_with_phk_applies_to_family(runner, session, employer, tmp_path):
    register(session, employer)
    path = mutation_sheet(
        tmp_path / "m.xlsx",
        [
            {
                "nik": WORKER,
                "kind": "NONAKTIF",
                "reason": "PHK",
                "event_date": date.today(),
                "phk_proof": "A",
                "note": "PHK efisiensi",
            }
        ],
    )
    result, payload = run(runner, path, "--actor", "hr-script")
    assert result.exit_code == 0, payload
    assert payload["status"] == "committed"
    assert (payload["applied"], payload["affected"]) == (1, 4)
    assert statuses(session) == {Status.INACTIVE}
    # The same operation as a web upload: a job planned the batch, audited as the CLI's actor.
    from edabu_lite.audit.models import AuditEvent
    from edabu_lite.imports.models import ImportJob, JobKind

    job = session.scalars(sa.select(ImportJob)).one()
    assert (job.kind, job.source, job.actor, job.rows) == (JobKind.MUTATION, "cli", "hr-script", 1)
    assert job.file_size == path.stat().st_size
    batch = session.scalars(sa.select(MutationBatch)).one()
    assert batch.job_id == job.id and batch.status == BatchStatus.APPLIED
    created = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "mutation_batch.create")
    ).one()
    assert (created.actor, created.source) == ("hr-script", "cli")


def test_dry_run_changes_nothing(runner, session, employer, tmp_path):
    register(session, employer)
    path = mutation_sheet(
        tmp_path / "m.xlsx", [{"nik": WORKER, "kind": "Pindah Mandiri", "mandiri_class": 2}]
    )
    result, payload = run(runner, path, "--dry-run")
    assert result.exit_code == 0 and payload["status"] == "validated"
    assert payload["applied"] == 0 and statuses(session) == {Status.ACTIVE}
    batch = session.scalars(sa.select(MutationBatch)).one()
    assert batch.status == BatchStatus.CANCELLED


def test_errors_exit_1_and_name_the_cell(runner, session, employer, tmp_path):
    register(session, employer)
    path = mutation_sheet(
        tmp_path / "m.xlsx",
        [
            {"nik": WORKER, "kind": "NONAKTIF", "reason": "PHK", "event_date": date.today()},
            {"nik": "3273010101800099", "kind": "NONAKTIF", "reason": "PHK"},
            {"nik": "3273011203880002", "kind": "PINDAH_MANDIRI"},
            {"nik": "3273015005150003", "kind": "HAPUS"},
        ],
    )
    result, payload = run(runner, path)
    assert result.exit_code == 1 and payload["status"] == "rejected"
    found = {(i["row"], i["code"]) for i in payload["issues"]}
    assert {
        (3, "mutation.unknown_nik"),
        (4, "mutation.class_required"),
        (5, "mutation.kind_invalid"),
    } <= found
    assert statuses(session) == {Status.ACTIVE}


def test_approval_required_submits_instead_of_applying(runner, session, employer, tmp_path):
    register(session, employer)
    employer.mutations_need_approval = True
    session.commit()
    path = mutation_sheet(
        tmp_path / "m.xlsx", [{"nik": WORKER, "kind": "NONAKTIF", "reason": "PENSIUN"}]
    )
    result, payload = run(runner, path)
    assert result.exit_code == 0 and payload["applied"] == 0
    assert session.scalars(sa.select(MutationBatch)).one().status == BatchStatus.SUBMITTED
    assert statuses(session) == {Status.ACTIVE}


def test_unreadable_sheet_exits_2(runner, employer, tmp_path):
    bad = tmp_path / "m.xlsx"
    bad.write_bytes(b"not a workbook")
    result, payload = run(runner, bad)
    assert result.exit_code == 2 and payload["issues"][0]["code"] == "file.unreadable"


def test_audit_export_writes_every_event(runner, session, employer, tmp_path):
    register(session, employer)
    out = tmp_path / "audit.xlsx"
    result = runner.invoke(args=["audit", "export", "--employer", "BU000001", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).worksheets[0]
    assert sheet.max_row == 1 + 5  # employer.create + 4 participants
    headers = [c.value for c in sheet[1]]
    nik_cell = sheet.cell(row=3, column=headers.index("NIK") + 1)
    assert nik_cell.data_type == "s" and len(nik_cell.value) == 16
