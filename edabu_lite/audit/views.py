"""Audit viewer: the employer's events, filterable by NIK, user, action and date range."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user

from edabu_lite.accounts.models import Role
from edabu_lite.audit.exports import export_events
from edabu_lite.audit.models import BULK_ACTION, AuditEvent
from edabu_lite.database import contains_text, digits_prefix
from edabu_lite.extensions import db
from edabu_lite.paging import Page, page_number, paginate
from edabu_lite.roster.models import Participant
from edabu_lite.security import role_required, scoped

bp = Blueprint("audit", __name__, template_folder="templates")

PAGE_SIZE = 50


#: Dates a filter can mean; beyond them a day is ignored (9999-12-31 + 1 day overflowed).
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)


def _parse_day(raw: str | None) -> date | None:
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is None or EARLIEST <= day <= LATEST else None


#: Most participants a name filter looks for (their events are found by NIK, indexed).
NAME_MATCHES = 1000
NIK_LENGTH = 16


class FilterError(ValueError):
    """A filter value that cannot mean anything: the page says so and lists nothing."""


def nik_digits(text: str) -> str | None:
    """The digits a NIK filter means: a full NIK or its first digits (spaces, dots and
    hyphens as people type them are ignored), None for no filter; `FilterError` for text
    that cannot start a NIK."""
    typed = "".join(ch for ch in text if ch not in " .-")
    if not typed:
        return None
    if not typed.isascii() or not typed.isdigit() or len(typed) > NIK_LENGTH:
        raise FilterError("nik")
    return typed


def filtered_events(args: Mapping[str, str] | None = None) -> sa.Select:
    """The viewer's filters as a scoped SELECT; raises `FilterError` for a NIK filter that
    is not digits (it would otherwise silently list everything)."""
    args = request.args if args is None else args
    stmt = scoped(AuditEvent)
    digits = nik_digits(args.get("nik", ""))
    if digits:
        stmt = stmt.where(digits_prefix(AuditEvent.nik, digits, NIK_LENGTH))
    actor = args.get("actor", "").strip()
    if actor:
        stmt = stmt.where(contains_text(db.session, AuditEvent.actor, actor))
    name = args.get("nama", "").strip()
    if name:
        people = (
            scoped(Participant)
            .with_only_columns(Participant.nik)
            .where(contains_text(db.session, Participant.name, name))
            .limit(NAME_MATCHES)
        )
        stmt = stmt.where(AuditEvent.nik.in_(list(db.session.scalars(people))))
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
    try:
        stmt = filtered_events()
    except FilterError:
        stmt, invalid = None, "nik"
    else:
        invalid = None
    if stmt is None:
        page = Page(items=[], page=1, per_page=PAGE_SIZE, total=0)
    elif not any(request.args.get(key) for key in FILTERS):
        page = _whole_trail_page()
    else:
        employer = current_user.employer
        filters = tuple(request.args.get(key, "") for key in FILTERS)
        page = paginate(
            db.session,
            stmt.order_by(AuditEvent.seq.desc()),
            PAGE_SIZE,
            count_key=("audit", employer.id, employer.created_at, employer.audit_seq, filters),
            id_column=AuditEvent.id,
        )
    return render_template(
        "audit/events.html",
        page=page,
        actions=event_actions(),
        names=target_names(page.items),
        changes=changed_fields,
        invalid=invalid,
    )


FILTERS = ("nik", "nama", "actor", "action", "from", "to")


def _whole_trail_page() -> Page:
    """A page of the unfiltered trail, straight from the sequence: the employer's events are
    numbered 1..audit_seq without gaps (appended only, the chain says if one went missing),
    so page N is a range of seq, whatever its depth, and the count is the head's number."""
    top = current_user.employer.audit_seq
    last = max(1, -(-top // PAGE_SIZE))
    number = min(page_number(request.args), last)
    newest = top - (number - 1) * PAGE_SIZE
    items = db.session.scalars(
        scoped(AuditEvent)
        .where(AuditEvent.seq <= newest, AuditEvent.seq > newest - PAGE_SIZE)
        .order_by(AuditEvent.seq.desc())
    ).all()
    return Page(items=items, page=number, per_page=PAGE_SIZE, total=top)


def target_names(events: Sequence[AuditEvent]) -> dict[str, str]:
    """The names of the participants these events are about, by NIK (one query)."""
    niks = {e.nik for e in events if e.nik}
    if not niks:
        return {}
    rows = db.session.execute(
        scoped(Participant)
        .with_only_columns(Participant.nik, Participant.name)
        .where(Participant.nik.in_(niks))
    )
    return dict(rows.all())


def changed_fields(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """(field, before, after) of what an update changed, in a stable order. An insert (no
    before) lists nothing: its target says who was added, and all of a new person's fields
    would bury the list."""
    before, after = event.before, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    fields = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return [(k, before.get(k), after.get(k)) for k in fields]


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
    try:
        stmt = filtered_events()
    except FilterError:
        abort(400)
    buffer = io.BytesIO()
    export_events(db.session, stmt, buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        as_attachment=True,
        download_name="audit.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
