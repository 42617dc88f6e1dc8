"""The monthly sync in Chromium: a "roster lengkap" of 2,400 people that leaves out 55
families → the preview lists exactly those 55 workers over two pages → reasons chosen → one
draft → the batch page. Screenshots at full width and at 390 px."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from edabu_lite.accounts.models import Role
from edabu_lite.demo import _as_stored
from edabu_lite.demo_data import generate_families
from edabu_lite.mutations.models import MutationBatch, MutationItem
from edabu_lite.roster.models import Participant
from edabu_lite.roster.operations import add_participants
from tests.browser.conftest import OUTPUT, accessibility_problems, fits_the_screen, sign_in
from tests.conftest import PASSWORD, TEST_ACTOR
from tests.sheet_factory import write_roster

pytestmark = pytest.mark.browser
PEOPLE = 2400
LEAVERS = 55  # families: more than one page (50) of workers


def _listed(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        row.locator("td a").first.inner_text().strip()
        for row in page.get_by_test_id("sync-person").all()
    ]


def test_a_full_roster_proposes_its_leavers_and_drafts_them(
    live_server, page, session, employer, users, tmp_path
):
    rows = list(generate_families(PEOPLE, seed=18))
    add_participants(session, employer.id, [_as_stored(r) for r in rows], TEST_ACTOR)
    session.commit()
    workers = [r for r in rows if r["relationship"] == "Peserta"]
    leaving = {str(w["nik"]) for w in random.Random(4).sample(workers, LEAVERS)}
    kept = [r for r in rows if (r["worker_nik"] or r["nik"]) not in leaving]
    expected = sorted(str(w["name"]) for w in workers if w["nik"] in leaving)
    path = write_roster(tmp_path / "payroll-desember.xlsx", kept)

    sign_in(page, live_server, employer.code, Role.OPERATOR.value, PASSWORD)
    page.goto(f"{live_server}/impor")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_label("Roster lengkap").check()
    page.get_by_role("button", name="Unggah dan periksa").click()
    page.get_by_test_id("sync").wait_for(timeout=60_000)
    assert page.get_by_test_id("sync-count").get_attribute("data-value") == str(LEAVERS)
    assert page.get_by_test_id("sync-suspicious").count() == 0
    first = _listed(page)
    assert len(first) == 50
    page.get_by_test_id("sync").screenshot(path=str(OUTPUT / "sync-preview.png"))
    page.screenshot(path=str(OUTPUT / "sync-preview-page.png"), full_page=True)
    page.get_by_test_id("sync-next").click()
    page.get_by_test_id("sync").wait_for()
    second = _listed(page)
    assert sorted(first + second) == expected  # exactly the leavers, nobody else

    # On this page: one retires; everyone else's contract ended.
    retiring = second[0]
    chooser = page.get_by_test_id("sync-person").first.locator("select")
    chooser.select_option("PENSIUN")
    retiring_id = int(chooser.get_attribute("name").removeprefix("alasan-"))
    page.get_by_label("Alasan untuk semua").select_option("HABIS_KONTRAK")
    tmt = page.get_by_label("TMT nonaktif").input_value()
    page.get_by_role("button", name=f"Buat draf mutasi untuk {LEAVERS} peserta").click()
    page.get_by_test_id("affected").wait_for()
    assert f"Draf mutasi dibuat untuk {LEAVERS} peserta" in page.content()
    page.screenshot(path=str(OUTPUT / "sync-batch.png"))

    batch = session.scalars(sa.select(MutationBatch)).one()
    items = session.scalars(sa.select(MutationItem).where(MutationItem.batch_id == batch.id)).all()
    assert {str(i.effective_date) for i in items} == {tmt}
    reasons = {i.nik: i.reason for i in items}
    assert set(reasons) == leaving
    retiring_nik = session.get(Participant, retiring_id).nik
    assert session.get(Participant, retiring_id).name == retiring
    assert reasons.pop(retiring_nik) == "PENSIUN"
    assert set(reasons.values()) == {"HABIS_KONTRAK"}
    families = sum(1 for r in rows if (r["worker_nik"] or r["nik"]) in leaving)
    assert int(page.get_by_test_id("affected").inner_text()) == families

    # Back on the preview, the draft made is linked instead of the form: no second one.
    page.go_back()
    page.get_by_test_id("sync").wait_for()
    assert page.get_by_test_id("sync-form").count() == 0
    assert page.get_by_test_id("sync-existing-link").inner_text() == f"batch #{batch.id}"
    assert accessibility_problems(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits_the_screen(page)
    page.get_by_test_id("sync").screenshot(path=str(OUTPUT / "sync-preview-390.png"))
    page.get_by_test_id("sync-existing-link").click()
    page.get_by_test_id("affected").wait_for()
    assert page.get_by_test_id("sync-source").count() == 1  # and the batch links back
    assert session.scalar(sa.select(sa.func.count()).select_from(MutationBatch)) == 1
