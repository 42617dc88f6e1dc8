"""The list's export from the web: at once for a short list, as a background job with a
progress page past EXPORT_JOB_ROWS; who may follow and download a job; a job whose worker
died; files, stored in the database, removed when they expire; the audit event of each
export."""

from __future__ import annotations

import io
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from edabu_lite import silent
from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.database import utcnow
from edabu_lite.demo import _as_stored
from edabu_lite.demo_data import generate_families
from edabu_lite.downloads import registry, upkeep
from edabu_lite.downloads.models import ExportFile, ExportJob, ExportKind, ExportStatus
from edabu_lite.downloads.operations import create_export
from edabu_lite.jobs.tasks import housekeeping
from edabu_lite.roster.models import Participant, Relationship
from edabu_lite.roster.operations import add_participants
from tests.conftest import TEST_ACTOR, login, make_user, post_form

#: Low in tests, so two pages of people (pages hold 50) make a background job.
THRESHOLD = 60


@pytest.fixture
def threshold(app) -> int:  # type: ignore[no-untyped-def]
    app.config["EXPORT_JOB_ROWS"] = THRESHOLD
    return THRESHOLD


def stored(session, number: int) -> bytes | None:  # type: ignore[no-untyped-def]
    """The job's file as the database holds it (what any web process would serve)."""
    return session.scalar(sa.select(ExportFile.content).where(ExportFile.job_id == number))


def leftovers(number: int) -> list[Path]:
    """The job's temporary files still on the consumer's disk."""
    return list(Path(tempfile.gettempdir()).glob(f"edabu-export-{number}-*"))


def people(session, employer, n: int, seed: int = 7) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = [_as_stored(row) for row in generate_families(n, seed=seed)]
    add_participants(session, employer.id, rows, TEST_ACTOR)
    session.commit()
    return rows


def workers(session, employer) -> set[str]:  # type: ignore[no-untyped-def]
    """The filter ``jenis=worker`` worked out apart from the code under test."""
    return set(
        session.scalars(
            sa.select(Participant.nik).where(
                Participant.employer_id == employer.id,
                Participant.relationship == Relationship.WORKER,
            )
        )
    )


def sheet_niks(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "NIK" and rows[0][18] == "Status"
    return [row[0] for row in rows[1:]]


def queued_job(session, employer, rows: int, filters: dict | None = None) -> ExportJob:  # type: ignore[no-untyped-def]
    """A job as asked, before any consumer took it."""
    return create_export(session, employer.id, ExportKind.ROSTER, TEST_ACTOR, filters=filters or {},
                         day=utcnow().date(), rows_total=rows, download_name="p.xlsx")  # fmt: skip


def downloaded(client, number: int):  # type: ignore[no-untyped-def]
    """The job's download, read and closed (the response holds the file open)."""
    with client.get(f"/peserta/ekspor/{number}/berkas.xlsx") as response:
        response.get_data()
        return response


def ask(client, **filters):  # type: ignore[no-untyped-def]
    return post_form(client, "/peserta/ekspor", filters, token_from="/peserta")


def job_id(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    found = re.fullmatch(r".*/peserta/ekspor/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR, Role.ADMIN])
def test_a_long_list_becomes_a_job_whose_file_holds_the_filtered_rows(
    role, client, session, employer, login_as, threshold
):
    people(session, employer, 200)
    expected = workers(session, employer)
    assert THRESHOLD < len(expected) < 200  # the filter matters, and it is past the threshold
    user = login_as(role)

    number = job_id(ask(client, jenis="worker"))
    job = session.get(ExportJob, number)
    assert (job.status, job.rows_total, job.rows_done) == (
        ExportStatus.DONE,
        len(expected),
        len(expected),
    )
    assert (job.user_id, job.filters, job.actor) == (user.id, {"jenis": "worker"}, user.username)

    page = client.get(f"/peserta/ekspor/{number}").get_data(as_text=True)
    assert 'data-testid="export-ready"' in page and f"/peserta/ekspor/{number}/berkas.xlsx" in page
    listed = client.get("/peserta").get_data(as_text=True)  # found again after closing the page
    assert f'href="/peserta/ekspor/{number}"' in listed and "siap" in listed
    download = downloaded(client, number)
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    assert download.headers["Content-Disposition"].startswith("attachment")
    niks = sheet_niks(download.data)
    assert len(niks) == len(expected) and set(niks) == expected
    assert download.data == stored(session, number) and job.file_size == len(download.data)
    assert leftovers(number) == []  # the consumer's temporary file is gone

    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "roster.export")).one()
    assert (event.actor, event.target_type, event.target_id) == (
        user.username,
        "export_job",
        str(number),
    )
    assert event.after == {"jenis": "worker", "rows": len(expected)}


def test_a_short_list_is_written_at_once_and_audited_the_same_way(
    client, session, employer, login_as, threshold
):
    people(session, employer, 200)
    login_as(Role.VIEWER)
    some = session.scalars(
        sa.select(Participant).where(Participant.employer_id == employer.id).limit(1)
    ).one()
    response = ask(client, q=some.nik)
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert sheet_niks(response.data) == [some.nik]
    assert session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "roster.export")).one()
    assert event.target_type is None and event.after == {"q": some.nik, "rows": 1}


def test_the_link_downloads_a_short_list_and_sends_a_long_one_to_the_button(
    client, session, employer, login_as, threshold
):
    people(session, employer, 200)
    login_as(Role.VIEWER)
    response = client.get("/peserta/ekspor.xlsx?jenis=worker")
    assert response.status_code == 302 and "/peserta?jenis=worker" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "terlalu banyak untuk diunduh langsung" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0
    assert client.get("/peserta/ekspor.xlsx?q=zzzz-nobody").data[:2] == b"PK"


def test_the_button_carries_the_lists_filter_and_needs_its_csrf_token(
    client, session, employer, login_as, threshold
):
    people(session, employer, 200)
    login_as(Role.VIEWER)
    page = client.get("/peserta?jenis=worker&status=AKTIF&urut=nama").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/peserta/ekspor">(.*?)</form>', page, re.S)
    assert form, "no export button"
    assert 'name="jenis" value="worker"' in form.group(1)
    assert 'name="status" value="AKTIF"' in form.group(1) and "urut" not in form.group(1)
    assert client.post("/peserta/ekspor", data={"jenis": "worker"}).status_code == 400


def test_another_employers_job_is_a_404_and_anonymous_users_are_sent_to_log_in(
    app, client, session, employer, other_employer, login_as, threshold
):
    people(session, employer, 200)
    login_as(Role.VIEWER)
    number = job_id(ask(client, jenis="worker"))
    paths = [f"/peserta/ekspor/{number}", f"/peserta/ekspor/{number}/status.json",
             f"/peserta/ekspor/{number}/berkas.xlsx"]  # fmt: skip

    anonymous = app.test_client()
    for path in paths:
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert anonymous.post("/peserta/ekspor", data={}).status_code in (302, 400)

    make_user(session, other_employer, "lain", Role.ADMIN)
    stranger = app.test_client()
    assert login(stranger, other_employer.code, "lain").status_code == 302
    for path in paths:
        assert stranger.get(path).status_code == 404, path
    # ...and the stranger's own export holds only the stranger's employer's people (none).
    response = post_form(stranger, "/peserta/ekspor", {}, token_from="/peserta")
    assert response.status_code == 200 and sheet_niks(response.data) == []


def test_the_progress_page_follows_the_job_with_and_without_javascript(
    client, session, employer, users, login_as, threshold
):
    login_as(Role.VIEWER)
    job = queued_job(session, employer, 12_000)
    page = client.get(f"/peserta/ekspor/{job.id}").get_data(as_text=True)
    assert "Menunggu giliran" in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page

    job.status, job.started_at, job.heartbeat_at = ExportStatus.RUNNING, utcnow(), utcnow()
    job.rows_done = 6_000
    session.commit()
    page = client.get(f"/peserta/ekspor/{job.id}").get_data(as_text=True)
    assert "Ditulis 6.000 dari 12.000 baris" in page and "w-50" in page
    assert client.get(f"/peserta/ekspor/{job.id}/status.json").get_json() == {
        "status": "running",
        "rows_read": 6_000,
        "rows_validated": 6_000,
        "rows_expected": 12_000,
        "finished": False,
    }
    # a job not yet written cannot be downloaded: its page says where it is
    response = client.get(f"/peserta/ekspor/{job.id}/berkas.xlsx")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{job.id}")


def test_a_job_whose_worker_died_is_swept_to_failed_with_a_clear_message(
    client, session, employer, users, login_as, threshold
):
    login_as(Role.OPERATOR)
    job = queued_job(session, employer, 9_000, {"q": "a"})
    long_ago = utcnow() - timedelta(minutes=10)
    job.status, job.started_at, job.heartbeat_at, job.rows_done = (
        ExportStatus.RUNNING, long_ago, long_ago, 2_000)  # fmt: skip
    session.commit()

    page = client.get(f"/peserta/ekspor/{job.id}").get_data(as_text=True)
    assert 'data-testid="stale"' in page  # silent too long: it says so before the sweep

    done = housekeeping(purge_too=True)
    assert done["swept_exports"] == [job.id] and done["export_files"] == 0  # none stored
    session.refresh(job)
    assert (job.status, job.error_detail) == (ExportStatus.FAILED, silent.STOPPED)
    assert job.removed_at is not None
    page = client.get(f"/peserta/ekspor/{job.id}").get_data(as_text=True)
    assert "pemroses latar belakang berhenti" in page and 'data-testid="export-again"' in page
    assert 'name="q" value="a"' in page  # "export again" asks for the same list
    assert client.get(f"/peserta/ekspor/{job.id}/status.json").get_json()["finished"] is True


def test_a_job_swept_while_its_worker_still_wrote_stores_nothing(
    client, session, employer, login_as, threshold, monkeypatch
):
    """The sweep failed it (the worker looked dead) before it finished: its page says
    failed, so the file it finishes is not stored, and the temporary file goes too."""
    people(session, employer, 200)
    login_as(Role.VIEWER)
    write = registry.writer(ExportKind.ROSTER)
    written: list[str] = []

    def slow(session, job, out, progress):  # type: ignore[no-untyped-def]
        rows = write(session, job, out, progress)
        assert upkeep.sweep(session, 120, now=utcnow() + timedelta(minutes=5)) == [job.id]
        written.append(out)
        return rows

    monkeypatch.setitem(registry._WRITERS, ExportKind.ROSTER, slow)
    number = job_id(ask(client, jenis="worker"))
    job = session.get(ExportJob, number)
    assert (job.status, job.error_detail) == (ExportStatus.FAILED, silent.STOPPED)
    assert stored(session, number) is None and written and not Path(written[0]).exists()
    assert client.get(f"/peserta/ekspor/{number}/berkas.xlsx").status_code == 302


def test_a_job_that_beats_is_not_swept(session, employer, users, threshold):
    job = queued_job(session, employer, 9_000)
    job.status, job.started_at, job.heartbeat_at = ExportStatus.RUNNING, utcnow(), utcnow()
    session.commit()
    assert upkeep.sweep(session, stale_seconds=120) == []
    assert upkeep.sweep(session, 120, now=utcnow() + timedelta(seconds=121)) == [job.id]


def test_an_error_while_writing_fails_the_job_and_leaves_no_file(
    client, session, employer, login_as, threshold, monkeypatch
):
    people(session, employer, 200)
    login_as(Role.VIEWER)

    written: list[str] = []

    def broken(session, job, out, progress):  # type: ignore[no-untyped-def]
        written.append(out)
        Path(out).write_bytes(b"partial")
        progress(10)
        raise RuntimeError("disk full")

    monkeypatch.setitem(registry._WRITERS, ExportKind.ROSTER, broken)
    number = job_id(ask(client, jenis="worker"))
    job = session.get(ExportJob, number)
    assert job.status == ExportStatus.FAILED and "disk full" in job.error_detail
    assert stored(session, number) is None and not Path(written[0]).exists()
    page = client.get(f"/peserta/ekspor/{number}").get_data(as_text=True)
    assert "Ekspor gagal karena kesalahan di server" in page and "disk full" not in page


def test_no_room_for_the_temporary_file_fails_the_job_not_the_request(
    client, session, employer, login_as, threshold, monkeypatch
):
    people(session, employer, 200)
    login_as(Role.VIEWER)

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", full)
    number = job_id(ask(client, jenis="worker"))
    job = session.get(ExportJob, number)
    assert job.status == ExportStatus.FAILED and "No space left" in job.error_detail
    assert stored(session, number) is None


def test_an_expired_file_is_removed_and_its_link_says_so(
    client, session, employer, login_as, threshold
):
    people(session, employer, 200)
    login_as(Role.VIEWER)
    number = job_id(ask(client, jenis="worker"))
    job = session.get(ExportJob, number)
    assert stored(session, number)[:2] == b"PK"
    assert job.expires_at - job.finished_at == timedelta(hours=24)

    assert upkeep.purge(session).jobs == []  # not yet due
    # Past its time, it is no longer offered even before the purge removes it...
    job.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    response = client.get(f"/peserta/ekspor/{number}/berkas.xlsx")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{number}")
    page = client.get(f"/peserta/ekspor/{number}").get_data(as_text=True)
    assert "sudah dihapus" in page and "berkas.xlsx" not in page
    # ...and the purge removes the file and marks the job, once.
    assert upkeep.purge(session).jobs == [number]
    assert stored(session, number) is None and session.get(ExportJob, number).removed_at
    assert upkeep.purge(session).jobs == []
    page = client.get(f"/peserta/ekspor/{number}").get_data(as_text=True)
    assert 'data-testid="export-expired"' in page and 'data-testid="export-again"' in page
    assert 'data-testid="recent-exports"' not in client.get("/peserta").get_data(as_text=True)


def test_a_file_no_longer_stored_is_said_so_not_served(
    client, session, employer, login_as, threshold
):
    """Its content deleted behind the job's back (by hand, a restore without it): the page
    says the file is not found rather than offering a download that fails."""
    people(session, employer, 200)
    login_as(Role.VIEWER)
    number = job_id(ask(client, jenis="worker"))
    session.execute(sa.delete(ExportFile).where(ExportFile.job_id == number))
    session.commit()
    assert client.get(f"/peserta/ekspor/{number}/berkas.xlsx").status_code == 302
    assert "tidak ditemukan di server" in client.get(f"/peserta/ekspor/{number}").get_data(
        as_text=True
    )


def test_the_job_pages_read_well_in_both_languages_in_every_state(
    client, session, employer, login_as, threshold
):
    people(session, employer, 200)
    login_as(Role.VIEWER)
    done = job_id(ask(client, jenis="worker"))
    failed = queued_job(session, employer, 9_000)
    failed.status, failed.error_detail = ExportStatus.FAILED, silent.STOPPED
    queued = queued_job(session, employer, 9_000)
    session.commit()
    post_form(client, "/bahasa", {"locale": "en", "next": "/peserta"}, token_from="/peserta")
    english = {n: client.get(f"/peserta/ekspor/{n}").get_data(as_text=True)
               for n in (done, failed.id, queued.id)}  # fmt: skip
    assert "File ready" in english[done]
    assert "background worker stopped" in english[failed.id]
    assert "Waiting for its turn" in english[queued.id]


def test_a_few_thousand_people_export_in_a_job_with_its_progress(
    app, client, session, employer, login_as, threshold
):
    app.config["EXPORT_JOB_ROWS"] = 2_000
    rows = people(session, employer, 3_000, seed=11)
    seen: list[int] = []
    write = registry.writer(ExportKind.ROSTER)

    def watched(session, job, out, progress):  # type: ignore[no-untyped-def]
        def told(n: int) -> None:
            progress(n)
            with session.get_bind().connect() as other:  # what the progress page reads
                stored = other.scalar(sa.select(ExportJob.rows_done).where(ExportJob.id == job.id))
            seen.append((n, stored))

        return write(session, job, out, told)

    registry.register(ExportKind.ROSTER, watched)
    try:
        login_as(Role.ADMIN)
        number = job_id(ask(client))
    finally:
        registry.register(ExportKind.ROSTER, write)
    assert seen == [(2_000, 2_000), (3_000, 3_000)]  # written after each chunk of rows
    niks = sheet_niks(downloaded(client, number).data)
    assert len(niks) == 3_000 and set(niks) == {row["nik"] for row in rows}
