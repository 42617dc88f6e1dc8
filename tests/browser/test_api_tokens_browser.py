"""An admin makes an API token in Chromium, an HR system uses it, the admin revokes it; the
API's documentation page renders from the app's own files (no CDN), at 1280 and 390 px."""

from __future__ import annotations

import urllib.error
import urllib.request

from tests.api.conftest import workers
from tests.browser.conftest import OUTPUT, accessibility_problems, fits_the_screen, sign_in
from tests.conftest import PASSWORD
from tests.factories import register


def call(base: str, secret: str) -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    request = urllib.request.Request(f"{base}/api/v1/participants?limit=5", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_admin_makes_uses_and_revokes_a_token(page, live_server, session, employer, users):
    register(session, employer, workers(120))
    sign_in(page, live_server, employer.code, "admin", PASSWORD)
    page.get_by_role("button", name="admin").click()
    page.get_by_role("link", name="Token API").click()
    page.get_by_label("Nama token").fill("HRIS Pusat")
    page.get_by_label("Peran").select_option("operator")
    page.get_by_role("button", name="Buat token").click()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("edabu_")
    assert accessibility_problems(page) == []
    page.screenshot(path=str(OUTPUT / "api-tokens.png"), full_page=True)
    assert call(live_server, secret) == 200

    page.goto(f"{live_server}/pengaturan/token-api")  # shown once: now only listed
    assert page.get_by_label("Token", exact=True).count() == 0
    row = page.get_by_test_id("token-table").get_by_role("row", name="HRIS Pusat")
    assert "Aktif" in row.inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits_the_screen(page)
    page.screenshot(path=str(OUTPUT / "api-tokens-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Cabut token HRIS Pusat").click()
    page.get_by_text("Token HRIS Pusat dicabut.").wait_for()
    assert call(live_server, secret) == 401


def test_the_api_documentation_page_renders(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server}/api/v1/docs")
    page.get_by_text("/api/v1/participants", exact=True).first.wait_for()
    assert all(url.startswith(live_server) for url in requested), requested
    page.screenshot(path=str(OUTPUT / "api-docs.png"), full_page=False)
