"""``/api/v1/roster-imports``: upload a roster sheet, follow its job, page its issues, commit.

The same job as the web's upload (`imports.operations.create_job`, then `process_import` on
the queue) and the same commit (`roster.importing.commit_roster`), so a sheet sent by an HR
system is read, checked and stored exactly as one uploaded by a person. Only roster imports
are shown here: mutation sheets are the web's; an HR system sends mutations as
``/mutation-batches`` items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint

from edabu_lite.accounts.models import Role
from edabu_lite.api import auth, paging
from edabu_lite.api.errors import ApiError
from edabu_lite.api.idempotency import idempotent
from edabu_lite.api.import_schemas import (
    CommitSchema,
    ImportJobSchema,
    IssueArgs,
    IssuePageSchema,
    UploadSchema,
)
from edabu_lite.api.schemas import ErrorSchema
from edabu_lite.api.setup import guarded
from edabu_lite.extensions import db
from edabu_lite.imports import liveness
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.models import ImportJob, JobKind, JobStatus, StagedRow
from edabu_lite.issues import Issue
from edabu_lite.jobs.tasks import process_import
from edabu_lite.roster.importing import ImportBlocked, ImportConflict, commit_roster
from edabu_lite.roster.importing.summary import (
    file_issues,
    job_counts,
    row_issues,
    rows_with_issues,
)

blp = guarded(
    Blueprint(
        "roster_imports",
        __name__,
        url_prefix="/roster-imports",
        description="Impor roster: upload a roster sheet, follow it, commit it.",
    )
)

#: What an endpoint returns for flask-smorest to write: the data, the status, headers.
Reply = tuple[dict[str, Any], int, dict[str, str]]

#: Error issues a refused commit (import.blocked) lists; the rest are on the issues pages.
BLOCKED_ISSUES_SHOWN = 50


@blp.route("", methods=["POST"])
@auth.token_required(Role.OPERATOR)
@idempotent
@blp.arguments(UploadSchema, location="multipart")
@blp.response(202, ImportJobSchema)
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def upload(form: dict[str, Any]) -> Reply:
    """Upload a roster sheet.

    multipart/form-data with `file` (the .xlsx) and optional `full_roster`. The job is
    checked in the background: poll the Location (the job) until its status is
    `validated` (then commit), `rejected` (the file cannot be read: see `file_issues`) or
    `failed`. A body over MAX_UPLOAD_MB is refused with 413 `file.too_large`; a file over
    the limits once read (rows, unpacked size) becomes a `rejected` job."""
    upload = form["file"]
    job = jobs.create_job(
        db.session,
        auth.employer().id,
        JobKind.ROSTER,
        upload.filename or "roster.xlsx",
        upload.read(),
        auth.actor(),
        full_roster=form["full_roster"],
    )
    job_id = job.id
    process_import(job_id)  # inline when the queue runs tasks immediately (tests, demo)
    job = _job(job_id)
    location = url_for("roster_imports.get_import", job_id=job_id)
    return as_dict(job), 202, {"Location": location}


@blp.route("/<int:job_id>", methods=["GET"])
@auth.token_required(Role.VIEWER)
@blp.response(200, ImportJobSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_import(job_id: int) -> dict[str, Any]:
    """The job: its status, counts (planned until committed), progress and file issues."""
    return as_dict(_job(job_id))


@blp.route("/<int:job_id>/issues", methods=["GET"])
@auth.token_required(Role.VIEWER)
@blp.arguments(IssueArgs, location="query", as_kwargs=True)
@blp.response(200, IssuePageSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def list_issues(
    job_id: int, limit: int, cursor: str | None, severity: str | None = None
) -> dict[str, Any]:
    """The job's issues, paged.

    In sheet order, optionally of one `severity` (error or warning), paged by rows: a page
    holds the issues of the next `limit` rows that have any (the file's own issues, with
    `row` null, come first on the first page); page on with `next_cursor`."""
    job = _job(job_id)
    items = file_issues(job, severity) if not cursor else []
    rows, next_cursor = paging.page(
        db.session,
        rows_with_issues(job.id, severity),
        StagedRow.row,
        cursor,
        limit,
        key=lambda staged: staged.row,
    )
    for staged in rows:
        items += row_issues(staged.issues, severity)
    return {"items": [i.to_dict(_) for i in items], "next_cursor": next_cursor}


@blp.route("/<int:job_id>/commit", methods=["POST"])
@auth.token_required(Role.OPERATOR)
@blp.arguments(CommitSchema, required=False)
@blp.response(200, ImportJobSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def commit(choice: dict[str, Any], job_id: int) -> dict[str, Any]:
    """Commit a validated job.

    Stores its rows as the web's "Impor semua" does (or, with
    `valid_only: true`, "Impor N baris valid": only error-free whole families). A job with
    errors is refused without `valid_only` (422 `import.blocked`); a job that is not
    `validated` (still being checked, already committed, rejected…) is 409."""
    job = _job(job_id)
    if job.status != JobStatus.VALIDATED:
        raise _not_committable(job)
    try:
        commit_roster(db.session, job, auth.actor(), valid_only=choice["valid_only"])
    except ImportBlocked:
        raise ApiError(
            422,
            "import.blocked",
            _(
                "%(n)s baris berisi kesalahan, jadi tidak ada yang disimpan. Perbaiki berkas "
                "lalu unggah ulang, atau commit dengan valid_only=true untuk menyimpan baris "
                "yang valid saja. Semua kesalahan: GET .../issues?severity=error.",
                n=job.error_rows,
            ),
            _blocking_issues(job),
        ) from None
    except ImportConflict as conflict:
        raise ApiError(
            409,
            "import.conflict",
            _(
                "Data peserta %(nik)s berubah setelah pratinjau dibuat. Tidak ada yang disimpan. "
                "Unggah ulang berkas untuk melihat keadaan terbaru.",
                nik=conflict.masked_nik,
            ),
        ) from None
    except jobs.JobStateError:  # another request committed or cancelled it meanwhile
        db.session.refresh(job)
        raise _not_committable(job) from None
    return as_dict(job)


# --------------------------------------------------------------------------- helpers


def as_dict(job: ImportJob) -> dict[str, Any]:
    """A job for `ImportJobSchema`."""
    committed = job.status == JobStatus.COMMITTED
    stale = job.status == JobStatus.PROCESSING and liveness.is_stale(
        job, current_app.config["JOB_STALE_SECONDS"]
    )
    return {
        "id": job.id,
        "status": job.status.value,
        "message": _status_message(job),
        "filename": job.filename,
        "full_roster": job.full_roster,
        "valid_only": job.valid_only,
        "created_at": _utc(job.created_at),
        "finished_at": _utc(job.finished_at),
        "committed_at": _utc(job.committed_at),
        "purged_at": _utc(job.purged_at),
        "counts": {
            **job_counts(job, planned=not committed),
            "skipped": job.skipped,
            "planned": not committed,
        },
        "progress": {
            "rows_read": job.rows_read,
            "rows_validated": job.rows_validated,
            "rows_expected": job.rows_expected,
            "stale": stale,
        },
        "issue_counts": dict(job.issue_counts or {}),
        "file_issues": [i.to_dict(_) for i in file_issues(job)],
    }


def _utc(moment: datetime | None) -> datetime | None:
    """Stored times are naive UTC: say so in the answer."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


def _job(job_id: int) -> ImportJob:
    """The employer's roster import ``job_id``; 404 for anything else (another employer's,
    or a mutation sheet's job)."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.employer_id != auth.employer().id or job.kind != JobKind.ROSTER:
        raise ApiError(404, "not_found", _("Impor roster tidak ditemukan."))
    return job


def _status_message(job: ImportJob) -> str:
    status = job.status
    if status == JobStatus.VALIDATED and job.error_rows:
        return _(
            "Pratinjau siap: %(n)s baris berisi kesalahan. Commit dengan valid_only=true untuk "
            "menyimpan baris yang valid saja, atau perbaiki berkas lalu unggah ulang.",
            n=job.error_rows,
        )
    if status == JobStatus.COMMITTED:
        return _(
            "Impor selesai: %(i)s ditambahkan, %(u)s diperbarui, %(s)s dilewati.",
            i=job.inserted,
            u=job.updated,
            s=job.skipped,
        )
    messages = {
        JobStatus.QUEUED: _("Berkas diterima dan menunggu diperiksa. Tanyakan lagi sebentar."),
        JobStatus.PROCESSING: _("Berkas sedang diperiksa; lihat progress."),
        JobStatus.VALIDATED: _("Pratinjau siap tanpa kesalahan: periksa counts, lalu commit."),
        JobStatus.REJECTED: _("Berkas tidak dapat diproses; alasannya ada di file_issues."),
        JobStatus.FAILED: _(
            "Pemeriksaan gagal karena kesalahan tak terduga; tidak ada yang disimpan. Unggah "
            "ulang berkasnya, dan hubungi admin bila berulang."
        ),
        JobStatus.COMMITTING: _("Impor sedang disimpan."),
        JobStatus.CANCELLED: _("Impor dibatalkan. Tidak ada data yang diubah."),
    }
    return messages[status]


def _not_committable(job: ImportJob) -> ApiError:
    return ApiError(
        409,
        "import.state",
        _(
            "Impor ini berstatus %(status)s, jadi tidak dapat di-commit; hanya impor berstatus "
            "validated yang dapat di-commit (sekali).",
            status=job.status.value,
        ),
    )


def _blocking_issues(job: ImportJob) -> list[Issue]:
    """The first error issues of the job, in sheet order."""
    found = file_issues(job, "error")
    stmt = rows_with_issues(job.id, "error").order_by(StagedRow.row).limit(BLOCKED_ISSUES_SHOWN)
    for staged in db.session.scalars(stmt):  # each has an error
        found += row_issues(staged.issues, "error")
    return found[:BLOCKED_ISSUES_SHOWN]
