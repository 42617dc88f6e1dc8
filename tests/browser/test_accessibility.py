"""Every page, with two pages and more of data, through axe-core (no serious or critical
violation) and at 390 px wide (no sideways scrolling of the page), in both languages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import OUTPUT, accessibility_problems, fits_the_screen, sign_in
from tests.conftest import PASSWORD
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_every_page_is_accessible_and_fits_a_phone(live_server, page, session, tmp_path):
    world = build_world(session, tmp_path)
    page.goto(f"{live_server}/login")
    assert accessibility_problems(page) == [], "login"
    sign_in(page, live_server, world.employer.code, "admin", PASSWORD)
    paths = {
        "home": "/",
        "participants": "/peserta",
        "participant": f"/peserta/{world.participant}",
        "audit": "/audit",
        "batches": "/mutasi",
        "batch": f"/mutasi/{world.big_batch}",
        "mutation-upload": "/mutasi/unggah",
        "imports": "/impor",
        "preview": f"/impor/{world.preview_job}",
        "committed": f"/impor/{world.committed_job}",
        "users": "/pengguna",
        "settings": "/pengaturan",
        "password": "/akun/kata-sandi",
    }
    for language in ("ID", "EN"):
        page.goto(f"{live_server}/")
        page.get_by_role("button", name=language, exact=True).click()
        for name, path in paths.items():
            page.set_viewport_size({"width": 1280, "height": 860})
            page.goto(f"{live_server}{path}")
            assert accessibility_problems(page) == [], f"{name} ({language})"
            if language == "ID":
                page.screenshot(path=str(OUTPUT / f"page-{name}.png"))
            page.set_viewport_size({"width": 390, "height": 844})
            assert fits_the_screen(page), f"{name} ({language}) scrolls sideways at 390 px"
            if language == "ID":
                page.screenshot(path=str(OUTPUT / f"page-{name}-390.png"))
