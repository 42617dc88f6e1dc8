"""Reconciliation of the BPJS bill (issue 18 item 2): hand-made bills with each kind of
difference, a family's rows summed onto the worker's line, a clean bill, another employer's
people never matched, every role on the web (more differences than the page lists: the
download holds them all), the audit event, and bad sheets told plainly in both languages."""

from __future__ import annotations

import html
import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.contributions import operations as ops
from edabu_lite.contributions import reconcile as rec
from edabu_lite.contributions import reconcile_views
from edabu_lite.contributions.bill_sheet import BillRow
from edabu_lite.contributions.reconcile_export import why_text
from edabu_lite.roster.models import Participant
from tests.conftest import csrf_token, post_form
from tests.factories import family, register, worker_row

TODAY = date(2026, 12, 5)
DEC = date(2026, 12, 1)
SITI = "3273015507900001"  # family(): Siti, her husband Budi and two children
BUDI = "3273011203880002"


def _nik(n: int) -> str:
    return f"32730101019{n:05d}"


@pytest.fixture(autouse=True)
def _today(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def people(session, employer, other_employer):  # type: ignore[no-untyped-def]
    """Siti's family; Ani and Dedi counted; Eko starting in January; Fajar left in November
    (PHK); and a worker of another employer."""
    rows = [
        *family(),
        worker_row(_nik(1), _nik(901), "Ani", wage=6_000_000),
        worker_row(_nik(2), _nik(902), "Dedi", wage=7_000_000),
        worker_row(_nik(3), _nik(903), "Eko", start_date=date(2027, 1, 1)),
        worker_row(_nik(4), _nik(904), "Fajar"),
    ]
    found = register(session, employer, rows)
    session.execute(
        sa.update(Participant)
        .where(Participant.nik == _nik(4))
        .values(status="NONAKTIF", previous_status="AKTIF", status_since=date(2026, 11, 1),
                end_date=date(2026, 11, 1), end_reason="PHK")
    )  # fmt: skip
    session.commit()
    register(session, other_employer, [worker_row(_nik(50), _nik(950), "Orang Lain")])
    return found


def _totals(session, employer) -> dict[str, int]:  # type: ignore[no-untyped-def]
    bill = ops.bill_for(session, employer, DEC)
    return {line.nik: int(line.total) for line in ops.iter_lines(session, bill, employer.id)}


def _clean_rows(totals: dict[str, int]) -> list[tuple[str, int]]:
    """The bill as e-Dabu would list it: Siti's 5 % split over her row and Budi's, the
    children on 0, every other worker on their own total."""
    rows = [(SITI, totals[SITI] - 1000), (BUDI, 1000)]
    rows += [("3273015005150003", 0), ("3273012108180004", 0)]
    rows += [(nik, total) for nik, total in totals.items() if nik != SITI]
    return rows


def _bill(rows: list[tuple[str, int]]) -> list[BillRow]:
    return [BillRow(n, nik, amount) for n, (nik, amount) in enumerate(rows, start=2)]


def test_a_clean_bill_has_no_difference_and_a_familys_rows_are_summed(session, employer, people):  # type: ignore[no-untyped-def]
    totals = _totals(session, employer)
    assert set(totals) == {SITI, _nik(1), _nik(2)}
    result = rec.reconcile(session, employer, DEC, _bill(_clean_rows(totals)))
    assert result.differences == ()
    assert result.matched == 3
    assert result.billed_total == result.ours_total == sum(totals.values())


@pytest.mark.parametrize("chunk", [5000, 2])  # NIKs looked up in a list, or one pass
def test_each_kind_of_difference(session, employer, people, monkeypatch, chunk):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(rec, "CHUNK", chunk)
    totals = _totals(session, employer)
    rows = [
        (SITI, totals[SITI] - 1000), (BUDI, 1000),  # summed: matches
        (_nik(1), totals[_nik(1)] + 500),  # Ani: BPJS bills 500 more
        # Dedi: counted here, missing from the bill
        (_nik(3), 300_000),  # Eko: TMT in January
        (_nik(4), 300_000),  # Fajar: NONAKTIF since November
        (_nik(50), 250_000),  # another employer's worker: unknown here
        ("3273010101990099", 120_000),  # nobody
    ]  # fmt: skip
    result = rec.reconcile(session, employer, DEC, _bill(rows))
    by_kind = {k: result.of_kind(k) for k in rec.KINDS}
    assert result.counts == {"unknown": 2, "not_counted": 2, "not_billed": 1, "amount": 1}
    assert {d.nik for d in by_kind[rec.Kind.UNKNOWN]} == {_nik(50), "3273010101990099"}
    assert all(d.person_id is None for d in by_kind[rec.Kind.UNKNOWN])
    eko, fajar = sorted(by_kind[rec.Kind.NOT_COUNTED], key=lambda d: d.name)
    assert (eko.name, eko.why, eko.start_date) == ("Eko", rec.Why.NOT_STARTED, date(2027, 1, 1))
    assert (fajar.why, fajar.status, fajar.end_reason) == (rec.Why.STATUS, "NONAKTIF", "PHK")
    same = lambda text: text  # noqa: E731
    assert why_text(fajar, same) == "Status pada tanggal 1: Nonaktif 01-11-2026 (PHK)"
    assert why_text(eko, same) == "TMT 01-01-2027, sesudah tanggal 1"
    (dedi,) = by_kind[rec.Kind.NOT_BILLED]
    assert (dedi.name, dedi.ours, dedi.billed) == ("Dedi", totals[_nik(2)], None)
    (ani,) = by_kind[rec.Kind.AMOUNT]
    assert (ani.billed, ani.ours, ani.difference, ani.rows) == (
        totals[_nik(1)] + 500, totals[_nik(1)], 500, (4,)
    )  # fmt: skip
    assert result.matched == 1


def test_a_dependant_billed_whose_worker_is_not_counted(session, employer, people):  # type: ignore[no-untyped-def]
    session.execute(
        sa.update(Participant).where(Participant.nik == SITI)
        .values(start_date=date(2027, 2, 1))
    )  # fmt: skip
    session.commit()
    result = rec.reconcile(session, employer, DEC, _bill([(BUDI, 0)]))
    (budi,) = result.of_kind(rec.Kind.NOT_COUNTED)
    assert (budi.name, budi.why) == ("Budi Hartono", rec.Why.WORKER_NOT_COUNTED)


# --------------------------------------------------------------------------- the web


def _xlsx(header: list[str], rows: list[list[object]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _upload(client, content, *, month="2026-12", name="tagihan.xlsx", download=False):  # type: ignore[no-untyped-def]
    data = {"month": month, "file": (content, name)}
    data["download" if download else "show"] = "x"
    return post_form(
        client, "/iuran/rekonsiliasi", data, token_from="/iuran/rekonsiliasi",
        content_type="multipart/form-data",
    )  # fmt: skip


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reconciles_more_differences_than_the_page_lists(
    client, session, employer, people, login_as, monkeypatch, role
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reconcile_views, "SHOWN", 10)
    login_as(role)
    totals = _totals(session, employer)
    unknown = [[f"32730101019{n:05d}", 100_000, f"Tak Dikenal {n:02d}"] for n in range(100, 125)]
    rows = [[nik, total, ""] for nik, total in totals.items() if nik != _nik(2)] + unknown
    page = _text(_upload(client, _xlsx(["No. NIK", "Total Iuran", "Nama"], rows)))
    listed = {n for n in range(100, 125) if f"Tak Dikenal {n:02d}" in page}
    assert len(listed) == 10 and listed == set(range(100, 110))  # by name, the first ten
    assert "10 pertama dari 25 ditampilkan" in page
    assert "Dedi" in page  # not billed
    response = _upload(client, _xlsx(["NIK", "Jumlah", "Nama"], rows), download=True)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    lines = list(sheet.iter_rows(values_only=True))
    header = lines[0]
    names = [line[header.index("Nama")] for line in lines[1:-2]]
    assert sorted(n for n in names if n and n.startswith("Tak")) == [u[2] for u in unknown]
    assert "Dedi" in names and len(names) == 26
    assert lines[-1][header.index("Tagihan BPJS")] == sum(r[1] for r in rows)


def test_a_clean_upload_says_so_and_the_run_is_audited_without_people(
    client, session, employer, people, login_as
):  # type: ignore[no-untyped-def]
    login_as(Role.VIEWER)
    rows = [[nik, amount] for nik, amount in _clean_rows(_totals(session, employer))]
    page = _text(_upload(client, _xlsx(["Nomor Induk Kependudukan", "Tagihan"], rows)))
    assert "Tidak ada perbedaan" in page
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "contribution.reconcile")
    ).one()
    assert event.after["rows"] == len(rows) and event.after["matched"] == 3
    assert event.after["unknown"] == event.after["amount"] == 0
    assert event.nik is None and SITI not in str(event.after)


def test_the_page_is_linked_from_rincian_iuran_and_offers_the_form(client, people, login_as):  # type: ignore[no-untyped-def]
    login_as(Role.VIEWER)
    assert "/iuran/rekonsiliasi" in client.get("/iuran").get_data(as_text=True)
    page = client.get("/iuran/rekonsiliasi")
    assert page.status_code == 200 and 'value="2026-12"' in page.get_data(as_text=True)


BAD_SHEETS = [
    (["Nama", "Jumlah"], [["Ani", 1]], 'Kolom "NIK" tidak ditemukan di baris 1'),
    (["NIK", "Nama"], [[_nik(1), "Ani"]], "Jumlah, Iuran, Total Iuran, Tagihan, Nominal"),
    (["NIK", "Jumlah"], [[_nik(1), 150_000.5]], "bukan Rupiah utuh"),
    (["NIK", "Jumlah"], [[_nik(1), "150.000,50"]], "bukan Rupiah utuh"),
    (["NIK", "Jumlah"], [[_nik(1), "seratus ribu"]], "bukan angka Rupiah"),
    (["NIK", "Jumlah"], [[_nik(1), -5000]], "negatif"),
    (["NIK", "Jumlah"], [[_nik(1), None]], "Jumlah iuran kosong"),
    (["NIK", "Jumlah"], [[3273010101900001, 5000]], "digit terakhir hilang"),
    (["NIK", "Jumlah"], [["327301010190000", 5000]], "NIK harus 16 digit, yang terisi 15"),
    (["NIK", "Jumlah"], [[_nik(1), 5000], [_nik(1), 5000]], "sudah ada di baris 2"),
    (["NIK", "Jumlah"], [], "tidak berisi data"),
]


@pytest.mark.parametrize(("header", "rows", "expected"), BAD_SHEETS)
def test_bad_sheets_are_refused_with_specific_words(
    client, people, login_as, header, rows, expected
):  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    response = _upload(client, _xlsx(header, rows))
    assert response.status_code == 422
    assert expected in _text(response)


def test_a_file_that_is_no_workbook_and_a_bad_month(client, people, login_as):  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    csv = io.BytesIO(b"NIK,Jumlah\n3273010101900001,5000\n")
    response = _upload(client, csv)
    assert response.status_code == 422 and "Berkas tidak dapat dibaca" in _text(response)
    response = _upload(client, _xlsx(["NIK", "Jumlah"], [[_nik(1), 1]]), name="tagihan.csv")
    assert response.status_code == 400 and "Hanya berkas Excel .xlsx" in _text(response)
    response = _upload(client, _xlsx(["NIK", "Jumlah"], [[_nik(1), 1]]), month="2026-13")
    assert response.status_code == 400 and "Tulis bulan sebagai YYYY-MM" in _text(response)


def test_messages_in_english(client, people, login_as):  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    client.post("/bahasa", data={"locale": "en", "csrf_token": csrf_token(client, "/")})
    response = _upload(client, _xlsx(["NIK", "Jumlah"], [[_nik(1), 150_000.5], [_nik(1), 1]]))
    text = _text(response)
    assert "Reconcile the bill" in text or "Bill reconciliation" in text
    assert "not whole Rupiah" in text and "already on row 2" in text


def test_the_sample_bill_shows_its_three_differences(session, employer):  # type: ignore[no-untyped-def]
    """sample_sheets/contoh-tagihan.xlsx against the people of contoh-peserta-valid.xlsx."""
    from pathlib import Path

    from edabu_lite.contributions.bill_sheet import read_bill
    from edabu_lite.demo import DEMO_MINIMUM_WAGE, _as_stored
    from edabu_lite.demo_data import generate_families

    employer.minimum_wage = DEMO_MINIMUM_WAGE
    rows = [_as_stored(r) for r in generate_families(50, seed=5, today=date(2026, 11, 1))]
    register(session, employer, rows)
    path = Path(__file__).parents[2] / "sample_sheets" / "contoh-tagihan.xlsx"
    bill = read_bill(str(path), max_bytes=10**7, max_rows=1000, today=TODAY)
    result = rec.reconcile(session, employer, DEC, bill)  # generate.py's BILL_MONTH
    assert result.counts == {"unknown": 1, "not_counted": 0, "not_billed": 1, "amount": 1}
    assert result.of_kind(rec.Kind.AMOUNT)[0].difference == 5000
