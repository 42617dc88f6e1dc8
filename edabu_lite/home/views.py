"""Beranda (home page with the employer's participant counts) and the language switch."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from edabu_lite import clock
from edabu_lite.accounts import operations as account_ops
from edabu_lite.accounts.models import Role
from edabu_lite.extensions import db
from edabu_lite.i18n import SESSION_KEY, supported
from edabu_lite.roster.models import Participant, Relationship, Status, status_in_effect
from edabu_lite.security import role_required, safe_path, scoped

bp = Blueprint("home", __name__, template_folder="templates")


def participant_counts(employer_id: int, day: date) -> dict[str, int]:
    """Counts for the home page in one grouped query, by the status in effect on ``day``."""
    status = status_in_effect(day)
    rows = db.session.execute(
        sa.select(status, Participant.relationship, sa.func.count())
        .where(Participant.employer_id == employer_id)
        .group_by(status, Participant.relationship)
    ).all()
    counts = {"active_workers": 0, "active_dependants": 0, "inactive": 0, "mandiri": 0, "total": 0}
    for status, relationship, count in rows:
        counts["total"] += count
        if status == Status.ACTIVE:
            is_worker = relationship == Relationship.WORKER
            counts["active_workers" if is_worker else "active_dependants"] += count
        elif status == Status.MOVED_TO_MANDIRI:
            counts["mandiri"] += count
        else:
            counts["inactive"] += count
    return counts


@bp.get("/")
@role_required(Role.VIEWER)
def index():
    today = clock.today()
    counts = participant_counts(current_user.employer_id, today)
    recent = db.session.scalars(
        scoped(Participant).order_by(Participant.updated_at.desc(), Participant.id.desc()).limit(5)
    ).all()
    return render_template("home/index.html", counts=counts, recent=recent, today=today)


@bp.post("/bahasa")
def set_language():
    """Switch the UI language; remembered on the account when logged in. CSRF-protected."""
    choice = request.form.get("locale", "")
    if choice in supported():
        session[SESSION_KEY] = choice
        if current_user.is_authenticated:
            account_ops.set_locale(db.session, current_user, choice)
    return redirect(safe_path(request.form.get("next"), url_for("home.index")))
