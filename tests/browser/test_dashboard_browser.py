"""Beranda in Chromium: each "Perlu tindakan" alert leads to the list it counts (the list
shows the filter as a removable chip and exactly that many people or batches); the charts
load as images. Checked with axe-core and at 390 px wide."""

from __future__ import annotations

import re

import pytest

from edabu_lite.accounts.models import Role
from tests.browser.conftest import OUTPUT, accessibility_problems, fits_the_screen, sign_in
from tests.conftest import PASSWORD
from tests.home.test_dashboard import _today, office  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser]


def test_each_alert_leads_to_its_list(live_server, page, office, users):  # type: ignore[no-untyped-def]  # noqa: F811
    sign_in(page, live_server, office.code, Role.ADMIN.value, PASSWORD)
    page.goto(f"{live_server}/")
    needs = page.get_by_test_id("needs").locator("a")
    alerts = [
        (
            needs.nth(i).locator("span").first.inner_text(),
            int(needs.nth(i).locator(".badge").inner_text()),
        )
        for i in range(needs.count())
    ]
    assert len(alerts) == 6, alerts
    for chart in page.locator("img[src*='grafik']").all():
        # Lazy images load when scrolled to; a broken one never gets a width (times out).
        chart.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
        )
    assert accessibility_problems(page) == []
    page.screenshot(path=str(OUTPUT / "dashboard.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits_the_screen(page)
    page.screenshot(path=str(OUTPUT / "dashboard-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})
    for text, count in alerts:
        page.goto(f"{live_server}/")
        page.get_by_test_id("needs").get_by_text(text).click()
        if "/peserta" in page.url:
            assert page.get_by_test_id("filter-chips").inner_text().startswith(text)
            rows = page.get_by_test_id("participants").locator("tbody tr")
        else:
            rows = page.get_by_test_id("batches").locator("tbody tr")
        assert rows.count() == count, (text, page.url)
        assert re.search(r"perlu=|status=", page.url)


def test_the_bill_page_reads_well_at_both_sizes(live_server, page, office, users):  # type: ignore[no-untyped-def]  # noqa: F811
    sign_in(page, live_server, office.code, Role.VIEWER.value, PASSWORD)
    page.goto(f"{live_server}/iuran")
    assert page.get_by_test_id("lines").locator("tbody tr").count() == 50  # two pages of workers
    assert page.get_by_test_id("total-total").inner_text().split("\n")[-1].startswith("Rp ")
    assert accessibility_problems(page) == []
    page.screenshot(path=str(OUTPUT / "iuran.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits_the_screen(page)
    page.screenshot(path=str(OUTPUT / "iuran-390.png"), full_page=True)
