"""Rincian Iuran on the web and on the command line: every role reads it (two pages of
lines), the download holds every line and the totals, admins alone change the rates (audited),
`edabu iuran --json` prints exactly the contract's keys, and bad months get clear words."""

from __future__ import annotations

import html
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.contributions import operations as ops
from edabu_lite.contributions.models import ContributionSetting
from tests.conftest import csrf_token
from tests.factories import register, worker_row

TODAY = date(2026, 12, 5)
WORKERS = 60  # more than one page of lines (50)


@pytest.fixture(autouse=True)
def _today(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def roster(session, employer):  # type: ignore[no-untyped-def]
    rows = [
        worker_row(f"327301010190{n:04d}", f"327301200115{n:04d}", f"Pekerja {n:02d}",
                   wage=5_000_000 + n * 1000)
        for n in range(WORKERS)
    ]  # fmt: skip
    return register(session, employer, rows)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_bill_page_by_page(client, session, employer, roster, login_as, role):  # type: ignore[no-untyped-def]
    login_as(role)
    first = client.get("/iuran").get_data(as_text=True)
    bill = ops.bill_for(session, employer, TODAY)
    assert bill.workers == WORKERS
    assert f"Rp {bill.total:,}".replace(",", ".") in first
    second = client.get("/iuran?page=2").get_data(as_text=True)
    names = lambda page: {n for n in (f"Pekerja {i:02d}" for i in range(WORKERS)) if n in page}  # noqa: E731
    assert len(names(first)) == 50 and len(names(second)) == WORKERS - 50
    assert not names(first) & names(second)
    assert client.get("/iuran/bulan-depan").status_code == 200
    assert client.get("/iuran/tarif").status_code == 200


def test_the_download_holds_every_line_and_the_totals(client, session, employer, roster, login_as):  # type: ignore[no-untyped-def]
    login_as(Role.VIEWER)
    response = client.get("/iuran/ekspor.xlsx?bulan=2026-12")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, lines, totals = rows[0], rows[1 : 1 + WORKERS], rows[-1]
    assert header[0] == "NIK" and len(lines) == WORKERS
    bill = ops.bill_for(session, employer, TODAY)
    assert sum(line[header.index("Jumlah")] for line in lines) == bill.total
    assert totals[header.index("Jumlah")] == bill.total


def test_a_month_that_is_not_one_is_said_plainly(client, roster, login_as):  # type: ignore[no-untyped-def]
    login_as(Role.VIEWER)
    for bad in ("2026-13", "kemarin", "99999-01", "1999-12"):
        page = client.get(f"/iuran?bulan={bad}", follow_redirects=True)
        assert page.status_code == 200
        assert "Bulan tidak dikenali" in html.unescape(page.get_data(as_text=True))


def test_only_admins_change_the_rates_and_each_change_is_audited(
    client, session, employer, roster, login_as
):  # type: ignore[no-untyped-def]
    form = {
        "effective_month": "2027-01", "employer_rate": "4.5", "worker_rate": "1",
        "extra_member_rate": "1", "wage_cap": "13000000", "minimum_wage": "",
        "class1_wage_threshold": "4000000", "mandiri_class1": "150000",
        "mandiri_class2": "100000", "mandiri_class3": "35000", "note": "Perpres baru",
    }  # fmt: skip
    login_as(Role.OPERATOR)
    token = csrf_token(client, "/iuran/tarif")
    assert client.post("/iuran/tarif", data={**form, "csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login_as(Role.ADMIN)
    page = client.get("/iuran/tarif").get_data(as_text=True)
    assert 'name="employer_rate"' in page
    bad = client.post(
        "/iuran/tarif",
        data={**form, "employer_rate": "150", "csrf_token": csrf_token(client, "/iuran/tarif")},
    )
    own = sa.select(sa.func.count(ContributionSetting.id)).where(
        ContributionSetting.employer_id == employer.id
    )
    assert bad.status_code == 200 and session.scalar(own) == 0
    assert "Angka harus antara 0 dan 100" in html.unescape(bad.get_data(as_text=True))
    done = client.post(
        "/iuran/tarif", data={**form, "csrf_token": csrf_token(client, "/iuran/tarif")}
    )
    assert done.status_code == 302
    january = ops.setting_for(session, employer.id, date(2027, 1, 1))
    assert (january.employer_rate_bp, january.wage_cap, january.note) == (
        450,
        13_000_000,
        "Perpres baru",
    )
    assert ops.setting_for(session, employer.id, date(2026, 12, 1)).employer_rate_bp == 400
    (event,) = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "contribution_setting.create")
    )
    assert event.after["employer_rate_bp"] == 450 and event.source == "web"


def test_edabu_iuran_json_has_exactly_the_contract_keys(
    runner, session, employer, roster, tmp_path
):  # type: ignore[no-untyped-def]
    out = tmp_path / "iuran.xlsx"
    result = runner.invoke(
        args=["iuran", "--employer", employer.code, "--month", "2026-12", "--json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert list(payload) == ["employer", "month", "workers", "covered", "extra_members",
                             "employer_share", "worker_share", "extra_family", "total"]  # fmt: skip
    assert payload == ops.bill_for(session, employer, date(2026, 12, 1)).as_json(employer.code)
    assert payload["workers"] == WORKERS and out.exists()
    bad = runner.invoke(args=["iuran", "--employer", employer.code, "--month", "12-2026"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
    unknown = runner.invoke(args=["iuran", "--employer", "NOPE", "--month", "2026-12"])
    assert unknown.exit_code == 2


def test_mandiri_people_are_listed_for_information_only(
    client, session, employer, roster, login_as
):  # type: ignore[no-untyped-def]
    from edabu_lite.roster.models import Participant

    session.execute(
        sa.update(Participant)
        .where(Participant.name == "Pekerja 00")
        .values(
            status="PINDAH_MANDIRI",
            segment="PBPU",
            mandiri_class=1,
            previous_status="AKTIF",
            status_since=date(2026, 11, 1),
        )
    )
    session.commit()
    login_as(Role.VIEWER)
    page = html.unescape(client.get("/iuran").get_data(as_text=True))
    section = page[page.index('data-testid="mandiri"') :]
    assert "1 orang" in section and "Rp 150.000" in section and "Pekerja 00" in section
    assert ops.bill_for(session, employer, TODAY).workers == WORKERS - 1
