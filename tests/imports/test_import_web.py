"""The web import flow end to end with the Flask client (the job runs inline)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from edabu_lite.accounts.models import Role
from edabu_lite.imports.models import ImportJob, JobStatus
from edabu_lite.roster.models import Participant
from tests.conftest import csrf_token, post_form
from tests.factories import family
from tests.sheet_factory import write_roster


def upload(client, path, name=None):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/impor")
    with path.open("rb") as handle:
        return client.post(
            "/impor",
            data={"csrf_token": token, "file": (handle, name or path.name)},
            content_type="multipart/form-data",
        )


def test_upload_preview_commit_and_list(client, session, employer, login_as, tmp_path):
    login_as(Role.OPERATOR)
    response = upload(client, write_roster(tmp_path / "karyawan.xlsx", family()))
    assert response.status_code == 302
    job_url = response.headers["Location"]
    preview = client.get(job_url).get_data(as_text=True)
    assert "Siap ditinjau" in preview and "Siti Aminah" in preview
    job = session.scalars(sa.select(ImportJob)).one()
    assert job.status == JobStatus.VALIDATED and job.planned_inserts == 4
    status = client.get(f"/impor/{job.id}/status.json").get_json()
    assert status["finished"] is True and status["rows_read"] == 4
    result = post_form(client, f"/impor/{job.id}/commit", {}, token_from=job_url)
    assert result.status_code == 302
    assert "4 ditambahkan" in client.get(job_url).get_data(as_text=True)
    listing = client.get("/peserta").get_data(as_text=True)
    assert "Budi Hartono" in listing and "3273015507900001" in listing
    again = post_form(client, f"/impor/{job.id}/commit", {}, token_from=job_url)
    assert again.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 4


def test_errors_show_at_their_cell_and_block_plain_commit(
    client, session, employer, login_as, tmp_path
):
    login_as(Role.OPERATOR)
    rows = family()
    rows[2]["nik"] = 3273015005150003  # numeric cell
    job_url = upload(client, write_roster(tmp_path / "rusak.xlsx", rows)).headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "nik.not_text" in page and "Format kolom" in page
    job = session.scalars(sa.select(ImportJob)).one()
    post_form(client, f"/impor/{job.id}/commit", {}, token_from=job_url)
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0
    filtered = client.get(f"{job_url}?tampil=error&kode=nik.not_text").get_data(as_text=True)
    assert "Ayu Hartono" in filtered and "Raka Hartono" not in filtered


def test_error_report_download(client, session, employer, login_as, tmp_path):
    login_as(Role.OPERATOR)
    rows = family()
    rows[1]["faskes_code"] = "12345"
    job_url = upload(client, write_roster(tmp_path / "r.xlsx", rows)).headers["Location"]
    report = client.get(f"{job_url}/laporan.xlsx")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.data)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[-1] == "Keterangan"
    assert "faskes_code.format" in (sheet.cell(row=3, column=len(headers)).value or "")
    assert sheet.cell(row=3, column=headers.index("Kode Faskes") + 1).comment is not None


def test_rejected_file_says_why(client, session, employer, login_as, tmp_path):
    login_as(Role.OPERATOR)
    bogus = tmp_path / "data.xlsx"
    bogus.write_text("NIK,No KK\n3273015507900001,3273012001150003\n")
    job_url = upload(client, bogus).headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "file.unreadable" in page and "Ditolak" in page


def test_non_xlsx_extension_is_refused_before_upload(client, login_as, tmp_path):
    login_as(Role.OPERATOR)
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n")
    response = upload(client, csv)
    assert response.status_code == 302
    assert "Hanya berkas Excel .xlsx" in client.get("/impor").get_data(as_text=True)


def test_viewer_cannot_import_but_can_download_template(client, login_as):
    login_as(Role.VIEWER)
    assert client.get("/impor").status_code == 403
    template = client.get("/impor/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.data))
    assert "Petunjuk" in book.sheetnames


def test_a_hostile_workbook_is_refused_with_its_reason_and_nothing_kept(
    client, session, employer, login_as, tmp_path
):
    from tests.sheets.test_hostile_workbooks import SST_END, SST_START, STRINGS, strings_sheet
    from tests.sheets.xlsx_parts import hostile_workbook, shared_string_members

    login_as(Role.OPERATOR)
    path = tmp_path / "bohong.xlsx"
    path.write_bytes(
        hostile_workbook(
            shared_string_members(strings_sheet()),
            STRINGS,
            (SST_START, b"A" * 1024 * 1024, 400, SST_END),  # 400 MB, under 500 KB on disk
            declared=4096,
        )
    )
    job_url = upload(client, path).headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "Ditolak" in page and "Berkas tidak dapat dibaca" in page
    job = session.scalars(sa.select(ImportJob)).one()
    assert (job.status, job.headers) == (JobStatus.REJECTED, None)


def test_a_cell_too_long_found_midway_drops_what_was_staged(
    client, session, employer, login_as, tmp_path
):
    from edabu_lite.imports.models import StagedRow
    from tests.sheets.test_hostile_workbooks import HEADERS, ROW
    from tests.sheets.xlsx_parts import simple_xlsx

    login_as(Role.OPERATOR)
    path = tmp_path / "panjang.xlsx"  # openpyxl cuts text at 32,767 characters: built by hand
    path.write_bytes(simple_xlsx(HEADERS, [ROW, ROW, ["x" * 40_000]]))
    job_url = upload(client, path).headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "Ditolak" in page and "32.767" in page
    job = session.scalars(sa.select(ImportJob)).one()
    assert (job.status, job.headers) == (JobStatus.REJECTED, None)
    assert session.scalar(sa.select(sa.func.count()).select_from(StagedRow)) == 0
