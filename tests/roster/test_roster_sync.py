"""The monthly sync (issue 18 item 4): a roster upload marked "roster lengkap" lists the
active workers missing from the file and makes one deactivation draft for them; an ordinary
upload never proposes anyone. Expected sets are worked out here from what was registered and
what the file holds, apart from the SQL under test."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.imports.models import ImportJob
from edabu_lite.months import first_day_of_next_month
from edabu_lite.mutations.models import BatchStatus, MutationBatch, MutationItem
from edabu_lite.roster.models import Participant, Status
from tests.conftest import csrf_token, post_form
from tests.factories import family, register, worker_row
from tests.sheet_factory import write_roster

WORKERS = 120
FAMILY = family()  # Siti Aminah, her husband and two children
SITI, CHILD2 = FAMILY[0]["nik"], FAMILY[3]["nik"]


def _nik(n: int) -> str:
    return f"3273011501{90 + n // 10000:02d}{n + 1:04d}"


def _name(n: int) -> str:
    """Names hold no digits: worker 8 is "Pekerja Aai"."""
    return "Pekerja A" + "".join("abcdefghij"[int(d)] for d in f"{n:02d}")


def _worker(n: int) -> dict:
    return worker_row(_nik(n), f"3273012001150{n:03d}", _name(n), birth_date=date(1990, 1, 15))


@pytest.fixture
def roster(session, employer, other_employer):  # type: ignore[no-untyped-def]
    return register_roster(session, employer, other_employer)


def register_roster(session, employer, other_employer):  # type: ignore[no-untyped-def]
    """120 numbered workers and Siti's family here (worker 8 already inactive, worker 10
    leaving next month); the first numbered workers' NIKs are also another employer's."""
    mine = register(session, employer, [_worker(n) for n in range(WORKERS)] + FAMILY)
    mine[_nik(8)].status = Status.INACTIVE
    leaving = mine[_nik(10)]  # active today, already scheduled to leave next month
    leaving.status, leaving.previous_status = Status.INACTIVE, Status.ACTIVE
    leaving.status_since = first_day_of_next_month(clock.today())
    register(session, other_employer, [_worker(n) for n in range(5)])
    session.commit()
    return mine


def _active_worker_niks(session, employer) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        p.nik
        for p in session.scalars(
            sa.select(Participant).where(Participant.employer_id == employer.id)
        )
        if p.is_worker and p.status == Status.ACTIVE
    }


def upload(client, path, *, full: bool):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf_token(client, "/impor")}
    if full:
        data["full_roster"] = "y"
    with path.open("rb") as handle:
        data["file"] = (handle, path.name)
        response = client.post("/impor", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _listed(client, job_url: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every name on every page of the missing list, following the list's own pager."""
    names: list[str] = []
    url: str | None = job_url
    while url:
        page = client.get(url).get_data(as_text=True)
        table = page.split('data-testid="sync-missing"', 1)[1].split("</table>", 1)[0]
        names += re.findall(r'data-testid="sync-person">\s*<td><a href="[^"]+">([^<]+)</a>', table)
        after = re.search(r'rel="next" href="([^"]+)" data-testid="sync-next"', page)
        url = after.group(1).replace("&amp;", "&").split("#")[0] if after else None
    return names


def _file(tmp_path, present: list[int], extra: list[dict] | None = None, name="lengkap.xlsx"):  # type: ignore[no-untyped-def]
    rows = [_worker(n) for n in present] + (extra or [])
    return write_roster(tmp_path / name, rows)


def _name_of(session, nik: str) -> str:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(Participant.name).where(Participant.nik == nik))


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.ADMIN])
def test_the_preview_proposes_exactly_the_active_workers_missing_from_the_file(
    client, session, employer, roster, login_as, tmp_path, role
):
    login_as(role)
    present = [n for n in range(WORKERS) if n % 2]  # half the workers: 60 missing, two pages
    joiner = worker_row("3273012506950001", "3273012001159999", "Orang Baru",
                        birth_date=date(1995, 6, 25))  # fmt: skip
    broken = {**_worker(1), "faskes_code": "12345"}  # in the file with an error: not missing
    rows = [_worker(n) for n in present if n != 1] + [broken, joiner, *FAMILY[:3]]
    job_url = upload(client, write_roster(tmp_path / "lengkap.xlsx", rows), full=True)
    in_file = {str(r["nik"]) for r in rows}
    expected = {_name_of(session, n) for n in _active_worker_niks(session, employer) - in_file}
    listed = _listed(client, job_url)
    assert len(listed) == len(set(listed)) == len(expected) == 58
    assert set(listed) == expected
    assert _name(8) not in listed  # inactive already
    page = client.get(job_url).get_data(as_text=True)
    assert 'data-testid="sync-count" data-value="58"' in page
    assert "Buat draf mutasi untuk 58 peserta" in page
    assert _name(10) not in listed and "1 pekerja lain yang tidak ada di berkas sudah" in page
    # each person's select offers the general reason or one of the three sync reasons
    first = page.split('id="alasan-', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', first) == [
        "",
        "MENGUNDURKAN_DIRI",
        "HABIS_KONTRAK",
        "PENSIUN",
    ]
    assert 'data-testid="sync-suspicious"' not in page  # 58 of 120: not more than half
    # the child left out while her mother is in the file is named, not planned
    dependants = page.split('data-testid="sync-dependants"', 1)[1]
    assert "Raka Hartono" in dependants and "Ayu Hartono" not in dependants
    # the row with an error still counts as in the file; no NIK was unreadable
    assert 'data-testid="sync-errors"' in page and "tidak terbaca" not in page


def test_an_ordinary_upload_proposes_nobody(client, session, employer, roster, login_as, tmp_path):
    login_as(Role.OPERATOR)
    job_url = upload(client, _file(tmp_path, [0, 1, 2]), full=False)
    page = client.get(job_url).get_data(as_text=True)
    assert 'id="sync"' not in page and "Buat draf mutasi" not in page
    job = session.scalars(sa.select(ImportJob)).one()
    response = post_form(
        client,
        f"/impor/{job.id}/sinkron",
        {"reason": "MENGUNDURKAN_DIRI", "effective_date": "2030-01-01"},
        token_from=job_url,
        follow_redirects=True,
    )
    assert "bukan roster lengkap" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(MutationBatch)) == 0


def test_the_draft_holds_the_missing_workers_with_the_chosen_reasons_and_tmt(
    client, session, employer, roster, login_as, tmp_path
):
    login_as(Role.OPERATOR)
    present = list(range(10, WORKERS))  # 0..9 missing (8 inactive), and Siti's whole family
    job_url = upload(client, _file(tmp_path, present), full=True)
    job = session.scalars(sa.select(ImportJob)).one()
    page = client.get(job_url).get_data(as_text=True)
    tmt = first_day_of_next_month(clock.today())
    assert f'value="{tmt.isoformat()}"' in page  # the TMT defaults to next month's first day
    retiring = roster[_nik(3)].id
    response = post_form(
        client,
        f"/impor/{job.id}/sinkron",
        {"reason": "HABIS_KONTRAK", "effective_date": tmt.isoformat(),
         f"alasan-{retiring}": "PENSIUN", f"alasan-{roster[SITI].id}": ""},
        token_from=job_url,
    )  # fmt: skip
    assert response.status_code == 302 and "/mutasi/" in response.headers["Location"]
    batch = session.scalars(sa.select(MutationBatch)).one()
    assert batch.employer_id == employer.id and batch.status == BatchStatus.DRAFT
    items = session.scalars(sa.select(MutationItem).where(MutationItem.batch_id == batch.id)).all()
    expected = {_nik(n) for n in range(10) if n != 8} | {SITI}
    assert {i.nik for i in items} == expected
    assert not any(i.has_error for i in items)
    assert {i.nik: i.reason for i in items} == {
        nik: "PENSIUN" if nik == _nik(3) else "HABIS_KONTRAK" for nik in expected
    }
    assert {i.effective_date for i in items} == {tmt} and {i.kind for i in items} == {"NONAKTIF"}
    siti = next(i for i in items if i.nik == SITI)
    assert {c["nik"] for c in siti.changes} == {str(p["nik"]) for p in FAMILY}  # family follows
    # a draft changes nobody yet; the batch page shows it
    assert session.scalar(sa.select(Participant.status).where(Participant.id == retiring)) == (
        Status.ACTIVE
    )
    assert _name(3) in client.get(response.headers["Location"]).get_data(as_text=True)


def test_more_than_half_missing_is_a_strong_warning(
    client, session, employer, roster, login_as, tmp_path
):
    login_as(Role.OPERATOR)
    job_url = upload(client, _file(tmp_path, list(range(20))), full=True)
    page = client.get(job_url).get_data(as_text=True)
    assert 'data-testid="sync-suspicious"' in page and "Periksa berkasnya dulu" in page
    assert page.index('data-testid="sync-suspicious"') < page.index('data-testid="sync-draft"')


def test_an_unreadable_nik_is_counted_and_its_person_stays_listed(
    client, session, employer, roster, login_as, tmp_path
):
    login_as(Role.OPERATOR)
    garbled = {**_worker(0), "nik": "32730115019"}  # too short: matches nobody
    job_url = upload(client, _file(tmp_path, list(range(1, WORKERS)), [garbled, *FAMILY]),
                     full=True)  # fmt: skip
    page = client.get(job_url).get_data(as_text=True)
    assert "1 baris NIK-nya tidak terbaca" in page
    assert _listed(client, job_url) == [_name(0)]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"reason": "", "effective_date": "2030-01-01"}, "Pilih alasan nonaktif"),
        ({"reason": "MENGUNDURKAN_DIRI", "effective_date": "2027-02-31"}, "Tanggal tidak valid"),
        ({"reason": "MENGUNDURKAN_DIRI", "effective_date": ""}, "Isi TMT nonaktif"),
        ({"reason": "MENGUNDURKAN_DIRI", "effective_date": "2099-01-01"}, "TMT harus antara"),
        ({"reason": "PHK", "effective_date": "{tmt}"}, "Pilihan tidak valid"),
        ({"reason": "PENSIUN", "effective_date": "{tmt}", "alasan-{me}": "PHK"},
         "Alasan per peserta tidak dikenal"),
        ({"reason": "PENSIUN", "effective_date": "{tmt}", "alasan-{other}": "PENSIUN"},
         "1 peserta yang dikirim tidak ada di daftar"),
        ({"reason": "PENSIUN", "effective_date": "{tmt}", "alasan-{present}": "PENSIUN"},
         "1 peserta yang dikirim tidak ada di daftar"),
        ({"reason": "PENSIUN", "effective_date": "{tmt}", "alasan-x1": "PENSIUN"},
         "Alasan per peserta tidak dikenal"),
    ],
)  # fmt: skip
def test_bad_input_is_said_and_plans_nothing(
    client, session, employer, other_employer, roster, login_as, tmp_path, form, message
):
    login_as(Role.OPERATOR)
    job_url = upload(client, _file(tmp_path, list(range(10, WORKERS))), full=True)
    job = session.scalars(sa.select(ImportJob)).one()
    stranger = session.scalar(
        sa.select(Participant.id).where(Participant.employer_id == other_employer.id)
    )
    values = {
        "tmt": first_day_of_next_month(clock.today()).isoformat(),
        "me": roster[_nik(0)].id,
        "other": stranger,
        "present": roster[_nik(50)].id,
    }
    data = {k.format(**values): v.format(**values) for k, v in form.items()}
    response = post_form(
        client, f"/impor/{job.id}/sinkron", data, token_from=job_url, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and message in text, re.findall(r"alert[^>]*>([^<]*)", text)
    assert session.scalar(sa.select(sa.func.count()).select_from(MutationBatch)) == 0


def test_viewers_see_no_import_and_cannot_make_the_draft(
    client, session, employer, users, roster, login_as, tmp_path
):
    from tests.conftest import login

    login_as(Role.OPERATOR)
    job_url = upload(client, _file(tmp_path, list(range(10, WORKERS))), full=True)
    job = session.scalars(sa.select(ImportJob)).one()
    token = csrf_token(client, job_url)
    client.post("/logout", data={"csrf_token": token})
    login(client, employer.code, Role.VIEWER.value)
    assert client.get(job_url).status_code == 403
    response = client.post(
        f"/impor/{job.id}/sinkron",
        data={"csrf_token": csrf_token(client, "/peserta"), "reason": "PENSIUN",
              "effective_date": first_day_of_next_month(clock.today()).isoformat()},
    )  # fmt: skip
    assert response.status_code == 403
    assert session.scalar(sa.select(sa.func.count()).select_from(MutationBatch)) == 0


def test_another_employers_job_is_not_found(
    client, session, employer, other_employer, roster, login_as, tmp_path
):
    from tests.conftest import login, make_user

    login_as(Role.OPERATOR)
    job_url = upload(client, _file(tmp_path, list(range(10, WORKERS))), full=True)
    job = session.scalars(sa.select(ImportJob)).one()
    make_user(session, other_employer, "tetangga", Role.ADMIN)
    client.post("/logout", data={"csrf_token": csrf_token(client, job_url)})
    login(client, other_employer.code, "tetangga")
    assert client.get(job_url).status_code == 404
    response = client.post(
        f"/impor/{job.id}/sinkron",
        data={"csrf_token": csrf_token(client, "/peserta"), "reason": "PENSIUN",
              "effective_date": first_day_of_next_month(clock.today()).isoformat()},
    )  # fmt: skip
    assert response.status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(MutationBatch)) == 0
