"""Data ganda in Chromium, as each role, in Bahasa Indonesia and English: two pages of people
active at another employer, walked by the pager's "next" link; checked with axe-core and at
390 px wide."""

from __future__ import annotations

import re

import pytest

from edabu_lite.accounts.models import Role
from tests.browser.conftest import OUTPUT, accessibility_problems, fits_the_screen, sign_in
from tests.conftest import PASSWORD
from tests.roster.test_duplicates_page import SHARED, double  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser]
NAME = re.compile(r"Pekerja (\d\d)")


@pytest.mark.parametrize(
    ("role", "locale", "next_label"),
    [(Role.VIEWER, "id", "Berikutnya"), (Role.OPERATOR, "en", "Next"), (Role.ADMIN, "en", "Next")],
)
def test_two_pages_of_data_ganda(
    live_server,
    page,
    session,
    employer,
    users,
    double,  # noqa: F811
    role,
    locale,
    next_label,
):  # type: ignore[no-untyped-def]
    users[role].locale = locale
    session.commit()
    sign_in(page, live_server, employer.code, role.value, PASSWORD)
    page.goto(f"{live_server}/peserta/data-ganda")
    rows = page.get_by_test_id("duplicates").locator("tbody tr")
    first = [int(NAME.search(text).group(1)) for text in rows.all_inner_texts()]
    assert first == list(range(50))
    assert accessibility_problems(page) == []
    name = f"duplicates-{role.value}-{locale}"
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits_the_screen(page)
    page.screenshot(path=str(OUTPUT / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_role("link", name=next_label).first.click()
    second = [int(NAME.search(text).group(1)) for text in rows.all_inner_texts()]
    assert second == list(range(50, SHARED))
