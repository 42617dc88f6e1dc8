"""Rekonsiliasi tagihan (web): upload the bill copied from e-Dabu's Rincian Tagihan for a
month, see the differences with the tool's Rincian Iuran, or download them as xlsx.

Who: every role, viewers included. The reconciliation changes no data (its only write is its
own audit event) and shows nothing a viewer cannot already read on Rincian Iuran and the
participant pages, beyond the bill the user brings; checking the bill is often finance's
task, whose staff hold viewer accounts. The upload is read with the same size and zip-bomb
limits as a roster upload.

Nothing of the bill is kept (no file, no row, no result): the comparison runs on the upload
and answers at once, so there is no later page to page through. The page lists the first
`SHOWN` differences of each kind with the complete counts; the download (the form's second
button, the same upload) holds every difference.
"""

from __future__ import annotations

import io

from flask import Blueprint, current_app, render_template, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, SubmitField

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.contributions import operations as ops
from edabu_lite.contributions import reconcile as rec
from edabu_lite.contributions.bill_sheet import BillRejected, read_bill
from edabu_lite.contributions.reconcile_export import KIND_LABELS, export_differences, why_text
from edabu_lite.extensions import db
from edabu_lite.forms import Form
from edabu_lite.months import add_months
from edabu_lite.security import role_required, web_actor

bp = Blueprint("reconcile", __name__, template_folder="templates")

#: Differences of each kind listed on the page (the counts and the download are complete).
SHOWN = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReconcileForm(Form):
    month = StringField(_l("Bulan tagihan"))
    file = FileField(
        _l("Rincian Tagihan dari e-Dabu (.xlsx)"),
        validators=[
            FileRequired(_l("Pilih berkas .xlsx untuk diunggah.")),
            FileAllowed(["xlsx"], _l("Hanya berkas Excel .xlsx yang diterima.")),
        ],
    )
    show = SubmitField(_l("Bandingkan"))
    download = SubmitField(_l("Bandingkan dan unduh (xlsx)"))


@bp.get("/iuran/rekonsiliasi")
@role_required(Role.VIEWER)
def upload():
    form = ReconcileForm()
    form.month.data = f"{clock.today():%Y-%m}"
    return _form_page(form)


@bp.post("/iuran/rekonsiliasi")
@role_required(Role.VIEWER)
def run():
    form = ReconcileForm()
    if not form.validate_on_submit():
        return _form_page(form), 400
    month = ops.parse_month(form.month.data)
    if month is None:
        form.month.errors = [_("Tulis bulan sebagai YYYY-MM, mis. %(example)s.",
                               example=f"{clock.today():%Y-%m}")]  # fmt: skip
        return _form_page(form), 400
    config = current_app.config
    try:
        bill = read_bill(
            form.file.data.stream,
            max_bytes=config["MAX_UPLOAD_MB"] * 1024 * 1024,
            max_rows=config["MAX_IMPORT_ROWS"],
            today=clock.today(),
        )
    except BillRejected as rejected:
        return _form_page(form, rejected=rejected), 422
    employer = current_user.employer
    result = rec.run(db.session, employer, month, bill, web_actor())
    if form.download.data:
        buffer = io.BytesIO()
        export_differences(result, buffer, _)
        buffer.seek(0)
        return send_file(
            buffer,
            as_attachment=True,
            download_name=f"rekonsiliasi-{employer.code}-{month:%Y-%m}.xlsx",
            mimetype=XLSX,
        )
    return render_template(
        "contributions/reconcile_result.html",
        form=form,
        result=result,
        kinds=rec.KINDS,
        kind_labels=KIND_LABELS,
        why_text=lambda d: why_text(d, _),
        shown=SHOWN,
        **_form_args(),
    )


def _form_page(form: ReconcileForm, rejected: BillRejected | None = None):  # type: ignore[no-untyped-def]
    return render_template(
        "contributions/reconcile.html", form=form, rejected=rejected, **_form_args()
    )


def _form_args() -> dict[str, object]:
    """What the upload form shows: the size limit and the months offered (two years back
    to next month, as on Rincian Iuran; any month can be typed)."""
    this_month = clock.today().replace(day=1)
    return {
        "max_mb": current_app.config["MAX_UPLOAD_MB"],
        "earliest": f"{add_months(this_month, -24):%Y-%m}",
        "latest": f"{add_months(this_month, 1):%Y-%m}",
    }
