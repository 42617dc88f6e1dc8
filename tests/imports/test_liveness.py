"""Jobs whose worker stopped are swept to failed and can run again; retention purges what
finished jobs leave behind but keeps their summary and audit events."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from edabu_lite import silent
from edabu_lite.accounts.models import Role, UserSession
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import Actor
from edabu_lite.database import utcnow
from edabu_lite.extensions import db
from edabu_lite.imports import liveness
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportFile, ImportJob, JobKind, JobStatus, StagedRow
from edabu_lite.imports.retention import purge
from edabu_lite.imports.runner import run_job
from edabu_lite.roster.importing import commit_roster
from tests.conftest import post_form
from tests.factories import family
from tests.imports.test_import_web import upload
from tests.sheet_factory import write_roster

ACTOR = Actor("hr", "cli")


def queued(session, employer, tmp_path):  # type: ignore[no-untyped-def]
    content = write_roster(tmp_path / "roster.xlsx", family()).read_bytes()
    return jobs.create_job(session, employer.id, JobKind.ROSTER, "roster.xlsx", content, ACTOR)


def stuck(session, job, seconds_ago: int = 600) -> None:  # type: ignore[no-untyped-def]
    """The job as a worker killed mid-way leaves it."""
    jobs.start_processing(session, job)
    job.heartbeat_at = utcnow() - timedelta(seconds=seconds_ago)
    session.commit()


def test_a_silent_job_is_swept_to_failed_and_keeps_its_upload(session, employer, tmp_path):
    job = queued(session, employer, tmp_path)
    stuck(session, job)
    fresh = queued(session, employer, tmp_path)
    stuck(session, fresh, seconds_ago=5)  # still beating: left alone
    assert liveness.sweep(session, stale_seconds=120).failed == [job.id]
    session.refresh(job)
    assert (job.status, job.error_detail) == (JobStatus.FAILED, silent.STOPPED)
    assert liveness.can_retry(session, job)
    assert liveness.sweep(session, stale_seconds=120).failed == []  # once only
    session.refresh(fresh)
    assert fresh.status == JobStatus.PROCESSING


def test_a_failed_job_runs_again_from_its_upload_and_commits(session, employer, tmp_path):
    job = queued(session, employer, tmp_path)
    stuck(session, job)
    liveness.sweep(session, stale_seconds=120)
    liveness.retry(session, job, ACTOR)
    assert job.status == JobStatus.QUEUED and job.error_detail is None
    run_job(session, job.id)
    assert job.status == JobStatus.VALIDATED and job.planned_inserts == 4
    commit_roster(session, job, ACTOR)
    assert job.status == JobStatus.COMMITTED and job.inserted == 4
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert "roster_import.retry" in actions


def test_only_a_stale_processing_job_may_be_cancelled(session, employer, tmp_path):
    job = queued(session, employer, tmp_path)
    stuck(session, job, seconds_ago=5)
    try:
        jobs.cancel(session, job, ACTOR, stale_seconds=120)
    except jobs.JobStateError:
        pass
    else:  # pragma: no cover - the assertion below says why
        raise AssertionError("a job whose worker still beats was cancelled")
    job.heartbeat_at = utcnow() - timedelta(minutes=10)
    session.commit()
    jobs.cancel(session, job, ACTOR, stale_seconds=120)
    assert job.status == JobStatus.CANCELLED


def test_the_heartbeat_beats_from_its_own_connection(app, session, employer, tmp_path):
    job = queued(session, employer, tmp_path)
    jobs.start_processing(session, job)
    before = job.heartbeat_at
    with liveness.heartbeat(db.engine, job.id, every=0.05):
        time.sleep(0.3)
    session.expire_all()
    assert session.get(ImportJob, job.id).heartbeat_at > before


def test_a_failure_is_recorded_even_when_the_session_lost_its_connection(
    session, employer, tmp_path
):
    job_id = queued(session, employer, tmp_path).id
    jobs.start_processing(session, session.get(ImportJob, job_id))
    session.connection().invalidate()  # as after a database restart
    jobs.fail(session, job_id, "OperationalError: server closed the connection")
    failed = session.get(ImportJob, job_id)
    assert failed.status == JobStatus.FAILED and "server closed" in failed.error_detail


def test_purge_drops_rows_and_files_but_keeps_summary_and_audit(session, employer, tmp_path):
    old = queued(session, employer, tmp_path)
    run_job(session, old.id)
    commit_roster(session, old, ACTOR)
    draft = queued(session, employer, tmp_path)
    run_job(session, draft.id)  # a preview nobody committed
    recent = queued(session, employer, tmp_path)
    run_job(session, recent.id)
    session.add(UserSession(id="x" * 64, user_id=_any_user(session, employer)))
    session.commit()
    events_before = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    for job, days in ((old, 40), (draft, 8)):
        job.finished_at = utcnow() - timedelta(days=days)
    session.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(days=40)))
    session.commit()
    done = purge(session, retention_days=30, draft_days=7)
    assert sorted(done.jobs) == sorted([old.id, draft.id]) and done.expired == [draft.id]
    assert done.sessions == 1
    for job in (old, draft):
        session.refresh(job)
        assert job.purged_at is not None
        assert not session.scalar(sa.select(sa.func.count()).where(StagedRow.job_id == job.id))
        assert not session.scalar(sa.select(sa.func.count()).where(ImportFile.job_id == job.id))
    assert old.status == JobStatus.COMMITTED and old.inserted == 4  # the summary stays
    assert (draft.status, draft.error_detail) == (JobStatus.CANCELLED, "draft_expired")
    session.refresh(recent)
    assert recent.status == JobStatus.VALIDATED and recent.purged_at is None
    events = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert events == events_before  # no audit event is purged
    assert purge(session, retention_days=30, draft_days=7).jobs == []


def _any_user(session, employer):  # type: ignore[no-untyped-def]
    from tests.conftest import make_user

    return make_user(session, employer, "lama", Role.VIEWER).id


def test_the_failed_page_offers_to_try_again(client, session, employer, login_as, tmp_path):
    login_as(Role.OPERATOR)
    job_url = upload(client, write_roster(tmp_path / "a.xlsx", family())).headers["Location"]
    job = session.scalars(sa.select(ImportJob)).one()
    session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job.id)
        .values(status=JobStatus.FAILED, error_detail=silent.STOPPED)
    )
    session.commit()
    page = client.get(job_url).get_data(as_text=True)
    assert "pemroses latar belakang berhenti" in page and 'data-testid="retry"' in page
    post_form(client, f"/impor/{job.id}/coba-lagi", {}, token_from=job_url)
    session.expire_all()
    assert session.get(ImportJob, job.id).status == JobStatus.VALIDATED  # ran again (inline)
    assert "Siap ditinjau" in client.get(job_url).get_data(as_text=True)


def test_a_silent_job_page_offers_cancel(client, session, employer, login_as, tmp_path):
    login_as(Role.OPERATOR)
    job = queued(session, employer, tmp_path)
    stuck(session, job)
    page = client.get(f"/impor/{job.id}").get_data(as_text=True)
    assert 'data-testid="stale"' in page
    post_form(client, f"/impor/{job.id}/batal", {}, token_from=f"/impor/{job.id}")
    session.expire_all()
    assert session.get(ImportJob, job.id).status == JobStatus.CANCELLED
