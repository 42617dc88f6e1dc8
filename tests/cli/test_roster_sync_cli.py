"""`edabu roster import FILE --full-roster [--create-draft]` (issue 18 item 4): the contract's
JSON keys unchanged, plus a `sync` object with the preview's counts and every missing worker
(NIK masked); `--create-draft` makes the web's draft through the same operation, linked to
the import. Expected sets are worked out here from what was registered and what the file
holds."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.identity.privacy import mask_nik
from edabu_lite.imports.models import ImportJob, JobStatus
from edabu_lite.months import first_day_of_next_month
from edabu_lite.mutations.models import BatchStatus, MutationBatch, MutationItem
from edabu_lite.roster import sync
from edabu_lite.roster.models import Participant, Status
from tests.conftest import post_form
from tests.roster.test_roster_sync import FAMILY, SITI, WORKERS, _nik, _worker, register_roster
from tests.sheet_factory import write_roster

#: Contract §4's keys, which --full-roster must leave as they are.
CONTRACT_KEYS = {"status", "rows", "valid_rows", "error_rows", "warning_rows", "inserted",
                 "updated", "unchanged", "issues"}  # fmt: skip
#: Workers 0–7 and 9 are missing (8 is inactive already, 10 is scheduled to leave); Siti is in
#: the file with her husband and first child, so her second child is a missing dependant.
MISSING = [n for n in range(10) if n != 8]
CHILD2 = FAMILY[3]


@pytest.fixture
def roster(session, employer, other_employer):  # type: ignore[no-untyped-def]
    return register_roster(session, employer, other_employer)


@pytest.fixture
def monthly(tmp_path):  # type: ignore[no-untyped-def]
    rows = [_worker(n) for n in range(11, WORKERS)] + FAMILY[:3]
    return write_roster(tmp_path / "payroll-desember.xlsx", rows)


def run(runner, path, *extra, as_json=True):  # type: ignore[no-untyped-def]
    args = ["roster", "import", str(path), "--employer", "BU000001", *extra]
    result = runner.invoke(args=[*args, "--json"] if as_json else args)
    return result, (json.loads(result.stdout) if as_json else None)


def _batches(session):  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(sa.select(MutationBatch).order_by(MutationBatch.id)))


def _expected_missing(session, roster) -> list[dict]:  # type: ignore[no-untyped-def]
    people = sorted((roster[_nik(n)] for n in MISSING), key=lambda p: (p.name, p.id))
    return [
        {"id": p.id, "nik_masked": mask_nik(p.nik), "name": p.name,
         "employee_number": p.employee_number, "start_date": p.start_date.isoformat()}
        for p in people
    ]  # fmt: skip


def test_the_json_gains_the_sync_object_and_keeps_the_contracts_keys(
    runner, session, employer, roster, monthly
):
    result, payload = run(runner, monthly, "--full-roster")
    assert result.exit_code == 0, result.output
    assert set(payload) == CONTRACT_KEYS | {"sync"}
    assert payload["status"] == "committed" and payload["error_rows"] == 0
    assert payload["updated"] + payload["unchanged"] == payload["rows"] == WORKERS - 11 + 3
    report = payload["sync"]
    assert report == {
        "active_workers": WORKERS - 1 + 1,  # 8 is inactive; Siti is a worker too
        "missing_workers": len(MISSING),
        "already_leaving": 1,
        "missing_dependants": 1,
        "unreadable_rows": 0,
        "suspicious": False,
        "missing": _expected_missing(session, roster),
        "draft": None,
    }
    # never a full NIK on stdout, and nobody deactivated or drafted without --create-draft
    registered = set(
        session.scalars(sa.select(Participant.nik).where(Participant.nik.is_not(None)))
    )
    assert not registered & set(re.findall(r"\d{16}", result.stdout))
    assert _batches(session) == []
    job = session.scalars(sa.select(ImportJob)).one()
    assert job.full_roster and job.status == JobStatus.COMMITTED


def test_create_draft_makes_the_webs_draft_once_per_import(
    runner, client, session, employer, users, roster, monthly, login_as
):
    result, payload = run(runner, monthly, "--full-roster", "--create-draft", "--actor", "hr-bot")
    assert result.exit_code == 0, result.output
    (batch,) = _batches(session)
    job = session.scalars(sa.select(ImportJob)).one()
    tmt = first_day_of_next_month(clock.today())
    assert payload["sync"]["draft"] == {
        "batch_id": batch.id, "status": "draft", "items": len(MISSING), "error_items": 0,
        "affected": batch.affected, "reason": "MENGUNDURKAN_DIRI",
        "effective_date": tmt.isoformat(),
    }  # fmt: skip
    assert (batch.sync_job_id, batch.source, batch.created_by) == (job.id, "cli", "hr-bot")
    assert batch.status == BatchStatus.DRAFT
    items = session.scalars(sa.select(MutationItem).where(MutationItem.batch_id == batch.id)).all()
    assert {i.nik for i in items} == {_nik(n) for n in MISSING}
    assert {(i.kind, i.reason, i.effective_date) for i in items} == {
        ("NONAKTIF", "MENGUNDURKAN_DIRI", tmt)
    }
    assert not any(i.has_error for i in items)
    assert session.scalar(sa.select(Participant.status).where(Participant.nik == _nik(0))) == (
        Status.ACTIVE  # a draft changes nobody
    )
    # the web sees the same import's draft: its link instead of the form, and no second one
    login_as(Role.OPERATOR)
    job_url = f"/impor/{job.id}"
    preview = client.get(job_url).get_data(as_text=True)
    assert f'data-testid="sync-existing-link">batch #{batch.id}<' in preview
    response = post_form(
        client,
        f"/impor/{job.id}/sinkron",
        {"reason": "PENSIUN", "effective_date": tmt.isoformat()},
        token_from=job_url,
    )
    assert response.headers["Location"].endswith(f"/mutasi/{batch.id}")
    assert len(_batches(session)) == 1


def test_the_indonesian_flag_names_work_too(runner, session, employer, roster, monthly):
    result, payload = run(runner, monthly, "--lengkap", "--buat-draf")
    assert result.exit_code == 0, result.output
    assert payload["sync"]["missing_workers"] == len(MISSING)
    assert payload["sync"]["draft"]["items"] == len(MISSING) == _batches(session)[0].items_count


def test_without_json_a_short_summary(runner, session, employer, roster, monthly):
    result, _ = run(runner, monthly, "--full-roster", "--create-draft", as_json=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"{len(MISSING)} dari {WORKERS} pekerja aktif hari ini tidak ada di berkas ini." in out
    for n in MISSING:
        person = roster[_nik(n)]
        assert f"- {person.name}  {mask_nik(person.nik)}" in out
    assert "1 pekerja lain yang tidak ada di berkas sudah dijadwalkan nonaktif" in out
    assert "Anggota keluarga tidak ada di berkas (1)" in out
    (batch,) = _batches(session)
    assert f"Draf mutasi #{batch.id} dibuat untuk {len(MISSING)} peserta" in out
    assert "Mengundurkan diri" in out
    registered = set(
        session.scalars(sa.select(Participant.nik).where(Participant.nik.is_not(None)))
    )
    assert not registered & set(re.findall(r"\d{16}", result.output))


def test_a_dry_run_reports_the_sync_and_changes_nothing(runner, session, employer, roster, monthly):
    result, payload = run(runner, monthly, "--full-roster", "--dry-run")
    assert result.exit_code == 0 and payload["status"] == "validated"
    assert payload["sync"]["missing_workers"] == len(MISSING)
    assert [m["id"] for m in payload["sync"]["missing"]] == [
        m["id"] for m in _expected_missing(session, roster)
    ]
    assert _batches(session) == []
    assert session.scalars(sa.select(ImportJob)).one().status == JobStatus.CANCELLED


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--create-draft"], "--create-draft hanya dapat dipakai bersama --full-roster"),
        (["--full-roster", "--create-draft", "--dry-run"], "tidak dapat dipakai dengan --dry-run"),
    ],
)
def test_bad_flag_combinations_exit_2_before_anything(
    runner, session, employer, roster, monthly, flags, message
):
    result, payload = run(runner, monthly, *flags)
    assert result.exit_code == 2 and payload["status"] == "failed"
    assert set(payload) == CONTRACT_KEYS | ({"sync"} if "--full-roster" in flags else set())
    assert message in result.stderr
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportJob)) == 0
    assert _batches(session) == []


def test_an_unknown_employer_says_sync_null(runner, tmp_path, monthly):
    result = runner.invoke(
        args=["roster", "import", str(monthly), "--employer", "NOPE", "--json", "--full-roster"]
    )
    assert result.exit_code == 2
    assert json.loads(result.stdout)["sync"] is None


def test_rows_with_errors_block_the_import_and_the_draft(
    runner, session, employer, roster, tmp_path
):
    garbled = {**_worker(11), "nik": "32730115019"}  # unreadable: worker 11 now missing too
    rows = [garbled] + [_worker(n) for n in range(12, WORKERS)] + FAMILY[:3]
    path = write_roster(tmp_path / "rusak.xlsx", rows)
    result, payload = run(runner, path, "--full-roster", "--create-draft")
    assert result.exit_code == 1 and payload["status"] == "rejected"
    assert payload["sync"]["unreadable_rows"] == 1
    assert payload["sync"]["missing_workers"] == len(MISSING) + 1
    assert payload["sync"]["draft"] is None
    assert "Draf mutasi tidak dibuat karena impor tidak disimpan" in result.stderr
    assert _batches(session) == []
    # with --valid-only the clean families commit, the draft is made, and the exit stays 1
    result, payload = run(runner, path, "--full-roster", "--create-draft", "--valid-only")
    assert result.exit_code == 1 and payload["status"] == "committed"
    (batch,) = _batches(session)
    assert payload["sync"]["draft"]["batch_id"] == batch.id
    assert batch.items_count == len(MISSING) + 1


def test_a_draft_too_large_is_refused_with_exit_1(
    runner, session, employer, roster, monthly, monkeypatch
):
    monkeypatch.setattr(sync, "MAX_DRAFT", 5)
    result, payload = run(runner, monthly, "--full-roster", "--create-draft")
    assert result.exit_code == 1 and payload["status"] == "committed"
    assert payload["sync"]["draft"] is None and payload["sync"]["missing_workers"] == len(MISSING)
    assert "Lebih dari 5 peserta tidak ada di berkas" in result.stderr
    assert _batches(session) == []


def test_nobody_missing_makes_no_draft_and_exits_0(runner, session, employer, roster, tmp_path):
    everyone = [_worker(n) for n in range(WORKERS)] + FAMILY
    path = write_roster(tmp_path / "semua.xlsx", everyone)
    result, payload = run(runner, path, "--full-roster", "--create-draft")
    assert result.exit_code == 0, result.output
    assert payload["sync"]["missing_workers"] == 0 and payload["sync"]["missing"] == []
    assert payload["sync"]["draft"] is None
    assert "Tidak ada pekerja aktif yang hilang dari berkas" in result.stderr
    assert _batches(session) == []
    assert SITI not in result.stdout
