"""Roster upload → live progress → preview → commit → result, history, template and error
report downloads (web). The pipeline itself is `edabu_lite.roster.importing`."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.extensions import db
from edabu_lite.forms import ButtonForm
from edabu_lite.imports import liveness
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.forms import CommitForm, RosterUploadForm
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus, RowAction, StagedRow
from edabu_lite.imports.reports import error_report, issue_codes
from edabu_lite.issues import Issue
from edabu_lite.jobs.tasks import process_import
from edabu_lite.mutations.kinds import Reason
from edabu_lite.paging import page_number, paginate
from edabu_lite.roster import sync
from edabu_lite.roster.importing import ImportBlocked, ImportConflict, commit_roster
from edabu_lite.roster.sync_form import (
    PersonReasonError,
    SyncForm,
    person_reasons,
    sync_error_message,
)
from edabu_lite.security import get_scoped_or_404, role_required, scoped, web_actor
from edabu_lite.sheets.columns import ROSTER_COLUMNS
from edabu_lite.sheets.writer import write_template

bp = Blueprint("roster_import", __name__, template_folder="templates")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50
SYNC_PAGE_SIZE = 50
#: Dependants missing while their worker is in the file are named, not planned (`sync`).
SYNC_DEPENDANTS_SHOWN = 20
HISTORY_PAGE_SIZE = 30


def _job(job_id: int) -> ImportJob:
    return get_scoped_or_404(ImportJob, job_id)


@bp.get("/impor")
@role_required(Role.OPERATOR)
def upload():
    page = paginate(
        db.session,
        scoped(ImportJob)
        .where(ImportJob.kind == JobKind.ROSTER)
        .order_by(ImportJob.created_at.desc(), ImportJob.id.desc()),
        HISTORY_PAGE_SIZE,
    )
    return render_template(
        "roster/import_upload.html",
        form=RosterUploadForm(),
        history=page.items,
        page=page,
        max_mb=current_app.config["MAX_UPLOAD_MB"],
        max_rows=current_app.config["MAX_IMPORT_ROWS"],
    )


@bp.post("/impor")
@role_required(Role.OPERATOR)
def create():
    form = RosterUploadForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(url_for("roster_import.upload"))
    content = form.file.data.read()
    job = jobs.create_job(
        db.session,
        current_user.employer_id,
        JobKind.ROSTER,
        form.file.data.filename or "roster.xlsx",
        content,
        web_actor(),
        full_roster=form.full_roster.data,
    )

    process_import(job.id)
    return redirect(url_for("roster_import.job", job_id=job.id))


@bp.get("/impor/<int:job_id>")
@role_required(Role.OPERATOR)
def job(job_id: int):
    job = _job(job_id)
    if job.status in {JobStatus.QUEUED, JobStatus.PROCESSING}:
        stale = liveness.is_stale(job, current_app.config["JOB_STALE_SECONDS"])
        return render_template(
            "roster/import_progress.html", job=job, stale=stale, cancel_form=ButtonForm()
        )
    if job.kind == JobKind.MUTATION and job.status == JobStatus.VALIDATED:
        return redirect(url_for("mutations.from_job", job_id=job.id))
    page, filters = _preview_page(job)
    codes = issue_codes(db.session, job.id) if job.status == JobStatus.VALIDATED else []
    file_issues = [Issue.from_dict(i) for i in job.file_issues or []]
    return render_template(
        "roster/import_preview.html",
        job=job,
        page=page,
        filters=filters,
        codes=codes,
        file_issues=file_issues,
        commit_form=CommitForm(),
        cancel_form=ButtonForm(),
        decode=Issue.from_dict,
        can_retry=liveness.can_retry(db.session, job),
        sync=_sync_context(job) if sync.offered(job) else None,
    )


def _sync_context(job: ImportJob) -> dict[str, object]:
    """The "roster lengkap" part of the preview: who is missing from the file, a page of
    them (``?keluar=``, apart from the rows' own pages), and the draft form."""
    today = clock.today()
    summary = sync.summary(db.session, job, today)
    number = page_number(request.args, "keluar")
    page = sync.missing_page(
        db.session, job, today, number, SYNC_PAGE_SIZE, summary.missing_workers
    )
    args = {k: v for k, v in request.args.items() if k != "keluar"}

    def link(number: int) -> str:
        return url_for("roster_import.job", job_id=job.id, **args, keluar=number, _anchor="sync")

    dependants = sync.some_missing_dependants(db.session, job, today, SYNC_DEPENDANTS_SHOWN)
    form = SyncForm(effective_date=sync.default_tmt(today), reason=sync.DEFAULT_REASON.value)
    return {
        "summary": summary,
        "page": page,
        "prev_url": link(page.page - 1) if page.has_prev else None,
        "next_url": link(page.page + 1) if page.has_next else None,
        "dependants": dependants,
        "form": form,
        "draft": sync.existing_draft(db.session, job),  # shown instead of the form
    }


@bp.post("/impor/<int:job_id>/sinkron")
@role_required(Role.OPERATOR)
def sync_draft(job_id: int):
    """One draft batch deactivating the workers a "roster lengkap" left out."""
    job = _job(job_id)
    back = redirect(url_for("roster_import.job", job_id=job.id, _anchor="sync"))
    form = SyncForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        flash(_("Belum ada draf mutasi yang dibuat."), "danger")
        return back
    try:
        reasons = person_reasons(request.form)
        batch = sync.create_draft(
            db.session,
            job,
            Reason(form.reason.data),
            reasons,
            form.effective_date.data,
            web_actor(),
            today=clock.today(),
        )
    except PersonReasonError:
        flash(_("Alasan per peserta tidak dikenal. Belum ada draf mutasi yang dibuat."), "danger")
        return back
    except sync.SyncError as error:
        if error.code == "exists":  # a second click, a colleague first: their draft it is
            flash(sync_error_message(error), "warning")
            return redirect(url_for("mutations.batch", batch_id=error.params["batch"].id))
        flash(sync_error_message(error), "danger")
        return back
    flash(
        _("Draf mutasi dibuat untuk %(n)s peserta. Periksa lalu terapkan.", n=batch.items_count),
        "success",
    )
    return redirect(url_for("mutations.batch", batch_id=batch.id))


def _preview_page(job: ImportJob):  # type: ignore[no-untyped-def]
    args = request.args
    stmt = sa.select(StagedRow).where(StagedRow.job_id == job.id)
    show = args.get("tampil", "masalah" if job.error_rows or job.warning_rows else "semua")
    if show == "error":
        stmt = stmt.where(StagedRow.has_error)
    elif show == "peringatan":
        stmt = stmt.where(StagedRow.has_warning, StagedRow.has_error.is_(False))
    elif show == "masalah":
        stmt = stmt.where(sa.or_(StagedRow.has_error, StagedRow.has_warning))
    elif show in {a.value for a in RowAction}:
        stmt = stmt.where(StagedRow.action == RowAction(show))
    else:
        show = "semua"
    code = args.get("kode", "")
    if code:
        # Stored issue lists are JSON; a LIKE on the code string works on SQLite and PostgreSQL.
        stmt = stmt.where(sa.cast(StagedRow.issues, sa.Text).like(f'%"code": "{code}"%'))
    stmt = stmt.order_by(StagedRow.group_row, StagedRow.row)
    # A validated job's staged rows no longer change: each view is counted once.
    page = paginate(
        db.session,
        stmt,
        PAGE_SIZE,
        count_key=("preview", job.id, job.created_at, job.status.value, show, code),
        id_column=StagedRow.id,
        keyset=(StagedRow.group_row, StagedRow.row),
    )
    return page, {"tampil": show, "kode": code}


@bp.get("/impor/<int:job_id>/status.json")
@role_required(Role.OPERATOR)
def status(job_id: int):
    job = _job(job_id)
    return jsonify(
        {
            "status": job.status.value,
            "rows_read": job.rows_read,
            "rows_validated": job.rows_validated,
            "rows_expected": job.rows_expected,
            "finished": job.status.finished or job.status == JobStatus.VALIDATED,
        }
    )


@bp.post("/impor/<int:job_id>/commit")
@role_required(Role.OPERATOR)
def commit(job_id: int):
    job = _job(job_id)
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        commit_roster(db.session, job, web_actor(), valid_only=form.valid_only)
    except ImportBlocked:
        flash(
            _(
                "Masih ada %(n)s baris dengan kesalahan, jadi \u201cImpor semua\u201d tidak "
                "tersedia. Perbaiki berkas lalu unggah ulang, atau pilih \u201cImpor baris "
                "valid\u201d.",
                n=job.error_rows,
            ),
            "danger",
        )
    except ImportConflict as conflict:
        flash(
            _(
                "Data peserta %(nik)s berubah setelah pratinjau dibuat. Tidak ada yang disimpan. "
                "Unggah ulang berkas untuk melihat keadaan terbaru.",
                nik=conflict.masked_nik,
            ),
            "danger",
        )
    except jobs.JobStateError:
        flash(
            _(
                "Impor ini sudah diproses (status: %(status)s). Tidak ada yang disimpan dua kali.",
                status=job.status.value,
            ),
            "warning",
        )
    else:
        flash(
            _(
                "Impor selesai: %(i)s ditambahkan, %(u)s diperbarui, %(s)s dilewati.",
                i=job.inserted,
                u=job.updated,
                s=job.skipped,
            ),
            "success",
        )
    return redirect(url_for("roster_import.job", job_id=job.id))


@bp.post("/impor/<int:job_id>/batal")
@role_required(Role.OPERATOR)
def cancel(job_id: int):
    job = _job(job_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        jobs.cancel(
            db.session, job, web_actor(), stale_seconds=current_app.config["JOB_STALE_SECONDS"]
        )
    except jobs.JobStateError:
        flash(_("Impor ini tidak dapat dibatalkan lagi."), "warning")
    else:
        flash(_("Impor dibatalkan. Tidak ada data yang diubah."), "info")
    return redirect(url_for("roster_import.upload"))


@bp.post("/impor/<int:job_id>/coba-lagi")
@role_required(Role.OPERATOR)
def retry(job_id: int):
    """Run a failed job's upload again, as it was uploaded."""
    job = _job(job_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        liveness.retry(db.session, job, web_actor())
    except liveness.CannotRetry:
        flash(_("Impor ini tidak dapat dicoba lagi. Unggah berkasnya kembali."), "warning")
        return redirect(url_for("roster_import.job", job_id=job.id))

    process_import(job.id)
    return redirect(url_for("roster_import.job", job_id=job.id))


@bp.get("/impor/<int:job_id>/laporan.xlsx")
@role_required(Role.OPERATOR)
def report(job_id: int):
    job = _job(job_id)
    if job.status not in {JobStatus.VALIDATED, JobStatus.COMMITTED}:
        abort(404)
    buffer = io.BytesIO()
    error_report(db.session, job, buffer, gettext=_)
    buffer.seek(0)
    stem = job.filename.rsplit(".", 1)[0] or "roster"
    return send_file(
        buffer, mimetype=XLSX, as_attachment=True, download_name=f"{stem}-laporan.xlsx"
    )


@bp.get("/impor/template.xlsx")
@role_required(Role.VIEWER)
def template():
    buffer = io.BytesIO()
    write_template(buffer, ROSTER_COLUMNS, title=_("Data Peserta"), gettext=_)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"template-peserta-v1-{date.today():%Y%m%d}.xlsx",
    )
