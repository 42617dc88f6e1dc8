"""Audit viewer: the employer's events, filterable by NIK, user, action and date range."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.extensions import db
from edabu_lite.security import role_required, scoped

bp = Blueprint("audit", __name__, template_folder="templates")

PAGE_SIZE = 50


def _parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def filtered_events() -> sa.Select:
    stmt = scoped(AuditEvent)
    args = request.args
    nik = "".join(ch for ch in args.get("nik", "") if ch.isdigit())
    if nik:
        stmt = stmt.where(AuditEvent.nik == nik)
    if args.get("actor"):
        stmt = stmt.where(AuditEvent.actor == args["actor"].strip())
    if args.get("action"):
        stmt = stmt.where(AuditEvent.action.startswith(args["action"].strip()))
    start, end = _parse_day(args.get("from")), _parse_day(args.get("to"))
    if start:
        stmt = stmt.where(AuditEvent.created_at >= datetime.combine(start, datetime.min.time()))
    if end:
        stmt = stmt.where(
            AuditEvent.created_at < datetime.combine(end + timedelta(days=1), datetime.min.time())
        )
    return stmt


@bp.get("/audit")
@role_required(Role.VIEWER)
def events():
    page = db.paginate(
        filtered_events().order_by(AuditEvent.seq.desc()), per_page=PAGE_SIZE, error_out=False
    )
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .distinct()
        .where(AuditEvent.employer_id == current_user.employer_id)
        .order_by(AuditEvent.action)
    ).all()
    return render_template("audit/events.html", page=page, actions=actions)


@bp.get("/audit/ekspor.xlsx")
@role_required(Role.VIEWER)
def export():
    """The filtered events as xlsx (the same filters as the page)."""
    import io

    from flask import send_file

    from edabu_lite.audit.exports import export_events

    buffer = io.BytesIO()
    export_events(db.session, filtered_events(), buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        as_attachment=True,
        download_name="audit.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
