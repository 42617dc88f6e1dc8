"""Beranda (home page with the employer's participant counts) and the language switch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import (
    Blueprint,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user

from edabu_lite import clock
from edabu_lite.accounts import operations as account_ops
from edabu_lite.accounts.models import Role
from edabu_lite.database import utcnow
from edabu_lite.extensions import db
from edabu_lite.home import charts, dashboard, refresh, snapshots
from edabu_lite.i18n import SESSION_KEY, supported
from edabu_lite.mutations.models import BatchStatus
from edabu_lite.roster import attention
from edabu_lite.security import role_required, safe_path

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
@role_required(Role.VIEWER)
def index():
    """Beranda: counts by status, segment and class, "Perlu tindakan", the charts (images
    with their own requests), recent work. The counts are read from the snapshot the
    refresh job keeps (`snapshots`); stale ones are shown with the time they are of while a
    refresh is asked for."""
    today, employer = clock.today(), current_user.employer
    shown = snapshots.for_page(db.session, employer, today)
    if shown.refresh:
        refresh.request(employer.id)
    batches = dashboard.batches_waiting(db.session, employer.id)
    return render_template(
        "home/index.html",
        people=shown.value,
        stale_note=_stale_note(shown.as_of),
        needs=_needs(shown.value, batches),
        recent=dashboard.recent(db.session, employer.id),
        today=today,
    )


def _stale_note(as_of: datetime | None) -> str | None:
    """ "Angka per 09:12; sedang diperbarui." for numbers that are not today's data (with the
    date when they are of an earlier day, in WIB)."""
    if as_of is None:
        return None
    same_day = to_user_timezone(as_of).date() == to_user_timezone(utcnow()).date()
    moment = format_datetime(as_of, "HH:mm" if same_day else "dd-MM-yyyy HH:mm")
    return _("Angka per %(time)s; sedang diperbarui.", time=moment)


def _needs(people: dashboard.People, batches: Mapping[str, int]) -> list[tuple[str, int, str]]:
    """(what, how many, where it is handled) of each "Perlu tindakan" item with any."""
    items = []
    submitted, draft = BatchStatus.SUBMITTED.value, BatchStatus.DRAFT.value
    if current_user.role.allows(Role.ADMIN) and batches.get(submitted):
        where = url_for("mutations.batches", status=submitted)
        items.append((_("Mutasi menunggu persetujuan"), batches[submitted], where))
    for key, text in attention.LABELS.items():
        if people.needs.get(key):
            items.append((_(text), people.needs[key], url_for("roster.participants", perlu=key)))
    if batches.get(draft):
        where = url_for("mutations.batches", status=draft)
        items.append((_("Pratinjau mutasi belum diterapkan"), batches[draft], where))
    return items


@bp.get("/beranda/grafik/peserta.svg")
@role_required(Role.VIEWER)
def movers_chart():
    """Joiners and leavers per month, as SVG (pygal), from the snapshot."""
    employer = current_user.employer
    shown = snapshots.movers_for_chart(db.session, employer, clock.today())
    if shown.refresh:
        refresh.request(employer.id)
    title = _chart_title(_("Peserta masuk dan keluar per bulan"), shown.as_of)
    return _svg(charts.movers_chart(shown.value, _("Masuk"), _("Keluar"), title))


@bp.get("/beranda/grafik/iuran.svg")
@role_required(Role.VIEWER)
def contribution_chart():
    """The month's total contribution per month, as SVG (pygal), from the snapshot."""
    employer = current_user.employer
    shown = snapshots.bills_for_chart(db.session, employer, clock.today())
    if shown.refresh:
        refresh.request(employer.id)
    title = _chart_title(_("Iuran per bulan"), shown.as_of)
    return _svg(charts.contribution_chart(shown.value, _("Jumlah tagihan"), title))


def _chart_title(title: str, as_of: datetime | None) -> str:
    """A stale chart says so in the image itself (its request may come after the page's)."""
    note = _stale_note(as_of)
    return f"{title}\n{note}" if note else title


def _svg(svg: bytes):  # type: ignore[no-untyped-def]
    response = make_response(svg)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["Content-Security-Policy"] = charts.CSP
    return response


@bp.post("/bahasa")
def set_language():
    """Switch the UI language; remembered on the account when logged in. CSRF-protected."""
    choice = request.form.get("locale", "")
    if choice in supported():
        session[SESSION_KEY] = choice
        if current_user.is_authenticated:
            account_ops.set_locale(db.session, current_user, choice)
    return redirect(safe_path(request.form.get("next"), url_for("home.index")))
