"""Mutasi on the web end to end: select in the list, preview, apply or approve, see the
family's new status and the audit entries."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.months import add_months
from edabu_lite.mutations.models import BatchStatus, MutationBatch
from edabu_lite.roster.models import Participant, Status
from tests.conftest import csrf_token, login, post_form
from tests.factories import register

WORKER = "3273015507900001"


def seed(session, employer):  # type: ignore[no-untyped-def]
    return register(session, employer)[WORKER]


def plan_from_list(client, worker_id, **fields):  # type: ignore[no-untyped-def]
    data = {
        "participant_id": str(worker_id),
        "kind": "NONAKTIF",
        "reason": "PHK",
        "phk_proof": "A",
        "effective_date": "",
        "event_date": date.today().isoformat(),
        "mandiri_class": "",
        "note": "PHK",
    }
    data.update(fields)
    return post_form(client, "/mutasi/rencana", data, token_from="/peserta")


def test_select_deactivate_with_phk_apply(client, session, employer, login_as):
    worker = seed(session, employer)
    login_as(Role.OPERATOR)
    response = plan_from_list(client, worker.id)
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    preview = client.get(batch_url).get_data(as_text=True)
    assert "Budi Hartono" in preview and "Nonaktifkan" in preview and "Terapkan" in preview
    assert "NONAKTIF" not in preview  # labels, not codes
    assert {p.status for p in session.scalars(sa.select(Participant))} == {Status.ACTIVE}
    batch = session.scalars(sa.select(MutationBatch)).one()
    post_form(client, f"/mutasi/{batch.id}/terapkan", {}, token_from=batch_url)
    assert {p.status for p in session.scalars(sa.select(Participant))} == {Status.INACTIVE}
    events = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.batch_id == batch.id)
    ).all()
    assert events.count("participant.mutation") == 4 and "mutation_batch.apply" in events
    detail = client.get(f"/peserta/{worker.id}").get_data(as_text=True)
    assert "Diubah oleh mutasi" in detail  # the person's history timeline, in words
    assert "Status: Aktif → <strong>Nonaktif</strong>" in detail
    # the PHK was today: covered until the day before the same day six months on
    last_day = add_months(date.today(), 6) - timedelta(days=1)
    assert f"Manfaat lanjutan PHK s.d. {last_day:%d-%m-%Y} · Kelas 3" in detail
    assert f'Tanggal kejadian</dt><dd class="col-sm-8">{date.today():%d-%m-%Y}' in detail
    result = client.get(f"/mutasi/{batch.id}/hasil.xlsx")
    assert result.status_code == 200 and result.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(result.data)).active
    headers = [c.value for c in sheet[1]]
    first = dict(zip(headers, sheet[2], strict=True))
    assert first["Jenis Mutasi"].value == "Nonaktifkan" and first["Alasan"].value == "PHK"
    assert (first["Status sebelum"].value, first["Status sesudah"].value) == ("Aktif", "Nonaktif")
    assert first["Peran"].value == "Subjek" and first["Keterangan"].value == "PHK"
    assert first["TMT"].is_date and first["Manfaat PHK s.d."].is_date


def test_select_all_matching_the_filter(client, session, employer, login_as):
    seed(session, employer)
    login_as(Role.OPERATOR)
    data = {
        "all_matching": "1",
        "q": "Hartono",
        "kind": "NONAKTIF",
        "reason": "PHK",
        "phk_proof": "",
        "effective_date": "",
        "event_date": date.today().isoformat(),
        "mandiri_class": "",
        "note": "",
        "status": "",
    }
    post_form(client, "/mutasi/rencana", data, token_from="/peserta")
    batch = session.scalars(sa.select(MutationBatch)).one()
    assert batch.items_count == 3  # the husband and two children match "Hartono"


def test_maker_checker_on_the_web(app, client, session, employer, users, login_as):
    employer.mutations_need_approval = True
    session.commit()
    worker = seed(session, employer)
    login_as(Role.OPERATOR)
    batch_url = plan_from_list(
        client, worker.id, kind="NONAKTIF", reason="PENSIUN", phk_proof=""
    ).headers["Location"]
    batch = session.scalars(sa.select(MutationBatch)).one()
    refused = post_form(client, f"/mutasi/{batch.id}/terapkan", {}, token_from=batch_url)
    assert refused.status_code == 302
    assert "mewajibkan persetujuan" in client.get(batch_url).get_data(as_text=True)
    post_form(client, f"/mutasi/{batch.id}/ajukan", {}, token_from=batch_url)
    session.refresh(batch)
    assert batch.status == BatchStatus.SUBMITTED
    assert (
        client.post(
            f"/mutasi/{batch.id}/setujui", data={"csrf_token": csrf_token(client, batch_url)}
        ).status_code
        == 403
    )  # operator
    admin = app.test_client()
    login(admin, employer.code, "admin")
    post_form(admin, f"/mutasi/{batch.id}/setujui", {"note": "sesuai surat"}, token_from=batch_url)
    session.refresh(batch)
    assert batch.status == BatchStatus.APPLIED and batch.reviewed_by == "admin"
    assert {p.status for p in session.scalars(sa.select(Participant))} == {Status.INACTIVE}


def test_admin_cannot_approve_own_batch(client, session, employer, login_as):
    employer.mutations_need_approval = True
    session.commit()
    worker = seed(session, employer)
    login_as(Role.ADMIN)
    batch_url = plan_from_list(client, worker.id, reason="PENSIUN", phk_proof="").headers[
        "Location"
    ]
    batch = session.scalars(sa.select(MutationBatch)).one()
    post_form(client, f"/mutasi/{batch.id}/ajukan", {}, token_from=batch_url)
    post_form(client, f"/mutasi/{batch.id}/setujui", {}, token_from=batch_url)
    assert "tidak dapat menyetujui" in client.get(batch_url).get_data(as_text=True)
    session.refresh(batch)
    assert batch.status == BatchStatus.SUBMITTED


def test_viewer_sees_batches_but_cannot_plan(client, session, employer, login_as):
    worker = seed(session, employer)
    login_as(Role.VIEWER)
    assert client.get("/mutasi").status_code == 200
    assert "mutation-panel" not in client.get("/peserta").get_data(as_text=True)
    response = post_form(
        client,
        "/mutasi/rencana",
        {"participant_id": str(worker.id), "kind": "NONAKTIF"},
        token_from="/peserta",
    )
    assert response.status_code == 403


def test_mutation_sheet_upload_preview_report_apply(client, session, employer, login_as, tmp_path):
    from openpyxl import load_workbook

    from tests.cli.test_mutation_cli import mutation_sheet

    seed(session, employer)
    login_as(Role.OPERATOR)
    path = mutation_sheet(
        tmp_path / "mutasi.xlsx",
        [
            {"nik": WORKER, "kind": "Pindah Mandiri", "mandiri_class": 2, "note": "resign"},
            {"nik": "3273010101800099", "kind": "NONAKTIF", "reason": "PHK"},
        ],
    )
    token = csrf_token(client, "/mutasi/unggah")
    with path.open("rb") as handle:
        response = client.post(
            "/mutasi/unggah",
            data={"csrf_token": token, "file": (handle, "mutasi.xlsx")},
            content_type="multipart/form-data",
        )
    job_url = response.headers["Location"]
    batch_url = client.get(job_url).headers["Location"]
    batch_url = client.get(batch_url).headers["Location"]
    page = client.get(batch_url).get_data(as_text=True)
    assert "mutation.unknown_nik" in page and "Budi Hartono" in page
    batch = session.scalars(sa.select(MutationBatch)).one()
    assert (batch.items_count, batch.error_items, batch.source) == (2, 1, "sheet")
    report = client.get(f"/impor/{batch.job_id}/laporan.xlsx")
    sheet = load_workbook(__import__("io").BytesIO(report.data)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[-1] == "Keterangan Validasi"
    assert "mutation.unknown_nik" in sheet.cell(row=3, column=len(headers)).value
    refused = post_form(client, f"/mutasi/{batch.id}/terapkan", {}, token_from=batch_url)
    assert refused.status_code == 302
    assert {p.status for p in session.scalars(sa.select(Participant))} == {Status.ACTIVE}


def test_leave_a_dependant_out_of_the_move_to_mandiri(client, session, employer, login_as):
    worker = seed(session, employer)
    login_as(Role.OPERATOR)
    batch_url = plan_from_list(
        client, worker.id, kind="PINDAH_MANDIRI", reason="", phk_proof="", mandiri_class="2"
    ).headers["Location"]
    batch = session.scalars(sa.select(MutationBatch)).one()
    page = client.get(batch_url).get_data(as_text=True)
    assert "choose-dependants" in page
    husband = session.scalars(
        sa.select(Participant).where(Participant.nik == "3273011203880002")
    ).one()
    children = [
        p.id
        for p in session.scalars(sa.select(Participant).where(Participant.worker_id == worker.id))
        if p.id != husband.id
    ]
    item_id = session.scalar(ops_item_id(batch.id))
    response = post_form(
        client,
        f"/mutasi/{batch.id}/rencana-ulang",
        {f"keep-{item_id}": [str(c) for c in children]},
        token_from=batch_url,
    )
    new_url = response.headers["Location"]
    session.refresh(batch)
    assert batch.status == BatchStatus.CANCELLED
    new = session.scalars(sa.select(MutationBatch).where(MutationBatch.id != batch.id)).one()
    post_form(client, f"/mutasi/{new.id}/terapkan", {}, token_from=new_url)
    session.refresh(husband)
    assert husband.status == Status.INACTIVE and husband.end_reason == "PESERTA_PINDAH_MANDIRI"
    moved = session.scalars(sa.select(Participant).where(Participant.id.in_(children))).all()
    assert {p.status for p in moved} == {Status.MOVED_TO_MANDIRI}


def ops_item_id(batch_id):  # type: ignore[no-untyped-def]
    from edabu_lite.mutations.models import MutationItem

    return sa.select(MutationItem.id).where(MutationItem.batch_id == batch_id)
