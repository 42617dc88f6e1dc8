"""A newborn without a NIK through the roster import, end to end (SQLite, and PostgreSQL
with TEST_DATABASE_URL): registered with a warning, found again by worker, name and birth
date, and the same person once their NIK arrives; then the list, the person's page, the
export and the mutation form show them right."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import Actor, verify_chain
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus, RowAction, StagedRow
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.rules import MutationKind, PhkProof, Reason, Request
from edabu_lite.roster.importing import Limits, commit_roster, stage_roster
from edabu_lite.roster.models import Participant, Status
from edabu_lite.sheets.columns import ROSTER_EXPORT_COLUMNS
from tests.conftest import TEST_ACTOR, post_form
from tests.factories import family
from tests.imports.test_import_web import upload
from tests.mutations.test_mutation_web import plan_from_list
from tests.sheet_factory import write_roster

LIMITS = Limits(max_bytes=20 * 1024 * 1024, max_rows=10_000)
TODAY = date(2026, 11, 22)
WORKER_NIK = "3273015507900001"


ACTION = re.compile(r'data-action="([a-z_.]+)"')
WORDS = ("Nol", "Satu", "Dua", "Tiga", "Empat", "Lima", "Enam", "Tujuh", "Delapan", "Sembilan")


def baby_nik(born: date) -> str:
    """The NIK Dukcapil gives a boy born on ``born`` (the date part matches)."""
    return f"327301{born:%d%m%y}0005"


def with_baby(born: date, nik: str | None = None, **overrides: object) -> list[dict[str, object]]:
    rows = family()
    baby = {
        **rows[3],
        "nik": nik,
        "name": "Bayi Hartono",
        "birth_date": born,
        "sex": "L",
        **overrides,
    }
    return [*rows, baby]


def stage(session, employer, path, today: date = TODAY) -> ImportJob:  # type: ignore[no-untyped-def]
    content = path.read_bytes()
    job = jobs.create_job(session, employer.id, JobKind.ROSTER, path.name, content, TEST_ACTOR)
    jobs.start_processing(session, job)
    return stage_roster(session, job, io.BytesIO(content), LIMITS, today=today)


def staged(session, job) -> dict[int, StagedRow]:  # type: ignore[no-untyped-def]
    rows = session.scalars(sa.select(StagedRow).where(StagedRow.job_id == job.id)).all()
    return {r.row: r for r in rows}


def babies(session, employer) -> list[Participant]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            sa.select(Participant)
            .where(Participant.employer_id == employer.id, Participant.name.like("Bayi%"))
            .order_by(Participant.id)
        )
    )


def test_a_newborn_is_registered_found_again_and_given_their_nik(session, employer, tmp_path):
    born = TODAY - timedelta(days=20)
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", with_baby(born)))
    assert job.status == JobStatus.VALIDATED and job.error_rows == 0
    row = staged(session, job)[6]
    assert row.action == RowAction.INSERT and row.nik is None
    assert [i["code"] for i in row.issues] == ["nik.newborn_pending"]
    assert job.issue_counts == {"nik.newborn_pending": 1}
    commit_roster(session, job, TEST_ACTOR)
    assert job.inserted == 5
    [baby] = babies(session, employer)
    worker = session.scalars(sa.select(Participant).where(Participant.nik == WORKER_NIK)).one()
    assert baby.nik is None and baby.worker_id == worker.id and baby.birth_date == born
    inserted = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.target_id == str(baby.id), AuditEvent.target_type == "participant"
        )
    ).one()
    assert inserted.nik is None and inserted.after["nik"] is None

    # The same file again: the baby is found by worker, name and birth date.
    again = stage(session, employer, write_roster(tmp_path / "b.xlsx", with_baby(born)))
    assert (again.planned_inserts, again.planned_updates, again.planned_unchanged) == (0, 0, 5)
    assert staged(session, again)[6].participant_id == baby.id
    assert again.issue_counts == {"nik.newborn_pending": 1}  # no family.extra_member, no dup
    commit_roster(session, again, TEST_ACTOR)

    # A changed field is an update of the same child.
    moved = with_baby(born, birth_place="Cimahi")
    changed = stage(session, employer, write_roster(tmp_path / "c.xlsx", moved))
    assert (changed.planned_inserts, changed.planned_updates) == (0, 1)
    assert staged(session, changed)[6].changes == {"birth_place": ["Bandung", "Cimahi"]}
    commit_roster(session, changed, TEST_ACTOR)

    # The NIK arrives: the same participant, now with it; nothing else changes.
    baby_nik_now = baby_nik(born)
    given = with_baby(born, baby_nik_now, birth_place="Cimahi")
    arrival = stage(session, employer, write_roster(tmp_path / "d.xlsx", given))
    assert (arrival.planned_inserts, arrival.planned_updates, arrival.error_rows) == (0, 1, 0)
    planned = staged(session, arrival)[6]
    assert planned.participant_id == baby.id and planned.changes == {"nik": [None, baby_nik_now]}
    assert arrival.issue_counts == {}
    commit_roster(session, arrival, TEST_ACTOR)
    assert arrival.updated == 1
    session.expire_all()
    [baby_now] = babies(session, employer)
    assert (baby_now.id, baby_now.nik, baby_now.version) == (baby.id, baby_nik_now, 3)
    event = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "participant.import_update", AuditEvent.nik == baby_nik_now
        )
    ).one()
    assert event.before == {"nik": None} and event.after == {"nik": baby_nik_now}
    assert event.target_id == str(baby.id) and event.target_label == "3273********0005"
    assert verify_chain(session, employer.id).ok

    # From now on the child is keyed by NIK like everyone else.
    last = stage(session, employer, write_roster(tmp_path / "e.xlsx", given))
    assert (last.planned_inserts, last.planned_updates, last.planned_unchanged) == (0, 0, 5)


def test_a_nik_for_a_child_of_another_name_or_worker_is_a_new_child(session, employer, tmp_path):
    born = TODAY - timedelta(days=5)
    commit_roster(
        session, stage(session, employer, write_roster(tmp_path / "a.xlsx", with_baby(born))),
        TEST_ACTOR,
    )  # fmt: skip
    other = with_baby(born, baby_nik(born), name="Bayi Lain")
    job = stage(session, employer, write_roster(tmp_path / "b.xlsx", other))
    assert (job.planned_inserts, job.planned_updates) == (1, 0)


def test_two_newborns_alike_are_a_duplicate_and_twins_are_two(session, employer, tmp_path):
    born = TODAY - timedelta(days=2)
    rows = with_baby(born)
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", [*rows, rows[-1]]))
    row = staged(session, job)[7]
    assert row.has_error and row.action != RowAction.INSERT
    assert [(i["code"], i["params"]) for i in row.issues if i["code"] == "row.duplicate_nik"] == [
        ("row.duplicate_nik", {"other_row": 6, "problem": "newborn"})
    ]
    twins = [*rows, {**rows[-1], "name": "Bayi Hartono Dua", "sex": "P"}]
    job = stage(session, employer, write_roster(tmp_path / "b.xlsx", twins))
    assert (job.error_rows, job.planned_inserts) == (0, 6)
    commit_roster(session, job, TEST_ACTOR)
    assert [b.nik for b in babies(session, employer)] == [None, None]
    again = stage(session, employer, write_roster(tmp_path / "c.xlsx", twins))
    assert (again.planned_inserts, again.planned_unchanged, again.error_rows) == (0, 6, 0)


def test_a_child_past_the_window_and_an_orphan_newborn_are_refused(session, employer, tmp_path):
    late = with_baby(TODAY - timedelta(days=91))
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", late))
    row = staged(session, job)[6]
    assert row.has_error and [i["code"] for i in row.issues] == ["nik.required"]
    assert row.issues[0]["params"] == {"problem": "newborn_window", "days": 90}
    orphan = with_baby(TODAY, worker_nik="3273010101900009")[-1:]
    job = stage(session, employer, write_roster(tmp_path / "b.xlsx", orphan))
    codes = [i["code"] for i in staged(session, job)[2].issues]
    assert codes == ["nik.newborn_pending", "family.worker_missing"]


def test_the_web_shows_a_newborn_waiting_for_a_nik_then_with_it(
    client, session, employer, login_as, tmp_path
):
    """Preview → commit → list (two pages), person page, export, mutation form → the NIK."""
    login_as(Role.OPERATOR)
    today = date.today()  # the web's import runs on the real day
    born = today - timedelta(days=10)
    extra = [
        {**family()[0], "nik": f"327301550790{n + 100:04d}", "kk": f"32730120011{n:05d}",
         "name": f"Pekerja {WORDS[n % 10]} {WORDS[n // 10]}", "employee_number": f"E{n}"}
        for n in range(1, 60)
    ]  # fmt: skip
    rows = [*with_baby(born), *extra]
    job_url = upload(client, write_roster(tmp_path / "bayi.xlsx", rows)).headers["Location"]
    preview = client.get(job_url).get_data(as_text=True)
    assert "Bayi baru lahir, NIK menyusul" in preview  # the code's label
    assert "Bayi baru lahir didaftarkan tanpa NIK" in preview  # its message
    job = session.scalars(sa.select(ImportJob)).one()
    assert job.warning_rows >= 1 and job.error_rows == 0
    assert post_form(client, f"/impor/{job.id}/commit", {}, token_from=job_url).status_code == 302
    [baby] = babies(session, employer)

    # The list: two pages; the baby shows as waiting wherever they fall.
    first = client.get("/peserta?urut=nama").get_data(as_text=True)
    second = client.get("/peserta?urut=nama&page=2").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first
    both = first + second
    assert both.count(f'href="/peserta/{baby.id}"') == 1
    assert "NIK menunggu" in both
    by_nik = client.get("/peserta?urut=nik").get_data(as_text=True) + client.get(
        "/peserta?urut=nik&page=2"
    ).get_data(as_text=True)
    assert by_nik.count(f'href="/peserta/{baby.id}"') == 1
    found = client.get("/peserta?q=Bayi").get_data(as_text=True)
    assert f'href="/peserta/{baby.id}"' in found and "NIK menunggu" in found

    duplicates = client.get("/peserta/data-ganda")
    assert duplicates.status_code == 200
    assert f'href="/peserta/{baby.id}"' not in duplicates.get_data(as_text=True)

    page = client.get(f"/peserta/{baby.id}").get_data(as_text=True)
    assert "NIK menunggu (bayi baru lahir)" in page
    assert ACTION.findall(page) == ["participant.import_insert"]

    # The export: an empty NIK cell, and the file reads back unchanged.
    export = client.get("/peserta/ekspor.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    nik_at, name_at = headers.index("NIK"), headers.index("Nama Lengkap")
    [baby_row] = [r for r in sheet.iter_rows(min_row=2, values_only=True)
                  if r[name_at] == "Bayi Hartono"]  # fmt: skip
    assert baby_row[nik_at] in (None, "")
    assert len(headers) == len(ROSTER_EXPORT_COLUMNS)
    back = tmp_path / "ekspor.xlsx"
    back.write_bytes(export.data)
    again_url = upload(client, back).headers["Location"]
    again = session.scalars(sa.select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert (again.planned_inserts, again.planned_updates, again.error_rows) == (0, 0, 0)
    assert again.planned_unchanged == len(rows)
    assert client.get(again_url).status_code == 200

    # A mutation cannot name the baby (no NIK yet): said plainly.
    response = plan_from_list(
        client, baby.id, reason="MENINGGAL", phk_proof="", event_date=today.isoformat(), note=""
    )
    assert response.status_code == 302
    batch = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bayi Hartono belum memiliki NIK (bayi baru lahir)" in batch
    # With their worker selected too, the worker's item carries them: no error.
    worker = session.scalars(sa.select(Participant).where(Participant.nik == WORKER_NIK)).one()
    both = plan_from_list(client, worker.id, participant_id=[str(worker.id), str(baby.id)])
    batch = client.get(both.headers["Location"]).get_data(as_text=True)
    assert "belum memiliki NIK" not in batch and "Bayi Hartono" in batch

    # The NIK arrives by upload: the same person, the page shows it and the whole history.
    baby_nik_now = baby_nik(born)
    with_nik = [*with_baby(born, baby_nik_now), *extra]
    nik_url = upload(client, write_roster(tmp_path / "nik.xlsx", with_nik)).headers["Location"]
    nik_job = session.scalars(sa.select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert (nik_job.planned_inserts, nik_job.planned_updates) == (0, 1)
    post_form(client, f"/impor/{nik_job.id}/commit", {}, token_from=nik_url)
    session.expire_all()
    [baby_now] = babies(session, employer)
    assert baby_now.id == baby.id and baby_now.nik == baby_nik_now
    page = client.get(f"/peserta/{baby.id}").get_data(as_text=True)
    assert baby_nik_now in page and "NIK menunggu" not in page
    # the NIK's arrival, and the registration before it (an event without a NIK)
    assert ACTION.findall(page) == ["participant.import_update", "participant.import_insert"]
    assert "3273********0005" in page  # the history's change: – → the masked NIK


def test_the_audit_trail_pages_and_export_take_events_without_a_nik(
    client, session, employer, login_as, tmp_path
):
    born = date.today() - timedelta(days=1)
    path = write_roster(tmp_path / "a.xlsx", with_baby(born))
    commit_roster(session, stage(session, employer, path, date.today()), TEST_ACTOR)
    login_as(Role.ADMIN)
    page = client.get("/audit")
    assert page.status_code == 200 and "participant.import_insert" in page.get_data(as_text=True)
    assert client.get("/audit?nik=3273").status_code == 200
    export = client.get("/audit/ekspor.xlsx")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.data)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) >= 6  # header, five people (one without a NIK), the job


def test_a_worker_s_mutation_carries_their_newborn_along(session, employer, users, tmp_path):
    """The newborn has no NIK to be named by, but leaves (and is audited) with the worker."""
    born = TODAY - timedelta(days=30)
    job = stage(session, employer, write_roster(tmp_path / "a.xlsx", with_baby(born)))
    commit_roster(session, job, TEST_ACTOR)
    maker = Actor("operator", "web", users[Role.OPERATOR].id)
    request = Request(MutationKind.DEACTIVATE, Reason.PHK, event_date=TODAY - timedelta(days=8),
                      phk_proof=PhkProof.A)  # fmt: skip
    batch = ops.plan_batch(
        session, employer.id, [ops.ItemInput(nik=WORKER_NIK, request=request, row=2)], maker,
        source="web", today=TODAY,
    )  # fmt: skip
    assert batch.error_items == 0 and batch.affected == 5
    ops.apply_batch(session, batch, maker)
    session.expire_all()
    [baby] = babies(session, employer)
    assert baby.status == Status.INACTIVE and baby.end_reason == "PHK"
    event = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.target_id == str(baby.id), AuditEvent.batch_id == batch.id
        )
    ).one()
    assert event.nik is None
    assert verify_chain(session, employer.id).ok
