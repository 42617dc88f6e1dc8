"""In Chromium: select a worker in the list, deactivate with PHK, apply, see the family
inactive and the audit entries."""

from __future__ import annotations

from datetime import date

import pytest

from edabu_lite.accounts.models import Role
from edabu_lite.months import add_months, first_day_of_next_month
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
    # applied, but it takes effect on its TMT (the first of next month): active until then
    tmt = first_day_of_next_month(date.today())
    for i in range(4):
        assert f"Aktif\nnonaktif per {tmt:%d-%m-%Y} (PHK)" in rows.nth(i).inner_text()
    page.get_by_role("link", name="Audit", exact=True).click()
    audit = page.get_by_test_id("audit-events").inner_text()
    assert audit.count("Diubah oleh mutasi") == 4 and "Mutasi diterapkan" in audit
    page.screenshot(path=str(OUTPUT / "mutation-audit.png"), full_page=True)


def test_a_phk_reported_late_then_the_move_to_mandiri(live_server, page, session, employer, users):
    """HR learns in the tenth month that a worker was dismissed: the PHK goes in with its real
    date (the preview says the continued coverage is already over), then the family moves
    to mandiri. At 390 px too."""
    add_participants(session, employer.id, family(), TEST_ACTOR)
    session.commit()
    phk_day = add_months(date.today(), -10)
    tmt = add_months(date.today(), -9).replace(day=1)
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
    page.get_by_label("TMT").fill(tmt.isoformat())
    page.get_by_label("Tanggal Kejadian").fill(phk_day.isoformat())
    page.get_by_role("button", name="Buat pratinjau mutasi").click()
    preview = page.content()
    assert "sudah berakhir" in preview and "dilaporkan terlambat" in preview
    page.screenshot(path=str(OUTPUT / "late-phk-preview.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("apply").click()
    assert page.get_by_test_id("batch-status").inner_text() == "Diterapkan"

    page.get_by_role("link", name="Peserta", exact=True).click()
    page.get_by_label("Status", exact=True).select_option("NONAKTIF")
    page.get_by_role("button", name="Cari").click()
    rows = page.get_by_test_id("participants").locator("tbody tr")
    assert rows.count() == 4  # in effect since the TMT, months ago
    page.get_by_label("Pilih Siti Aminah").check()
    page.get_by_label("Jenis mutasi").select_option("PINDAH_MANDIRI")
    page.get_by_label("Kelas mandiri").select_option("3")
    page.get_by_role("button", name="Buat pratinjau mutasi").click()
    assert page.get_by_test_id("affected").inner_text() == "4"  # the family left together
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("apply").click()
    assert page.get_by_test_id("batch-status").inner_text() == "Diterapkan"

    page.get_by_role("link", name="Peserta", exact=True).click()
    page.get_by_role("link", name="Siti Aminah").click()
    status = page.get_by_test_id("status").inner_text()
    mandiri_from = first_day_of_next_month(date.today())
    assert status == f"Nonaktif — pindah ke mandiri per {mandiri_from:%d-%m-%Y} (PHK)", status
    assert f"Tanggal kejadian {phk_day:%d-%m-%Y}" in page.content().replace(
        '</dt><dd class="col-sm-8">', " "
    )
    page.screenshot(path=str(OUTPUT / "late-phk-person.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(OUTPUT / "late-phk-person-390.png"), full_page=True)
