"""Rincian Iuran (web): a month's bill with its lines, the comparison with last month and the
download; next month's outlook; the rates (admins add an entry, everyone sees them)."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.contributions import operations as ops
from edabu_lite.contributions.exports import export_bill
from edabu_lite.contributions.forms import RatesForm
from edabu_lite.extensions import db
from edabu_lite.issues import N_
from edabu_lite.labels import label
from edabu_lite.months import add_months
from edabu_lite.paging import Page, page_number
from edabu_lite.security import role_required, web_actor

bp = Blueprint("contributions", __name__, template_folder="templates")

PAGE_SIZE = 50
HISTORY_MONTHS = 24
SETTING_MESSAGES = {
    "contribution.not_first_of_month": N_("Pilih bulan berlakunya."),
    "contribution.negative": N_("Angka tidak boleh negatif."),
    "contribution.required": N_("Isi semua tarif dan batas (kecuali batas bawah gaji)."),
    "contribution.rate_too_high": N_("Tarif paling tinggi 100%."),
}


def _asked_month(today: date) -> date:
    raw = request.args.get("bulan")
    month = ops.parse_month(raw)
    if month is None:
        if raw:
            flash(_("Bulan tidak dikenali; ditampilkan bulan ini. Tulis bulan sebagai YYYY-MM."))
        month = today.replace(day=1)
    return month


@bp.get("/iuran")
@role_required(Role.VIEWER)
def bill():
    today = clock.today()
    month = _asked_month(today)
    employer = current_user.employer
    the_bill = ops.bill_for(db.session, employer, month)
    pages = max(1, -(-the_bill.workers // PAGE_SIZE))
    number = min(page_number(request.args), pages)
    items = ops.bill_page(db.session, the_bill, employer.id, number, PAGE_SIZE)
    page = Page(items=items, page=number, per_page=PAGE_SIZE, total=the_bill.workers)
    return render_template(
        "contributions/bill.html",
        bill=the_bill,
        page=page,
        comparison=ops.compare(db.session, employer, month),
        mandiri=ops.mandiri_for(db.session, employer, the_bill),
        previous=add_months(month, -1),
        following=add_months(month, 1),
        # the links browse two years back and up to next month (any month by its address)
        earliest=add_months(today.replace(day=1), -HISTORY_MONTHS),
        latest=add_months(today.replace(day=1), 1),
        this_month=today.replace(day=1),
        today=today,
    )


@bp.get("/iuran/ekspor.xlsx")
@role_required(Role.VIEWER)
def export():
    month = _asked_month(clock.today())
    employer = current_user.employer
    buffer = io.BytesIO()
    export_bill(db.session, ops.bill_for(db.session, employer, month), employer.id, buffer, _)
    buffer.seek(0)
    return send_file(
        buffer,
        as_attachment=True,
        download_name=f"iuran-{employer.code}-{month:%Y-%m}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/iuran/bulan-depan")
@role_required(Role.VIEWER)
def outlook():
    today, employer = clock.today(), current_user.employer
    now = ops.bill_for(db.session, employer, today)
    ahead = ops.next_month(db.session, employer, today)
    rows = [
        (_("Bulan ini (%(month)s)", month=f"{now.month:%m-%Y}"), now, None),
        (_("Bulan depan, perubahan terjadwal"), ahead.scheduled, None),
    ]
    for batch, bill in ahead.steps:
        text = _(
            "+ batch #%(id)s (%(status)s)", id=batch.id, status=label(batch.status, "batch_status")
        )
        rows.append((text, bill, url_for("mutations.batch", batch_id=batch.id)))
    deltas = [None] + [
        b.total - a[1].total for a, b in zip(rows, (r[1] for r in rows[1:]), strict=False)
    ]
    return render_template(
        "contributions/outlook.html",
        rows=[(*row, delta) for row, delta in zip(rows, deltas, strict=True)],
        steps=ahead.steps,
        month=ahead.scheduled.month,
    )


@bp.get("/iuran/tarif")
@role_required(Role.VIEWER)
def rates():
    form = RatesForm()
    today = clock.today()
    form.fill(ops.setting_for(db.session, current_user.employer_id, today))
    form.effective_month.data = f"{add_months(today.replace(day=1), 1):%Y-%m}"
    return _rates_page(form)


@bp.post("/iuran/tarif")
@role_required(Role.ADMIN)
def add_rates():
    """A new entry from a month (an entry of the same month is replaced), audited."""
    form = RatesForm()
    if form.validate():
        month = ops.parse_month(form.effective_month.data)
        if month is None:
            form.effective_month.errors = [_("Tulis bulan YYYY-MM.")]
        else:
            try:
                ops.add_setting(
                    db.session, current_user.employer, month, form.values(), web_actor(),
                    note=form.note.data,
                )  # fmt: skip
            except ops.SettingError as error:
                flash(_(SETTING_MESSAGES[error.code]), "danger")
            else:
                flash(_("Tarif baru berlaku mulai %(month)s.", month=f"{month:%m-%Y}"), "success")
                return redirect(url_for("contributions.rates"))
    return _rates_page(form)


def _rates_page(form: RatesForm):  # type: ignore[no-untyped-def]
    employer = current_user.employer
    return render_template(
        "contributions/rates.html",
        form=form,
        in_force=ops.setting_for(db.session, employer.id, clock.today()),
        history=ops.settings_history(db.session, employer.id),
        can_edit=current_user.role.allows(Role.ADMIN),
    )
