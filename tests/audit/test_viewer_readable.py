"""An audit trail a person can read: names beside masked NIKs, NIK prefixes, partial user and
participant names, before → after in words, labels in both languages, WIB in the export."""

from __future__ import annotations

import io
import re
from datetime import datetime

import sqlalchemy as sa
from openpyxl import load_workbook

from edabu_lite.accounts.models import Role, User
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import Actor, Change, record
from edabu_lite.roster.models import Participant
from edabu_lite.roster.operations import add_participants
from tests.conftest import TEST_ACTOR
from tests.factories import family

SITI = "3273015507900001"


def _rows(page: str) -> list[str]:
    body = page.split('data-testid="audit-events"', 1)[1].split("<tbody>", 1)[1]
    body = body.split("</tbody>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", body, re.S)


def _seed(session, employer) -> Participant:  # type: ignore[no-untyped-def]
    add_participants(session, employer.id, family(), TEST_ACTOR)
    siti = session.scalars(sa.select(Participant).where(Participant.nik == SITI)).one()
    record(
        session,
        employer.id,
        Actor("sari.hr", "web", None),
        Change(
            "participant.import_update",
            "participant",
            siti.id,
            "3273********0001",
            SITI,
            before={"wage": 6_500_000, "status": "AKTIF"},
            after={"wage": 7_250_000, "status": "NONAKTIF"},
        ),
    )
    session.commit()
    return siti


def test_events_name_the_person_and_say_what_changed(client, session, employer, login_as):
    _seed(session, employer)
    login_as(Role.VIEWER)
    page = client.get("/audit?action=participant.import_update").get_data(as_text=True)
    [row] = _rows(page)
    assert "Siti Aminah" in row and "3273********0001" in row and SITI not in row
    assert "Diperbarui lewat impor" in row and "participant.import_update" not in (
        re.sub(r'data-action="[^"]*"', "", row)
    )
    assert "Gaji: Rp 6.500.000 → <strong>Rp 7.250.000</strong>" in row
    assert "Status: Aktif → <strong>Nonaktif</strong>" in row
    assert "Web" in row


def test_nik_filter_takes_a_prefix_and_refuses_what_is_not_a_nik(
    client, session, employer, login_as
):
    _seed(session, employer)
    login_as(Role.VIEWER)
    everyone = len(_rows(client.get("/audit").get_data(as_text=True)))
    full = _rows(client.get(f"/audit?nik={SITI}").get_data(as_text=True))
    prefix = _rows(client.get("/audit?nik=3273-0155").get_data(as_text=True))
    assert len(full) == 2 and len(prefix) == 2  # created, then updated
    region = _rows(client.get("/audit?nik=327301").get_data(as_text=True))
    assert len(region) == 5 < everyone  # the family's four, and Siti's update
    refused = client.get("/audit?nik=siti")
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "NIK hanya berisi angka" in html and _rows(html)[0].count("Tidak ada kejadian") == 1
    assert client.get("/audit/ekspor.xlsx?nik=siti").status_code == 400


def test_user_and_name_filters_match_parts(client, session, employer, login_as):
    _seed(session, employer)
    login_as(Role.VIEWER)
    by_user = _rows(client.get("/audit?actor=SARI").get_data(as_text=True))
    assert len(by_user) == 1 and "sari.hr" in by_user[0]
    assert _rows(client.get("/audit?actor=%25").get_data(as_text=True))[0].count(
        "Tidak ada kejadian"
    )
    by_name = _rows(client.get("/audit?nama=hartono").get_data(as_text=True))
    assert len(by_name) == 3  # Budi, Ayu and Raka Hartono were each added


def test_labels_in_english(client, session, employer, users, login_as):
    _seed(session, employer)
    session.execute(sa.update(User).values(locale="en"))
    session.commit()
    login_as(Role.VIEWER)
    page = client.get("/audit?action=participant").get_data(as_text=True)
    assert "Updated by an import" in page and "Participant added" in page
    assert "Salary: Rp 6.500.000 → <strong>Rp 7.250.000</strong>" in page
    assert '<option value="participant.import_update" >Updated by an import</option>' in page


def test_export_speaks_wib_and_labels(client, session, employer, login_as):
    _seed(session, employer)
    login_as(Role.VIEWER)
    book = load_workbook(io.BytesIO(client.get("/audit/ekspor.xlsx").data))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    assert "Waktu (WIB)" in headers
    rows = [
        dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    [row] = [r for r in rows if r["Kode tindakan"] == "participant.import_update"]
    assert row["Tindakan"] == "Diperbarui lewat impor"
    assert row["Kode tindakan"] == "participant.import_update"
    assert set(row["Sebelum"].split("; ")) == {"Gaji: Rp 6.500.000", "Status: Aktif"}
    stored = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "participant.import_update")
    ).one()
    shown = datetime.strptime(row["Waktu (WIB)"], "%d-%m-%Y %H:%M:%S")
    assert (shown - stored.created_at.replace(microsecond=0)).total_seconds() == 7 * 3600
