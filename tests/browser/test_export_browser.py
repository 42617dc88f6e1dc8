"""The list's export in Chromium: a long filtered list becomes a background job, its page
offers the file, the file holds the filtered people; a short one downloads at once; the
progress page as it looks while a job runs. Full width and 390 px (a phone)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from playwright.sync_api import expect

from edabu_lite.accounts.models import Role
from edabu_lite.database import utcnow
from edabu_lite.demo import _as_stored
from edabu_lite.demo_data import generate_families
from edabu_lite.downloads.models import ExportJob, ExportKind, ExportStatus
from edabu_lite.downloads.operations import create_export
from edabu_lite.roster.models import Participant, Relationship
from edabu_lite.roster.operations import add_participants
from tests.browser.conftest import OUTPUT, accessibility_problems, fits_the_screen, sign_in
from tests.conftest import PASSWORD, TEST_ACTOR

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
FULL = {"width": 1280, "height": 860}


def niks_in(path) -> list[str]:  # type: ignore[no-untyped-def]
    book = load_workbook(path, read_only=True)
    try:
        return [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    finally:
        book.close()


def test_export_journey_in_browser(app, live_server, page, session, employer, users, tmp_path):
    app.config["EXPORT_JOB_ROWS"] = 60
    rows = [_as_stored(row) for row in generate_families(200, seed=5)]
    add_participants(session, employer.id, rows, TEST_ACTOR)
    session.commit()
    workers = {r["nik"] for r in rows if r["relationship"] == Relationship.WORKER.value}
    assert len(workers) > 60

    sign_in(page, live_server, employer.code, Role.VIEWER.value, PASSWORD)
    page.goto(f"{live_server}/peserta?jenis=worker")
    page.set_viewport_size(PHONE)
    assert fits_the_screen(page)
    page.screenshot(path=str(OUTPUT / "export-list-390.png"), full_page=False)
    page.set_viewport_size(FULL)
    page.get_by_test_id("export").click()

    page.get_by_test_id("export-ready").wait_for()
    assert f"{len(workers)} baris" in page.get_by_test_id("export-ready").inner_text()
    assert not accessibility_problems(page)
    page.screenshot(path=str(OUTPUT / "export-ready.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert fits_the_screen(page)
    page.screenshot(path=str(OUTPUT / "export-ready-390.png"), full_page=True)
    page.set_viewport_size(FULL)

    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    path = tmp_path / "downloaded.xlsx"
    info.value.save_as(path)
    niks = niks_in(path)
    assert len(niks) == len(workers) and set(niks) == workers

    # The list links the job, for a user who closed its page.
    page.goto(f"{live_server}/peserta?jenis=worker")
    page.set_viewport_size(PHONE)
    assert page.get_by_test_id("recent-exports").is_visible() and fits_the_screen(page)
    page.screenshot(path=str(OUTPUT / "export-list-recent-390.png"), full_page=False)
    page.set_viewport_size(FULL)

    # A short list downloads at once from the same button.
    one = sorted(workers)[0]
    page.goto(f"{live_server}/peserta?q={one}")
    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    info.value.save_as(tmp_path / "one.xlsx")
    assert niks_in(tmp_path / "one.xlsx") == [one]
    assert session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 1


def test_export_progress_page_in_browser(live_server, page, session, employer, users):
    job = create_export(session, employer.id, ExportKind.ROSTER, TEST_ACTOR, filters={},
                        day=utcnow().date(), rows_total=12_000, download_name="p.xlsx")  # fmt: skip
    job.status, job.started_at, job.heartbeat_at = ExportStatus.RUNNING, utcnow(), utcnow()
    job.rows_done = 4_000
    session.commit()
    participants = session.scalar(sa.select(sa.func.count()).select_from(Participant))
    assert participants == 0  # the page needs no people, only the job

    sign_in(page, live_server, employer.code, Role.VIEWER.value, PASSWORD)
    page.goto(f"{live_server}/peserta/ekspor/{job.id}")
    text = page.get_by_test_id("progress-text")
    # the script's first poll sets the bar (waited for by Playwright's expect: the page's
    # CSP forbids the eval a string predicate would need)
    expect(page.locator("#progress-bar")).to_have_attribute("style", re.compile(r"width: 33%"))
    assert "4.000 dari 12.000" in text.inner_text()
    assert not accessibility_problems(page)
    page.screenshot(path=str(OUTPUT / "export-progress.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert fits_the_screen(page)
    page.screenshot(path=str(OUTPUT / "export-progress-390.png"), full_page=True)

    # The job finishes (as a consumer would leave it): the page moves on by itself.
    job.status, job.rows_done, job.error_detail = ExportStatus.FAILED, 4_000, "worker_stopped"
    session.commit()
    page.get_by_test_id("export-failed").wait_for()
    page.screenshot(path=str(OUTPUT / "export-failed-390.png"), full_page=True)
