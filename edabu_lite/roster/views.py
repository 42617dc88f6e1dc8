"""Participant list (search, filters, paging) and participant detail (web)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.views import changed_fields
from edabu_lite.downloads.operations import recent as recent_exports
from edabu_lite.extensions import db
from edabu_lite.labels import label
from edabu_lite.mutations.forms import MutationForm
from edabu_lite.mutations.plans import Person, phk_coverage_on
from edabu_lite.paging import paginate, paginate_found
from edabu_lite.roster import attention
from edabu_lite.roster.listing import FILTER_KEYS, active_elsewhere, participant_filter
from edabu_lite.roster.models import (
    Participant,
    Relationship,
    Segment,
    Status,
    status_in_effect,
)
from edabu_lite.roster.people import former_niks
from edabu_lite.security import get_scoped_or_404, role_required, scoped

bp = Blueprint("roster", __name__, template_folder="templates")

PAGE_SIZE = 50
HISTORY_SHOWN = 100


def filtered_participants(args: Mapping[str, str], day: date | None = None) -> sa.Select:
    """The list's filter (`listing.participant_filter`) for the logged-in user's employer,
    statuses as in effect on ``day`` (today by default); also used by "select all matching"
    on the mutation form, so both see exactly the same people."""
    return participant_filter(db.session, current_user.employer_id, args, day or clock.today())


#: The list's orders (``?urut=``, ``-`` before the key for descending); the default keeps
#: families together (by KK, in the order they were registered: an import registers a
#: family in its sheet order), served by the (employer, KK, id) index. Each ends with the
#: id so pages never overlap.
SORTS = {
    "nama": (Participant.name,),
    "nik": (Participant.nik,),
    "status": (Participant.status, Participant.name),  # as in effect today: `list_order`
    "tmt": (Participant.start_date, Participant.name),
}
FAMILY_ORDER = (Participant.kk,)


def list_order(arg: str | None, day: date) -> tuple[str, list[sa.ColumnElement]]:
    """The order asked for (or the family order for anything else) and its ORDER BY."""
    key = (arg or "").strip()
    descending = key.startswith("-")
    columns = SORTS.get(key.removeprefix("-"))
    if key.removeprefix("-") == "status":
        columns = (status_in_effect(day), Participant.name)
    if columns is None:
        return "", [*FAMILY_ORDER, Participant.id]
    terms = [*columns, Participant.id]
    return key, [c.desc() for c in terms] if descending else terms


def _count_key(args: Mapping[str, str], day: date) -> tuple[object, ...]:
    """What the list's count depends on: the employer (its creation time too: a database
    rebuilt under a running server reuses ids), its people as of its latest audited change
    (every change to a participant writes one), and the filter."""
    employer = current_user.employer
    filters = tuple(args.get(k, "").strip() for k in FILTER_KEYS)
    # the day too: a status filter counts the status in effect, which changes at midnight
    return ("participants", employer.id, employer.created_at, employer.audit_seq, filters, day)


@bp.get("/peserta")
@role_required(Role.VIEWER)
def participants():
    today = clock.today()  # one day for the filter, the order and the count
    order, terms = list_order(request.args.get("urut"), today)
    stmt = filtered_participants(request.args, today).order_by(*terms)
    page = paginate(
        db.session,
        stmt,
        PAGE_SIZE,
        count_key=_count_key(request.args, today),
        id_column=Participant.id,
        keyset=terms if not order else (),
    )

    if request.args.get("cek"):  # a plan sent back: its choices, with what is missing said
        form = MutationForm(formdata=request.args, meta={"csrf": False})
        form.validate()
    else:
        form = MutationForm()
    return render_template(
        "roster/participants.html",
        page=page,
        statuses=list(Status),
        today=today,
        mutation_form=form,
        ticked=set(request.args.getlist("pilih")),
        order=order,
        chips=_chips(request.args),
        exports=recent_exports(
            db.session,
            current_user.employer_id,
            timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"]),
        ),
    )


def _chips(args: Mapping[str, str]) -> list[tuple[str, str]]:
    """The filters that came from a link (Beranda), as (key, words) the user can remove."""
    chips = []
    needs = attention.LABELS.get(args.get("perlu", ""))
    if needs is not None:
        chips.append(("perlu", _(needs)))
    if args.get("segmen") in {s.value for s in Segment}:
        chips.append(("segmen", label(args["segmen"], "segment")))
    if args.get("kelas") in {"1", "2", "3"}:
        chips.append(("kelas", _("Kelas %(n)s", n=args["kelas"])))
    return chips


@bp.get("/peserta/data-ganda")
@role_required(Role.VIEWER)
def duplicates():
    """Data ganda (Pandawa I): this employer's active people whose NIK is also active at
    another employer. The other employer is never named (it is another tenant's data)."""
    today = clock.today()
    stmt = active_elsewhere(current_user.employer_id, today)
    page = paginate_found(db.session, stmt, PAGE_SIZE)
    return render_template("roster/duplicates.html", page=page, today=today)


@bp.get("/peserta/<int:participant_id>")
@role_required(Role.VIEWER)
def participant(participant_id: int):
    person = get_scoped_or_404(Participant, participant_id)
    today = clock.today()
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
    # The NIK finds the events (indexed; every NIK a correction replaced too); the target
    # keeps them to this person. A child may have been registered as a newborn without a
    # NIK: those events have none.
    if person.nik:
        by_nik = AuditEvent.nik.in_(former_niks(db.session, person.employer_id, person))
        if person.relationship == Relationship.CHILD:
            by_nik = sa.or_(by_nik, AuditEvent.nik.is_(None))
    else:
        by_nik = AuditEvent.nik.is_(None)
    history = db.session.scalars(
        scoped(AuditEvent)
        .where(
            by_nik,
            AuditEvent.target_type == "participant",
            AuditEvent.target_id == str(person.id),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(HISTORY_SHOWN)
    ).all()

    if request.args.get("cek"):  # a mutation sent back from the plan: its problems said
        form = MutationForm(formdata=request.args, meta={"csrf": False})
        form.validate()
    else:
        form = MutationForm()
    return render_template(
        "roster/participant.html",
        person=person,
        mutation_form=form,
        phk_coverage=phk_coverage_on(Person.from_record(person), today),
        today=today,
        family=family,
        history=history,
        changes=changed_fields,
    )
