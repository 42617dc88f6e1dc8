"""Browser smoke test: log in as the demo admin in real Chromium and see the home page."""

from __future__ import annotations

import pytest

from edabu_lite.demo import DEMO_CODE, DEMO_USERS, seed_demo
from tests.browser.conftest import OUTPUT
from tests.conftest import TEST_ACTOR

pytestmark = pytest.mark.browser


def test_demo_admin_logs_in_and_sees_home(app, live_server, page):
    seed_demo(TEST_ACTOR)
    page.goto(f"{live_server}/login")
    page.screenshot(path=str(OUTPUT / "login.png"), full_page=True)
    page.get_by_label("Kode Badan Usaha").fill(DEMO_CODE)
    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill(DEMO_USERS["admin"][2])
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live_server}/")
    assert page.get_by_role("heading", name="Beranda").is_visible()
    assert "PT Demo Sejahtera Abadi" in page.get_by_test_id("employer-name").inner_text()
    workers = int(
        page.get_by_test_id("count-active_workers").inner_text().split()[-1].replace(".", "")
    )
    assert workers > 20
    page.screenshot(path=str(OUTPUT / "home.png"), full_page=True)
    page.get_by_role("link", name="Peserta", exact=True).click()
    assert page.get_by_test_id("participants").locator("tbody tr").count() == 50
    page.screenshot(path=str(OUTPUT / "participants.png"), full_page=True)
    assert (OUTPUT / "home.png").stat().st_size > 10_000
