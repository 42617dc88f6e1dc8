"""Upload the valid sample roster in Chromium, review the preview, commit, see the people."""

from __future__ import annotations

from pathlib import Path

import pytest

from edabu_lite.accounts.models import Role
from tests.browser.conftest import OUTPUT
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
SAMPLE = Path(__file__).resolve().parents[2] / "sample_sheets" / "contoh-peserta-valid.xlsx"


def test_upload_preview_commit_in_browser(live_server, page, employer, users):
    page.goto(f"{live_server}/login")
    page.get_by_label("Kode Badan Usaha").fill(employer.code)
    page.get_by_label("Nama pengguna").fill(Role.OPERATOR.value)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("link", name="Impor", exact=True).click()
    page.screenshot(path=str(OUTPUT / "import-upload.png"), full_page=True)
    page.locator("input[type=file]").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Unggah dan periksa").click()
    page.get_by_test_id("counts").wait_for()
    assert page.get_by_test_id("count-inserts").inner_text().split()[-1] == "50"
    assert page.get_by_test_id("count-errors").inner_text().split()[-1] == "0"
    page.get_by_role("combobox", name="Tampilkan").select_option("semua")
    page.get_by_role("button", name="Saring").click()
    page.screenshot(path=str(OUTPUT / "import-preview.png"), full_page=True)
    page.get_by_test_id("commit-all").click()
    assert "50 ditambahkan" in page.get_by_test_id("result").inner_text()
    page.get_by_role("link", name="Lihat data peserta").click()
    assert page.get_by_test_id("participants").locator("tbody tr").count() == 50
    assert "50 peserta" in page.content()
    page.screenshot(path=str(OUTPUT / "import-participants.png"), full_page=True)
