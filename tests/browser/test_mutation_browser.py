"""In Chromium: select a worker in the list, deactivate with PHK, apply, see the family
inactive and the audit entries."""

from __future__ import annotations

from datetime import date

import pytest

from edabu_lite.accounts.models import Role
from edabu_lite.roster.operations import add_participants
from tests.browser.conftest import OUTPUT
from tests.conftest import PASSWORD, TEST_ACTOR
from tests.factories import family

pytestmark = pytest.mark.browser


def test_deactivate_worker_with_phk_in_browser(live_server, page, session, employer, users):
    add_participants(session, employer.id, family(), TEST_ACTOR)
    session.commit()
    page.goto(f"{live_server}/login")
    page.get_by_label("Kode Badan Usaha").fill(employer.code)
    page.get_by_label("Nama pengguna").fill(Role.OPERATOR.value)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("link", name="Peserta", exact=True).click()
    page.get_by_label("Pilih Siti Aminah").check()
    page.get_by_label("Jenis mutasi").select_option("NONAKTIF")
    page.get_by_label("Alasan").select_option("PHK")
    page.get_by_label("Bukti PHK").select_option("A")
    page.get_by_label("Tanggal Kejadian").fill(date.today().isoformat())
    page.screenshot(path=str(OUTPUT / "mutation-select.png"), full_page=True)
    page.get_by_role("button", name="Buat pratinjau mutasi").click()
    assert page.get_by_test_id("affected").inner_text() == "4"
    page.screenshot(path=str(OUTPUT / "mutation-preview.png"), full_page=True)
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_test_id("apply").click()
    assert page.get_by_test_id("batch-status").inner_text() == "Diterapkan"
    assert "4 peserta akan berubah" in asked[0]
    page.get_by_role("link", name="Peserta", exact=True).click()
    rows = page.get_by_test_id("participants").locator("tbody tr")
    assert rows.count() == 4
    assert all("Nonaktif" in rows.nth(i).inner_text() for i in range(4))
    page.get_by_role("link", name="Audit", exact=True).click()
    audit = page.get_by_test_id("audit-events").inner_text()
    assert audit.count("Diubah oleh mutasi") == 4 and "Mutasi diterapkan" in audit
    page.screenshot(path=str(OUTPUT / "mutation-audit.png"), full_page=True)
