"""The participant list as a roster sheet (contract §2b), from the web.

A list of up to ``EXPORT_JOB_ROWS`` people is written in the request and downloaded at
once; a longer one becomes a background job (`downloads`): a progress page that follows it
(with JavaScript, or by reloading itself without), then its download until the file
expires. Every user of the employer who may read the list (viewer and up) may follow and
download its jobs; another employer's job is a 404. Each export, either way, is audited.
"""

from __future__ import annotations

import io
from datetime import date

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
from edabu_lite.downloads import upkeep
from edabu_lite.downloads.models import ExportJob, ExportKind, ExportStatus
from edabu_lite.downloads.operations import (
    create_export,
    file_for,
    has_file,
    is_expired,
    record_export,
)
from edabu_lite.extensions import db
from edabu_lite.forms import ButtonForm
from edabu_lite.i18n import format_thousands
from edabu_lite.jobs.tasks import process_export
from edabu_lite.roster.exports import export_roster
from edabu_lite.roster.listing import FILTER_KEYS, count
from edabu_lite.roster.views import filtered_participants
from edabu_lite.security import get_scoped_or_404, role_required, web_actor

bp = Blueprint("roster_export", __name__, template_folder="templates")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(args) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What a job keeps of the request: the list's filter, without empty values."""
    return {key: args.get(key, "").strip() for key in FILTER_KEYS if args.get(key, "").strip()}


@bp.post("/peserta/ekspor")
@role_required(Role.VIEWER)
def create():
    """The list's "download" button: the file at once, or a job past ``EXPORT_JOB_ROWS``."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    filters = _filters(request.form)
    people = filtered_participants(filters)
    total = count(db.session, people)
    if total > current_app.config["EXPORT_JOB_ROWS"]:
        day = clock.today()
        job = create_export(
            db.session,
            current_user.employer_id,
            ExportKind.ROSTER,
            web_actor(),
            filters=filters,
            day=day,
            rows_total=total,
            download_name=_download_name(day),
        )
        process_export(job.id)
        return redirect(url_for("roster_export.job", export_id=job.id), code=303)
    return _send_now(people, filters)


@bp.get("/peserta/ekspor.xlsx")
@role_required(Role.VIEWER)
def download_list():
    """The same for a link (a bookmark, a script): only a list short enough to write now;
    a longer one is sent back to the list, whose button starts the job."""
    filters = _filters(request.args)
    people = filtered_participants(filters)
    total = count(db.session, people)
    if total > current_app.config["EXPORT_JOB_ROWS"]:
        flash(
            _(
                "Daftar ini berisi %(n)s peserta, terlalu banyak untuk diunduh langsung. Tekan "
                "\u201cUnduh daftar ini (xlsx)\u201d: berkasnya disiapkan di latar belakang.",
                n=format_thousands(total),
            ),
            "info",
        )
        return redirect(url_for("roster.participants", **filters))
    return _send_now(people, filters)


def _download_name(day: date) -> str:
    return f"peserta-{current_user.employer.code}-{day:%Y%m%d}.xlsx"


def _send_now(people, filters: dict[str, str]):  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    day = clock.today()  # once: the file's name and its statuses say the same day
    name = _download_name(day)
    rows = export_roster(db.session, people, buffer, day=day)
    record_export(
        db.session, current_user.employer_id, web_actor(), ExportKind.ROSTER, name, filters, rows
    )
    db.session.commit()
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=name, mimetype=XLSX)


@bp.get("/peserta/ekspor/<int:export_id>")
@role_required(Role.VIEWER)
def job(export_id: int):
    """The job's page: progress while it runs, then its download, its failure, or that its
    file was removed."""
    job = get_scoped_or_404(ExportJob, export_id)
    config = current_app.config
    return render_template(
        "roster/export_job.html",
        job=job,
        running=not job.status.finished,
        stale=upkeep.is_stale(job, config["JOB_STALE_SECONDS"]),
        gone=job.status == ExportStatus.DONE and not has_file(db.session, job),
        expired=is_expired(job),
        keep_hours=config["EXPORT_KEEP_HOURS"],
        again_form=ButtonForm(),
    )


@bp.get("/peserta/ekspor/<int:export_id>/status.json")
@role_required(Role.VIEWER)
def status(export_id: int):
    """For the progress script (static/js/import.js, shared with the import's page)."""
    job = get_scoped_or_404(ExportJob, export_id)
    return jsonify(
        {
            "status": job.status.value,
            "rows_read": job.rows_done,
            "rows_validated": job.rows_done,
            "rows_expected": job.rows_total,
            "finished": job.status.finished,
        }
    )


@bp.get("/peserta/ekspor/<int:export_id>/berkas.xlsx")
@role_required(Role.VIEWER)
def download(export_id: int):
    job = get_scoped_or_404(ExportJob, export_id)
    content = file_for(db.session, job)
    if content is None:  # not ready, failed, removed: the job's page says which
        return redirect(url_for("roster_export.job", export_id=job.id))
    return send_file(
        io.BytesIO(content), as_attachment=True, download_name=job.download_name, mimetype=XLSX
    )
