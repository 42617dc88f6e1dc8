"""The import preview at the sizes HR staff upload (more than one page), its counts against
what the commit then does, its order, its commit choice and the error report's round trip.

Each of these failed before: a preview of more than 50 rows answered 500 (the pager lost the
job id), the counts promised family members that "valid rows only" then skipped, and the
error report turned a NIK damaged by Excel into text that passed on the next upload.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from edabu_lite.accounts.models import Role
from edabu_lite.demo_data import generate_families
from edabu_lite.imports.models import ImportJob, RowAction, StagedRow
from edabu_lite.roster.models import Participant
from tests.conftest import login, post_form
from tests.factories import family
from tests.imports.test_import_web import upload
from tests.sheet_factory import write_roster

SAMPLES = Path(__file__).resolve().parents[2] / "sample_sheets"
ROW_CELL = re.compile(r'<tr class="[^"]*">\s*<td>(\d+)</td>')


def shown_rows(html: str) -> list[int]:
    """The sheet rows listed in a preview page, in the order shown."""
    return [int(n) for n in ROW_CELL.findall(html)]


def counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-testid="count-([a-z]+)".*?data-value="(-?\d+)"', html, re.S)
    return {key: int(value) for key, value in found}


def participants(session, employer) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(sa.func.count()).where(Participant.employer_id == employer.id))


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.ADMIN])
def test_a_preview_of_more_than_one_page_pages_for_every_role_that_imports(
    client, session, employer, login_as, tmp_path, role
):
    login_as(role)
    rows = list(generate_families(60, seed=3))
    job_url = upload(client, write_roster(tmp_path / "enam-puluh.xlsx", rows)).headers["Location"]
    first = client.get(f"{job_url}?tampil=semua")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert shown_rows(html) == list(range(2, 52))
    next_link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert next_link.startswith(job_url) and "tampil=semua" in next_link and "page=2" in next_link
    second = client.get(next_link)
    assert second.status_code == 200
    assert shown_rows(second.get_data(as_text=True)) == list(range(52, 62))
    # A page past the last shows the last; nonsense shows the first; never a 500.
    for page, expected_first in [
        ("99999999999999999999", 52),
        ("3", 52),
        ("-1", 2),
        ("abc", 2),
        ("", 2),
        ("1e3", 2),
        ("٣", 2),  # an Arabic-Indic digit: str.isdigit() says yes, int() would take it
    ]:
        response = client.get(f"{job_url}?tampil=semua&page={page}")
        assert response.status_code == 200, page
        assert shown_rows(response.get_data(as_text=True))[0] == expected_first, page


def test_the_commit_button_writes_its_count_as_the_page_does_in_both_languages(
    client, session, employer, login_as, tmp_path
):
    """Over a thousand valid rows: "Impor 1.234 baris valid", "Import 1,234 valid rows",
    as the counts above it are written, never "1234"."""
    user = login_as(Role.OPERATOR)
    rows = list(generate_families(1_200, seed=11, error_rate=0.02))
    job_url = upload(client, write_roster(tmp_path / "seribu.xlsx", rows)).headers["Location"]
    html = client.get(job_url).get_data(as_text=True)
    found = counts(html)
    importable = found["inserts"] + found["updates"] + found["unchanged"]
    assert found["errors"] > 0 and importable >= 1_000
    written = f"{importable:,}"
    assert f"Impor {written.replace(',', '.')} baris valid" in html
    assert f"{importable} baris valid" not in html
    user.locale = "en"
    session.commit()
    html = client.get(job_url).get_data(as_text=True)
    assert f"Import {written} valid rows" in html


def test_viewer_sees_no_preview(app, client, session, employer, users, login_as, tmp_path):
    login_as(Role.OPERATOR)
    job_url = upload(client, write_roster(tmp_path / "r.xlsx", family())).headers["Location"]
    viewer = app.test_client()
    login(viewer, employer.code, Role.VIEWER.value)
    assert viewer.get(job_url).status_code == 403
    assert viewer.get(f"{job_url}?page=2").status_code == 403


def test_preview_counts_are_what_the_valid_rows_commit_does(
    client, session, employer, login_as, tmp_path
):
    """The sample with typical mistakes: every count shown before equals the commit's."""
    login_as(Role.OPERATOR)
    job_url = upload(client, SAMPLES / "contoh-peserta-salah.xlsx").headers["Location"]
    html = client.get(job_url).get_data(as_text=True)
    before = counts(html)
    assert before["errors"] > 0
    importable = before["inserts"] + before["updates"] + before["unchanged"]
    assert before["skipped"] == before["rows"] - importable > before["errors"]
    assert f"Impor {importable} baris valid" in html
    job_id = int(job_url.rsplit("/", 1)[1])
    post_form(client, f"/impor/{job_id}/commit", {"mode": "valid"}, token_from=job_url)
    job = session.get(ImportJob, job_id)
    assert (job.inserted, job.updated, job.unchanged, job.skipped) == (
        before["inserts"],
        before["updates"],
        before["unchanged"],
        before["skipped"],
    )
    assert participants(session, employer) == before["inserts"]
    after = counts(client.get(job_url).get_data(as_text=True))
    assert after == before


def test_every_row_says_what_the_commit_will_do_with_it(
    client, session, employer, login_as, tmp_path
):
    login_as(Role.OPERATOR)
    rows = family()
    rows[2]["birth_date"] = "31-02-2015"  # one child's error holds back the whole family
    job_url = upload(client, write_roster(tmp_path / "r.xlsx", rows)).headers["Location"]
    html = client.get(f"{job_url}?tampil=semua").get_data(as_text=True)
    plans = re.findall(r'data-testid="plan">([^<]+)<', html)
    assert plans == [
        "Dilewati: keluarganya berisi kesalahan",
        "Dilewati: keluarganya berisi kesalahan",
        "Dilewati: baris ini berisi kesalahan",
        "Dilewati: keluarganya berisi kesalahan",
    ]
    held = client.get(f"{job_url}?tampil=held_back").get_data(as_text=True)
    assert shown_rows(held) == [2, 3, 5]


def test_cli_dry_run_counts_equal_the_valid_only_commit(runner, session, employer):
    sample = str(SAMPLES / "contoh-peserta-salah.xlsx")
    args = ["roster", "import", sample, "--employer", employer.code, "--json"]
    dry = json.loads(runner.invoke(args=[*args, "--dry-run"]).stdout)
    done = json.loads(runner.invoke(args=[*args, "--valid-only"]).stdout)
    assert dry["status"] == "validated" and done["status"] == "committed"
    keys = ("inserted", "updated", "unchanged")
    assert [dry[k] for k in keys] == [done[k] for k in keys]
    assert participants(session, employer) == done["inserted"]


def test_preview_follows_the_file_with_each_family_under_its_first_row(
    client, session, employer, login_as, tmp_path
):
    login_as(Role.OPERATOR)
    siti = family()
    rina = family(worker_nik="3273016604920005", kk="3273012001150099", start_row_name="Rina")
    rina[0]["birth_date"] = rina[0]["birth_date"].replace(year=1992, month=4, day=26)
    for member in rina[1:]:
        member["worker_nik"] = "3273016604920005"
        member["kk"] = "3273012001150099"
        member["nik"] = member["nik"][:12] + "9" + member["nik"][13:]
    # Rina's child first, then Siti's family with Rina's worker row inside it, then the rest.
    ordered = [rina[2], siti[0], rina[0], siti[1], siti[2], siti[3], rina[1], rina[3]]
    job_url = upload(client, write_roster(tmp_path / "acak.xlsx", ordered)).headers["Location"]
    shown = shown_rows(client.get(f"{job_url}?tampil=semua").get_data(as_text=True))
    # Sheet rows: 2 Rina's child, 3 Siti, 4 Rina, 5-7 Siti's, 8-9 Rina's.
    assert shown == [2, 4, 8, 9, 3, 5, 6, 7]


def test_report_keeps_excel_damage_until_the_cell_is_retyped(
    client, session, employer, login_as, tmp_path
):
    login_as(Role.OPERATOR)
    rows = family()
    damaged = rows[0]["nik"]
    rows[0]["nik"] = int(damaged[:15] + "0")  # what Excel keeps of 3273015507900001
    job_url = upload(client, write_roster(tmp_path / "rusak.xlsx", rows)).headers["Location"]
    report = client.get(f"{job_url}/laporan.xlsx")
    path = tmp_path / "rusak-laporan.xlsx"
    path.write_bytes(report.data)

    # Uploaded again as it is: the damaged NIK is refused again, and the report's own
    # "Keterangan" column is recognised (no unknown-column warning).
    again_url = upload(client, path).headers["Location"]
    again = session.get(ImportJob, int(again_url.rsplit("/", 1)[1]))
    assert not again.file_issues
    stored = session.scalars(
        sa.select(StagedRow).where(StagedRow.job_id == again.id, StagedRow.row == 2)
    ).one()
    assert "nik.not_text" in [i["code"] for i in stored.issues]
    assert (
        session.scalar(
            sa.select(sa.func.count()).where(
                StagedRow.job_id == again.id, StagedRow.nik == damaged[:15] + "0"
            )
        )
        == 0
    )

    # Retyped as text (the right NIK), it passes, and its report has one messages column.
    book = load_workbook(path)
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("NIK") + 1)
    cell.value, cell.number_format = damaged, "@"
    book.save(path)
    fixed_url = upload(client, path).headers["Location"]
    fixed = session.get(ImportJob, int(fixed_url.rsplit("/", 1)[1]))
    assert (fixed.error_rows, fixed.planned_inserts, fixed.file_issues) == (0, 4, [])
    second = load_workbook(io.BytesIO(client.get(f"{fixed_url}/laporan.xlsx").data)).active
    assert [c.value for c in second[1]].count("Keterangan") == 1


def test_one_clear_commit_choice(client, session, employer, login_as, tmp_path):
    login_as(Role.OPERATOR)
    rows = family()
    rows[3]["sex"] = "X"
    job_url = upload(client, write_roster(tmp_path / "r.xlsx", rows)).headers["Location"]
    html = client.get(job_url).get_data(as_text=True)
    commit_all = re.search(r'<button[^>]*data-testid="commit-all"[^>]*>', html).group(0)
    assert "disabled" in commit_all
    assert "Impor 0 baris valid" in html  # the whole family is held back
    assert "Impor baris valid saja" not in html
    job_id = int(job_url.rsplit("/", 1)[1])
    refused = post_form(
        client, f"/impor/{job_id}/commit", {"mode": "all"}, token_from=job_url,
        follow_redirects=True,
    )  # fmt: skip
    assert "tidak tersedia" in refused.get_data(as_text=True)
    assert participants(session, employer) == 0
    assert session.get(ImportJob, job_id).status.value == "validated"


def test_clean_file_offers_import_everything(client, session, employer, login_as, tmp_path):
    login_as(Role.OPERATOR)
    job_url = upload(client, write_roster(tmp_path / "r.xlsx", family())).headers["Location"]
    html = client.get(job_url).get_data(as_text=True)
    commit_all = re.search(r'<button[^>]*data-testid="commit-all"[^>]*>', html).group(0)
    assert "disabled" not in commit_all and 'data-testid="commit-valid"' not in html
    job_id = int(job_url.rsplit("/", 1)[1])
    post_form(client, f"/impor/{job_id}/commit", {"mode": "all"}, token_from=job_url)
    assert participants(session, employer) == 4
    assert (
        session.scalars(sa.select(StagedRow.action).where(StagedRow.job_id == job_id)).all()
        == [RowAction.INSERT] * 4
    )
