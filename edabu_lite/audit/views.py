"""Audit viewer: the employer's events, filterable by NIK, user, action and date range."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import BULK_ACTION, AuditEvent
from edabu_lite.extensions import db
from edabu_lite.paging import paginate
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
    action = args.get("action", "").strip()
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
        if not BULK_ACTION.startswith(action.lower()):  # SQLite's LIKE ignores case
            # Said outright, so both databases see the action index (which leaves the
            # import's per-person events out) serves this filter.
            stmt = stmt.where(AuditEvent.action != BULK_ACTION)
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
    page = paginate(db.session, filtered_events().order_by(AuditEvent.seq.desc()), PAGE_SIZE)
    return render_template("audit/events.html", page=page, actions=event_actions())


def event_actions() -> list[str]:
    """The actions of the employer's events, for the filter's drop-down: the others from the
    action index, the import's per-person action (not in that index) when one exists."""
    employer = AuditEvent.employer_id == current_user.employer_id
    others = sa.select(AuditEvent.action).distinct()
    actions = set(db.session.scalars(others.where(employer, AuditEvent.action != BULK_ACTION)))
    bulk = sa.select(AuditEvent.id).where(employer, AuditEvent.action == BULK_ACTION).limit(1)
    if db.session.scalar(bulk) is not None:
        actions.add(BULK_ACTION)
    return sorted(actions)


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
