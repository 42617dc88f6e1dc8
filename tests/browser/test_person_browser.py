"""One person at a time in Chromium, on a roster of 10,000 people: an operator adds a worker
through Tambah Peserta (a mistyped NIK first, said under its field), then registers the
worker's newborn from the worker's page, and changes the worker's wage. Each page is checked
with axe-core and, at 390 px wide, for sideways scrolling."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.demo_data import generate_families
from edabu_lite.roster.models import Participant
from edabu_lite.roster.operations import add_participants
from tests.browser.conftest import OUTPUT, accessibility_problems, fits_the_screen, sign_in
from tests.conftest import PASSWORD, TEST_ACTOR, make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TODAY = date(2026, 12, 5)
WORKER_NIK = "3273014101950007"
BABY_NIK = "3273016111260009"


def _look(page, name: str) -> None:  # type: ignore[no-untyped-def]
    assert accessibility_problems(page) == [], name
    page.screenshot(path=str(OUTPUT / f"person-{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits_the_screen(page), f"{name} scrolls sideways at 390 px"
    page.screenshot(path=str(OUTPUT / f"person-{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})


def test_add_a_worker_and_a_newborn(live_server, page, session, employer, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    rows = list(generate_families(10_000, seed=17, today=TODAY))
    add_participants(session, employer.id, rows, TEST_ACTOR)
    make_user(session, employer, "ani", Role.OPERATOR)
    session.commit()
    sign_in(page, live_server, employer.code, "ani", PASSWORD)

    page.goto(f"{live_server}/peserta")
    page.get_by_test_id("add-worker").click()
    form = {
        "NIK": WORKER_NIK[:15],  # one digit short, as Excel leaves it
        "No KK": "3273012001150099",
        "Nama lengkap": "Dewi Lestari",
        "Tempat lahir": "Bandung",
        "Tanggal lahir": "1995-01-01",
        "No pegawai": "EMP-90001",
        "Gaji (Rp)": "6500000",
        "Kode faskes": "0112U020",
        "TMT": "2026-12-01",
        "No HP": "081234567890",
    }
    for label, value in form.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Jenis kelamin").select_option("P")
    page.get_by_label("Status kawin").select_option("Kawin")
    page.get_by_label("Kelas rawat").select_option("1")
    page.get_by_test_id("check").click()
    nik_error = page.locator("#nik ~ .invalid-feedback")
    assert "16" in nik_error.inner_text()
    assert page.get_by_test_id("preview").count() == 0
    _look(page, "add-worker-error")

    page.get_by_label("NIK", exact=True).fill(WORKER_NIK)
    page.get_by_test_id("check").click()
    preview = page.get_by_test_id("preview")
    assert "Dewi Lestari" in preview.inner_text() and "6.500.000" in preview.inner_text()
    _look(page, "add-worker-preview")
    page.get_by_test_id("save").click()
    page.get_by_text("Dewi Lestari ditambahkan sebagai peserta aktif.").wait_for()
    worker = session.scalars(sa.select(Participant).where(Participant.nik == WORKER_NIK)).one()
    assert page.url.endswith(f"/peserta/{worker.id}")
    _look(page, "worker-page")

    page.get_by_role("link", name="Daftarkan bayi baru lahir").click()
    assert page.get_by_label("No KK", exact=True).input_value() == "3273012001150099"
    page.get_by_label("NIK", exact=True).fill(BABY_NIK)
    page.get_by_label("Nama lengkap").fill("Bayi Lestari")
    page.get_by_label("Tanggal lahir").fill("2026-11-21")
    page.get_by_label("Jenis kelamin").select_option("P")
    page.get_by_test_id("check").click()
    assert "Bayi Lestari" in page.get_by_test_id("preview").inner_text()
    _look(page, "newborn-preview")
    page.get_by_test_id("save").click()
    page.get_by_text("Bayi Lestari ditambahkan sebagai peserta aktif.").wait_for()
    session.expire_all()
    baby = session.scalars(sa.select(Participant).where(Participant.nik == BABY_NIK)).one()
    assert (baby.worker_id, baby.relationship.value, baby.start_date) == (
        worker.id,
        "Anak",
        date(2026, 11, 21),
    )

    page.goto(f"{live_server}/peserta/{worker.id}")
    assert "Bayi Lestari" in page.inner_text("body")  # in the worker's family
    page.get_by_role("link", name="Ubah data").click()
    page.get_by_label("Gaji (Rp)").fill("7250000")
    page.get_by_test_id("check").click()
    assert "7.250.000" in page.get_by_test_id("preview").inner_text()
    _look(page, "change-preview")
    page.get_by_test_id("save").click()
    page.get_by_text("Data Dewi Lestari disimpan.").wait_for()
    session.expire_all()
    assert session.get(Participant, worker.id).wage == 7_250_000
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.target_id == str(worker.id))
    ).all()
    assert actions.count("participant.create") == 1 and actions.count("participant.update") == 1
