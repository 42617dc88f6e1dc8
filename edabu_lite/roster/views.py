"""Participant list (search, filters, paging) and participant detail (web)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from sqlalchemy.orm import selectinload

from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.extensions import db
from edabu_lite.paging import paginate
from edabu_lite.roster.models import Participant, Relationship, Status
from edabu_lite.security import get_scoped_or_404, role_required, scoped

bp = Blueprint("roster", __name__, template_folder="templates")

PAGE_SIZE = 50


def filtered_participants(args: Mapping[str, str]) -> sa.Select:
    """The list's filter (search, status, kind) as a scoped SELECT; also used by "select
    all matching" on the mutation form, so both see exactly the same people."""
    stmt = scoped(Participant)
    query = args.get("q", "").strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        conditions = [
            Participant.name.icontains(query, autoescape=True),
            Participant.employee_number == query,
        ]
        if len(digits) >= 4:
            # NIK/KK prefixes are region codes: prefix search is what HR staff type.
            conditions += [Participant.nik.startswith(digits), Participant.kk.startswith(digits)]
        stmt = stmt.where(sa.or_(*conditions))
    status = args.get("status")
    if status in {s.value for s in Status}:
        stmt = stmt.where(Participant.status == Status(status))
    kind = args.get("jenis")
    if kind == "worker":
        stmt = stmt.where(Participant.relationship == Relationship.WORKER)
    elif kind == "dependant":
        stmt = stmt.where(Participant.relationship != Relationship.WORKER)
    return stmt


#: The list's orders (``?urut=``, ``-`` before the key for descending); the default keeps
#: families together, the worker first. Each ends with the id so pages never overlap.
SORTS = {
    "nama": (Participant.name,),
    "nik": (Participant.nik,),
    "status": (Participant.status, Participant.name),
    "tmt": (Participant.start_date, Participant.name),
}
FAMILY_ORDER = (
    Participant.kk,
    Participant.relationship != Relationship.WORKER,
    Participant.birth_date,
)


def list_order(arg: str | None) -> tuple[str, list[sa.ColumnElement]]:
    """The order asked for (or the family order for anything else) and its ORDER BY."""
    key = (arg or "").strip()
    descending = key.startswith("-")
    columns = SORTS.get(key.removeprefix("-"))
    if columns is None:
        return "", [*FAMILY_ORDER, Participant.id]
    terms = [*columns, Participant.id]
    return key, [c.desc() for c in terms] if descending else terms


@bp.get("/peserta")
@role_required(Role.VIEWER)
def participants():
    order, terms = list_order(request.args.get("urut"))
    stmt = filtered_participants(request.args).order_by(*terms)
    page = paginate(db.session, stmt, PAGE_SIZE)
    from edabu_lite.mutations.forms import MutationForm

    if request.args.get("cek"):  # a plan sent back: its choices, with what is missing said
        form = MutationForm(formdata=request.args, meta={"csrf": False})
        form.validate()
    else:
        form = MutationForm()
    return render_template(
        "roster/participants.html",
        page=page,
        statuses=list(Status),
        mutation_form=form,
        ticked=set(request.args.getlist("pilih")),
        order=order,
    )


@bp.get("/peserta/<int:participant_id>")
@role_required(Role.VIEWER)
def participant(participant_id: int):
    person = get_scoped_or_404(Participant, participant_id)
    family = db.session.scalars(
        scoped(Participant)
        .where(
            sa.or_(
                Participant.worker_id == (person.worker_id or person.id),
                Participant.id == (person.worker_id or person.id),
            )
        )
        .where(Participant.id != person.id)
        .options(selectinload(Participant.worker))
        .order_by(Participant.relationship != Relationship.WORKER, Participant.birth_date)
    ).all()
    history = db.session.scalars(
        scoped(AuditEvent)
        .where(  # the NIK finds them (indexed); the target keeps them to this person
            AuditEvent.nik == person.nik,
            AuditEvent.target_type == "participant",
            AuditEvent.target_id == str(person.id),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(100)
    ).all()
    from edabu_lite.audit.views import changed_fields

    return render_template(
        "roster/participant.html",
        person=person,
        family=family,
        history=history,
        changes=changed_fields,
    )
