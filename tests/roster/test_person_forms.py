"""One person at a time from the web (issue 17 item 6): Tambah Peserta, a family member, a
newborn, change data, correct a NIK. Each form checks with the roster row schema (the same
messages as an upload), previews, stores exactly what was previewed with its audit event,
and refuses a person who changed since the preview."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import verify_chain
from edabu_lite.issues import Issue
from edabu_lite.roster import people
from edabu_lite.roster.models import Participant
from edabu_lite.roster.schemas import RowContext, load_row
from tests.conftest import csrf_token
from tests.factories import family, register

TODAY = date(2026, 12, 5)
HIDDEN = re.compile(r'name="(checked|version)" type="hidden" value="([^"]*)"')


@pytest.fixture(autouse=True)
def _today(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _text(page: str) -> str:
    """The form's part of a page as text, for failure messages."""
    part = page[page.find("<h1") :]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", part)))[:3000]


def _says(page: str, code: str, **params: object) -> bool:
    """Whether the page shows the catalogue's message of ``code`` (under a field or listed)."""
    return Issue(code, params=params).message() in html.unescape(page)


def _hidden(page: str) -> dict[str, str]:
    return dict(HIDDEN.findall(page))


def _post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _check_then_save(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    """Periksa, then Simpan with what the preview handed back."""
    page = _post(client, path, data).get_data(as_text=True)
    assert 'data-testid="preview"' in page, _text(page)
    return _post(client, path, {**data, **_hidden(page), "save": "1"})


def _events(session, employer, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    stmt = sa.select(AuditEvent).where(
        AuditEvent.employer_id == employer.id, AuditEvent.action == action
    )
    return list(session.scalars(stmt.order_by(AuditEvent.seq)))


NEW_WORKER = {
    "nik": "3273014101950007",
    "kk": "3273012001150099",
    "name": "Dewi Lestari",
    "birth_place": "Bandung",
    "birth_date": "1995-01-01",
    "sex": "P",
    "marital_status": "Belum Kawin",
    "employee_number": "EMP-777",
    "wage": "6500000",
    "care_class": "1",
    "faskes_code": "0112U020",
    "start_date": "2026-12-01",
    "card_number": "",
    "phone": "0812 3456 7890",
    "email": "dewi@example.com",
}


def _person(session, employer, nik: str) -> Participant | None:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(
        sa.select(Participant).where(Participant.employer_id == employer.id, Participant.nik == nik)
    ).one_or_none()


# --------------------------------------------------------------------------- roles


PATHS = ("/peserta/baru", "/peserta/{id}/keluarga/baru", "/peserta/{id}/ubah",
         "/peserta/{id}/koreksi-nik")  # fmt: skip


@pytest.mark.parametrize("role", list(Role))
def test_forms_are_for_operators_and_admins_of_the_persons_employer(
    client, session, employer, other_employer, login_as, role
):  # type: ignore[no-untyped-def]
    worker = register(session, employer)[family()[0]["nik"]]
    other = register(session, other_employer)[family()[0]["nik"]]
    for path in PATHS:
        assert client.get(path.format(id=worker.id)).status_code == 302  # to the login page
    login_as(role)
    allowed = role.allows(Role.OPERATOR)
    for path in PATHS:
        assert client.get(path.format(id=worker.id)).status_code == (200 if allowed else 403)
        if "{id}" in path:
            assert client.get(path.format(id=other.id)).status_code == (404 if allowed else 403)
    page = client.get(f"/peserta/{worker.id}").get_data(as_text=True)
    assert ('data-testid="person-actions"' in page) is allowed
    assert ('data-testid="person-mutation"' in page) is allowed
    if allowed:
        for path in ("ubah", "koreksi-nik", "keluarga/baru", "keluarga/baru?bayi=1"):
            assert f"/peserta/{worker.id}/{path}" in html.unescape(page)


# --------------------------------------------------------------------------- add a worker


def test_add_worker_previews_then_stores_with_its_audit_event(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    page = _post(client, "/peserta/baru", NEW_WORKER).get_data(as_text=True)
    assert 'data-testid="preview"' in page, _text(page)
    assert "Dewi Lestari" in page and "6.500.000" in page
    assert _person(session, employer, NEW_WORKER["nik"]) is None  # a preview stores nothing

    done = _post(client, "/peserta/baru", {**NEW_WORKER, **_hidden(page), "save": "1"})
    person = _person(session, employer, NEW_WORKER["nik"])
    assert person is not None
    assert done.headers["Location"].endswith(f"/peserta/{person.id}")
    assert (person.name, person.wage, person.phone) == ("Dewi Lestari", 6_500_000, "081234567890")
    assert person.relationship.value == "Peserta" and person.start_date == date(2026, 12, 1)
    (event,) = _events(session, employer, "participant.create")
    assert event.target_id == str(person.id) and event.source == "web"
    assert event.after["wage"] == 6_500_000
    assert verify_chain(session, employer.id).ok


def test_a_form_edited_after_its_preview_is_previewed_again(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    page = _post(client, "/peserta/baru", NEW_WORKER).get_data(as_text=True)
    edited = {**NEW_WORKER, "wage": "7000000", **_hidden(page), "save": "1"}
    again = _post(client, "/peserta/baru", edited).get_data(as_text=True)
    assert 'data-testid="preview"' in again and "7.000.000" in again
    assert _person(session, employer, NEW_WORKER["nik"]) is None


BAD_ROWS = [
    {"nik": "3273014101950"},  # too short
    {"nik": "3273014101950007", "birth_date": "1996-01-01"},  # NIK says 1995
    {"birth_date": "31-02-1990", "wage": "5,5 juta"},
    {"name": "", "sex": "", "faskes_code": "ABC"},
    {"care_class": "2", "wage": "9000000"},  # a warning only: care_class.wage_mismatch
]


@pytest.mark.parametrize("bad", BAD_ROWS)
def test_add_worker_says_what_an_upload_of_the_same_row_says(
    client, session, employer, login_as, bad
):  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    cells = {**NEW_WORKER, **bad}
    _loaded, expected = load_row({**cells, "relationship": "Peserta"}, None, RowContext(TODAY))
    assert expected
    page = html.unescape(_post(client, "/peserta/baru", cells).get_data(as_text=True))
    for issue in expected:
        assert issue.message() in page, issue.code
    blocked = any(i.is_error for i in expected)
    assert ('data-testid="preview"' in page) is not blocked
    assert _person(session, employer, NEW_WORKER["nik"]) is None


def test_add_worker_refuses_a_nik_registered_here(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    register(session, employer)
    login_as(Role.OPERATOR)
    taken = {**NEW_WORKER, "nik": family()[0]["nik"], "birth_date": "1990-07-15"}
    page = html.unescape(_post(client, "/peserta/baru", taken).get_data(as_text=True))
    assert "sudah terdaftar sebagai peserta perusahaan ini" in page
    assert 'data-testid="preview"' not in page


def test_a_nik_registered_between_preview_and_save_is_refused_not_a_500(
    client, session, employer, login_as, monkeypatch
):  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    page = _post(client, "/peserta/baru", NEW_WORKER).get_data(as_text=True)
    loaded, _issues = load_row({**NEW_WORKER, "relationship": "Peserta"}, None, RowContext(TODAY))
    register(session, employer, [loaded])  # someone else was quicker
    save = {**NEW_WORKER, **_hidden(page), "save": "1"}
    again = html.unescape(_post(client, "/peserta/baru", save).get_data(as_text=True))
    assert "sudah terdaftar sebagai peserta perusahaan ini" in again  # the save checks again

    # ...and when the other insert lands between that check and this one (the database's
    # unique key decides), the user is told, and nothing is half written.
    monkeypatch.setattr(people, "_known_nik", lambda *args: [])
    response = _post(client, "/peserta/baru", save)
    assert response.status_code == 302
    shown = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Data peserta berubah sejak pratinjau dibuat" in shown
    assert len(_events(session, employer, "participant.create")) == 1  # the other one only
    assert verify_chain(session, employer.id).ok


# --------------------------------------------------------------------------- family


def _dependant(**overrides: str) -> dict[str, str]:
    cells = {
        "nik": "3273015005200005",
        "kk": "3273012001150003",
        "name": "Nina Hartono",
        "birth_place": "Bandung",
        "birth_date": "2020-05-10",
        "sex": "P",
        "marital_status": "Belum Kawin",
        "relationship": "Anak",
        "care_class": "1",
        "faskes_code": "0112U020",
        "start_date": "",
        "card_number": "",
        "phone": "",
        "email": "",
        "in_school": "",
    }
    return {**cells, **overrides}


def test_add_family_member_checks_the_family_as_an_upload_does(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    registered = register(session, employer)  # worker, husband, two children
    worker = registered[family()[0]["nik"]]
    login_as(Role.OPERATOR)
    path = f"/peserta/{worker.id}/keluarga/baru"
    form = html.unescape(client.get(path).get_data(as_text=True))
    assert worker.kk in form  # the family's KK, prefilled

    other_kk = html.unescape(
        _post(client, path, _dependant(kk="3273012001150077")).get_data(as_text=True)
    )
    assert (
        _says(other_kk, "family.kk_mismatch", relationship="Anak")
        and 'data-testid="preview"' not in other_kk
    )

    second_husband = _dependant(
        nik="3273011203850006", name="Joko", birth_date="1985-03-12", sex="L",
        marital_status="Kawin", relationship="Suami",
    )  # fmt: skip
    refused = html.unescape(_post(client, path, second_husband).get_data(as_text=True))
    assert (
        _says(refused, "family.husband_count", count=2) and 'data-testid="preview"' not in refused
    )

    third_child = _check_then_save(client, path, _dependant())
    child = _person(session, employer, "3273015005200005")
    assert third_child.headers["Location"].endswith(f"/peserta/{child.id}")
    assert child.worker_id == worker.id and child.relationship.value == "Anak"

    fourth = _dependant(
        nik="3273011212220008", name="Bima Hartono", birth_date="2022-12-12", sex="L"
    )
    page = html.unescape(_post(client, path, fourth).get_data(as_text=True))
    assert "family.extra_member" in page and 'data-testid="preview"' in page  # a warning


def test_a_newborn_is_a_child_on_the_workers_kk(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    registered = register(session, employer)
    husband = registered[family()[1]["nik"]]  # the form finds the worker from a dependant too
    login_as(Role.OPERATOR)
    path = f"/peserta/{husband.id}/keluarga/baru?bayi=1"
    form = client.get(path).get_data(as_text=True)
    assert 'name="relationship"' not in form and 'name="marital_status"' not in form
    baby = {
        k: v
        for k, v in _dependant(
            nik="3273016111260009", name="Bayi Hartono", birth_date="2026-11-21",
            start_date="",
        ).items()
        if k not in ("relationship", "marital_status")
    }  # fmt: skip
    _check_then_save(client, path, baby)
    child = _person(session, employer, "3273016111260009")
    assert child.relationship.value == "Anak" and child.marital_status == "Belum Kawin"
    assert child.worker_id == registered[family()[0]["nik"]].id
    assert child.start_date == date(2026, 11, 21)  # an empty TMT: covered from birth


def test_no_family_member_for_a_worker_who_is_not_active(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    worker = register(session, employer)[family()[0]["nik"]]
    session.execute(
        sa.update(Participant).where(Participant.id == worker.id).values(status="NONAKTIF")
    )
    session.commit()
    login_as(Role.OPERATOR)
    response = client.get(f"/peserta/{worker.id}/keluarga/baru")
    assert response.status_code == 302
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Pekerja ini tidak aktif" in page


# --------------------------------------------------------------------------- change data


def _change_form(client, person_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The change form as first shown: every prefilled value, as a browser would send it."""
    page = client.get(f"/peserta/{person_id}/ubah").get_data(as_text=True)
    values = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    for name, body in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body
        )
        values[name] = chosen.group(1) if chosen else ""
    values.pop("csrf_token", None)
    return {k: html.unescape(v) for k, v in values.items()}


def test_change_data_shows_before_and_after_and_audits_the_month(
    client, session, employer, login_as
):  # type: ignore[no-untyped-def]
    worker = register(session, employer)[family()[0]["nik"]]
    login_as(Role.OPERATOR)
    cells = _change_form(client, worker.id)
    assert cells["wage"] == "6500000" and cells["version"] == "1"
    assert (
        _post(client, f"/peserta/{worker.id}/ubah", cells)
        .get_data(as_text=True)
        .count("Tidak ada yang berubah")
        == 1
    )

    cells |= {"wage": "8.000.000", "phone": "+62 811 2222 3333", "effective_from": "2026-11-01"}
    page = html.unescape(_post(client, f"/peserta/{worker.id}/ubah", cells).get_data(as_text=True))
    assert "Rp 6.500.000" in page and "Rp 8.000.000" in page and "01-11-2026" in page
    done = _post(client, f"/peserta/{worker.id}/ubah", {**cells, **_hidden(page), "save": "1"})
    assert done.status_code == 302
    person = _person(session, employer, worker.nik)
    assert (person.wage, person.phone, person.version) == (8_000_000, "081122223333", 2)
    (event,) = _events(session, employer, "participant.update")
    assert event.before == {"wage": 6_500_000, "phone": "081234567890"}
    assert event.after == {
        "wage": 8_000_000,
        "phone": "081122223333",
        "effective_from": "2026-11-01",
    }
    history = client.get(f"/peserta/{worker.id}").get_data(as_text=True)
    assert "Data peserta diubah" in history


def test_a_month_outside_the_window_is_refused(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    worker = register(session, employer)[family()[0]["nik"]]
    login_as(Role.OPERATOR)
    cells = _change_form(client, worker.id) | {"wage": "7000000"}
    for month in ("2026-08-01", "2027-02-01", "2026-12-15", "kemarin"):
        page = html.unescape(
            _post(client, f"/peserta/{worker.id}/ubah", cells | {"effective_from": month}).get_data(
                as_text=True
            )
        )
        assert "Bulan berlaku tidak valid" in page, month
        assert 'data-testid="preview"' not in page


def test_a_faskes_change_takes_effect_next_month_and_warns_when_too_soon(
    client, session, employer, login_as
):  # type: ignore[no-untyped-def]
    worker = register(session, employer)[family()[0]["nik"]]
    session.execute(
        sa.update(Participant)
        .where(Participant.id == worker.id)
        .values(faskes_since=date(2026, 10, 1))
    )
    session.commit()
    login_as(Role.OPERATOR)
    cells = _change_form(client, worker.id) | {"faskes_code": "03010701"}
    page = html.unescape(_post(client, f"/peserta/{worker.id}/ubah", cells).get_data(as_text=True))
    assert "faskes_code.too_soon" in page and "01-01-2027" in page
    _post(client, f"/peserta/{worker.id}/ubah", {**cells, **_hidden(page), "save": "1"})
    person = _person(session, employer, worker.nik)
    assert (person.faskes_code, person.faskes_since) == ("03010701", date(2027, 1, 1))


def test_a_person_changed_since_the_preview_is_not_overwritten(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    worker = register(session, employer)[family()[0]["nik"]]
    login_as(Role.OPERATOR)
    cells = _change_form(client, worker.id) | {"name": "Siti Aminah Putri"}
    page = _post(client, f"/peserta/{worker.id}/ubah", cells).get_data(as_text=True)
    session.execute(  # another user's change lands first (the version moves)
        sa.update(Participant)
        .where(Participant.id == worker.id)
        .values(phone="081299998888", version=Participant.version + 1)
    )
    session.commit()
    response = _post(client, f"/peserta/{worker.id}/ubah", {**cells, **_hidden(page), "save": "1"})
    shown = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Data peserta berubah sejak pratinjau dibuat" in shown
    person = _person(session, employer, worker.nik)
    assert (person.name, person.phone) == ("Siti Aminah", "081299998888")
    assert _events(session, employer, "participant.update") == []


def test_a_dependants_change_is_checked_with_the_family(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    child = register(session, employer)[family()[2]["nik"]]
    login_as(Role.OPERATOR)
    cells = _change_form(client, child.id)
    assert "wage" not in cells and "in_school" in cells
    page = html.unescape(
        _post(client, f"/peserta/{child.id}/ubah", cells | {"marital_status": "Kawin"}).get_data(
            as_text=True
        )
    )
    assert _says(page, "family.not_dependant") and 'data-testid="preview"' not in page


# --------------------------------------------------------------------------- NIK correction


def test_nik_correction_needs_a_reason_and_keeps_the_old_nik_in_the_history(
    client, session, employer, login_as
):  # type: ignore[no-untyped-def]
    worker = register(session, employer)[family()[0]["nik"]]
    old = worker.nik
    login_as(Role.OPERATOR)
    path = f"/peserta/{worker.id}/koreksi-nik"
    new = "3273015507900011"
    no_reason = html.unescape(
        _post(client, path, {"nik": new, "version": "1"}).get_data(as_text=True)
    )
    assert "Wajib diisi" in no_reason and 'data-testid="preview"' not in no_reason
    same = html.unescape(
        _post(
            client, path, {"nik": old, "version": "1", "reason": "salah ketik saat daftar"}
        ).get_data(as_text=True)
    )
    assert "NIK baru sama dengan NIK yang terdaftar" in same
    damaged = html.unescape(
        _post(
            client,
            path,
            {"nik": "327301550790", "version": "1", "reason": "salah ketik saat daftar"},
        ).get_data(as_text=True)
    )
    row = {**family()[0], "nik": "327301550790"}
    expected = [i for i in load_row(row, None, RowContext(TODAY))[1] if i.column == "nik"]
    assert expected and all(_says(damaged, i.code, **i.params) for i in expected)
    assert 'data-testid="preview"' not in damaged

    data = {"nik": new, "version": "1", "reason": "salah ketik saat daftar"}
    _check_then_save(client, path, data)
    person = _person(session, employer, new)
    assert person is not None and person.id == worker.id
    (event,) = _events(session, employer, "participant.nik_correct")
    assert event.before == {"nik": old}
    assert event.after == {"nik": new, "correction_reason": "salah ketik saat daftar"}
    page = client.get(f"/peserta/{worker.id}").get_data(as_text=True)
    history = page[page.index('data-testid="history"') :]
    assert 'data-action="participant.nik_correct"' in history
    assert 'data-action="participant.create"' in history  # recorded under the old NIK


# --------------------------------------------------------------------------- mutations


def test_a_mutation_from_the_persons_page(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    worker = register(session, employer)[family()[0]["nik"]]
    login_as(Role.OPERATOR)
    token = csrf_token(client, f"/peserta/{worker.id}")
    base = {"csrf_token": token, "participant_id": str(worker.id), "kembali": str(worker.id)}
    missing = client.post("/mutasi/rencana", data={**base, "kind": "NONAKTIF"})
    assert f"/peserta/{worker.id}?" in missing.headers["Location"]
    page = html.unescape(client.get(missing.headers["Location"]).get_data(as_text=True))
    assert "Pilih alasan nonaktif." in page
    made = client.post(
        "/mutasi/rencana",
        data={
            **base,
            "kind": "NONAKTIF",
            "reason": "MENGUNDURKAN_DIRI",
            "effective_date": "2027-01-01",
        },
    )
    assert "/mutasi/" in made.headers["Location"]
    batch = client.get(made.headers["Location"]).get_data(as_text=True)
    assert worker.name in batch


def test_a_nik_active_at_another_employer_today_is_the_data_ganda_warning(
    client, session, employer, other_employer, login_as
):  # type: ignore[no-untyped-def]
    elsewhere = register(session, other_employer)[family()[0]["nik"]]
    login_as(Role.OPERATOR)
    cells = {**NEW_WORKER, "nik": elsewhere.nik, "birth_date": "1990-07-15"}
    page = _post(client, "/peserta/baru", cells).get_data(as_text=True)
    assert _says(page, "row.nik_other_employer") and 'data-testid="preview"' in page
    session.execute(  # they left there on 01-12-2026: no longer active today
        sa.update(Participant)
        .where(Participant.id == elsewhere.id)
        .values(status="NONAKTIF", previous_status="AKTIF", status_since=date(2026, 12, 1))
    )
    session.commit()
    page = _post(client, "/peserta/baru", cells).get_data(as_text=True)
    assert not _says(page, "row.nik_other_employer")


# --------------------------------------------------------------------------- one validator

EDITS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["Siti Aminah", "", "S1ti", "Siti  Aminah ", "O'Neil"]),
        "birth_date": st.sampled_from(["1990-07-15", "15-07-1990", "1990-07-16", "31-02-1990", ""]),
        "sex": st.sampled_from(["P", "L", "X", ""]),
        "marital_status": st.sampled_from(["Kawin", "Belum Kawin", "Janda", ""]),
        "wage": st.sampled_from(["6500000", "1000", "5.000.000", "5,5 juta", "0", ""]),
        "care_class": st.sampled_from(["1", "2", "3", ""]),
        "faskes_code": st.sampled_from(["0112U020", "03010701", "12345", ""]),
        "phone": st.sampled_from(["081234567890", "12", ""]),
        "email": st.sampled_from(["a@b.co", "nope", ""]),
    },
)
#: What a change adds to the schema's issues: the FKTP waiting period and the month.
CHANGE_ONLY = {"faskes_code.too_soon", "effective_from.invalid"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=EDITS)
def test_the_change_form_says_what_the_row_schema_says(session, employer, edits):  # type: ignore[no-untyped-def]
    worker = (
        session.scalars(
            sa.select(Participant).where(Participant.employer_id == employer.id)
        ).first()
        or register(session, employer)[family()[0]["nik"]]
    )
    checked = people.check_change(session, employer, worker, edits, today=TODAY)
    row = {**people.current_row(worker), **edits}
    values, expected = load_row(row, None, people.row_context(employer, TODAY))
    found = [i for i in checked.issues if i.code not in CHANGE_ONLY]
    assert found == expected
    assert checked.ok == (values is not None and not any(i.is_error for i in checked.issues))
    if checked.ok:
        assert {k for k, (old, new) in checked.changes.items()} == {
            k for k in people.EDITABLE_FIELDS if values[k] != getattr(worker, k)
        }


def test_two_corrections_in_a_row_keep_the_whole_history(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    worker = register(session, employer)[family()[0]["nik"]]
    login_as(Role.OPERATOR)
    path = f"/peserta/{worker.id}/koreksi-nik"
    for version, new in (("1", "3273015507900011"), ("2", "3273015507900012")):
        _check_then_save(
            client, path, {"nik": new, "version": version, "reason": "salah ketik lagi"}
        )
    assert people.former_niks(session, employer.id, _person(session, employer, new)) == [
        "3273015507900012",
        "3273015507900011",
        family()[0]["nik"],
    ]
    page = client.get(f"/peserta/{worker.id}").get_data(as_text=True)
    history = page[page.index('data-testid="history"') :]
    assert history.count('data-action="participant.nik_correct"') == 2
    assert 'data-action="participant.create"' in history


def test_a_newborn_without_a_nik_waits_for_it_then_gets_it(client, session, employer, login_as):  # type: ignore[no-untyped-def]
    registered = register(session, employer)
    worker = registered[family()[0]["nik"]]
    login_as(Role.OPERATOR)
    path = f"/peserta/{worker.id}/keluarga/baru?bayi=1"
    baby = {
        k: v
        for k, v in _dependant(nik="", name="Bayi Tanpa NIK", birth_date="2026-11-30").items()
        if k not in ("relationship", "marital_status")
    }
    page = _post(client, path, baby).get_data(as_text=True)
    assert _says(page, "nik.newborn_pending") and 'data-testid="preview"' in page
    _post(client, path, {**baby, **_hidden(page), "save": "1"})
    child = session.scalars(
        sa.select(Participant).where(Participant.name == "Bayi Tanpa NIK")
    ).one()
    assert child.nik is None and child.worker_id == worker.id
    assert child.start_date == date(2026, 11, 30)

    again = _post(client, path, baby).get_data(as_text=True)  # the same baby twice
    assert _says(again, "nik.registered", problem="newborn")
    assert 'data-testid="preview"' not in again

    shown = html.unescape(client.get(f"/peserta/{child.id}").get_data(as_text=True))
    assert "Isi NIK bayi" in shown
    fill = f"/peserta/{child.id}/koreksi-nik"
    _check_then_save(client, fill, {"nik": "3273017011260009", "version": str(child.version)})
    session.expire_all()
    assert session.get(Participant, child.id).nik == "3273017011260009"
    (event,) = [
        e for e in _events(session, employer, "participant.update") if e.target_id == str(child.id)
    ]
    assert event.before == {"nik": None} and event.after == {"nik": "3273017011260009"}
