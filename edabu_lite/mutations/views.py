"""Mutasi peserta on the web: plan a batch from selected participants, preview every person
affected, then apply, or submit → approve / reject; cancel, revert, history, result download."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from edabu_lite.accounts.models import Role
from edabu_lite.extensions import db
from edabu_lite.forms import ButtonForm
from edabu_lite.imports import operations as jobs
from edabu_lite.imports.forms import UploadForm
from edabu_lite.imports.models import ImportJob, JobKind
from edabu_lite.issues import Issue
from edabu_lite.jobs.tasks import process_import
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.forms import FORM_FIELDS, MutationForm, ReviewForm
from edabu_lite.mutations.kinds import KINDS
from edabu_lite.mutations.messages import (
    field_label,
    mutation_error_message,
    note_message,
)
from edabu_lite.mutations.models import BatchStatus, MutationBatch, MutationItem
from edabu_lite.mutations.results import write_batch_result
from edabu_lite.mutations.revert import revert_batch
from edabu_lite.mutations.rules import MutationKind, PhkProof, Reason, Request
from edabu_lite.paging import paginate
from edabu_lite.roster.listing import FILTER_KEYS
from edabu_lite.roster.models import Participant
from edabu_lite.roster.views import filtered_participants
from edabu_lite.security import get_scoped_or_404, role_required, scoped, web_actor
from edabu_lite.sheets.columns import MUTATION_COLUMNS, MUTATION_TEMPLATE_VERSION
from edabu_lite.sheets.writer import write_template

bp = Blueprint("mutations", __name__, template_folder="templates")
MAX_SELECTED = 5000
PAGE_SIZE = 50


@bp.get("/mutasi")
@role_required(Role.VIEWER)
def batches():
    stmt = scoped(MutationBatch)
    status = request.args.get("status", "")
    if status in {s.value for s in BatchStatus}:  # Beranda's links: waiting, drafts
        stmt = stmt.where(MutationBatch.status == BatchStatus(status))
    page = paginate(
        db.session,
        stmt.order_by(MutationBatch.created_at.desc(), MutationBatch.id.desc()),
        PAGE_SIZE,
    )
    return render_template(
        "mutations/batches.html", batches=page.items, page=page, statuses=list(BatchStatus)
    )


def _selected_participants() -> list[Participant]:
    """The ticked rows, or every row matching the list's filter ("select all")."""
    if request.form.get("all_matching") == "1":
        stmt = filtered_participants(request.form)
    else:
        ids = [int(i) for i in request.form.getlist("participant_id") if i.isdigit()]
        stmt = scoped(Participant).where(Participant.id.in_(ids))
    return db.session.scalars(stmt.order_by(Participant.id).limit(MAX_SELECTED + 1)).all()


def _inputs(people: list[Participant], mutation: Request, note: str | None) -> list[ops.ItemInput]:
    """One item per selected person, workers first. A mutation names its person by NIK,
    which a newborn may not have yet: with their worker selected too, the worker's item
    carries them along; alone, their item says why it cannot be planned."""
    workers = {p.id for p in people if p.is_worker}
    inputs = []
    for p in _subjects_first(people):
        if p.nik:
            inputs.append(ops.ItemInput(nik=p.nik, request=mutation, note=note))
        elif p.worker_id not in workers:
            params = {"problem": "newborn_pending", "name": p.name}
            issue = Issue("mutation.unknown_nik", "nik", None, params)
            inputs.append(ops.ItemInput(nik=None, request=mutation, note=note, issues=(issue,)))
    return inputs


def _request_from(form: MutationForm) -> Request:
    return Request(
        kind=MutationKind(form.kind.data),
        reason=Reason(form.reason.data) if form.reason.data else None,
        effective_date=form.effective_date.data,
        mandiri_class=int(form.mandiri_class.data) if form.mandiri_class.data else None,
        phk_proof=PhkProof(form.phk_proof.data) if form.phk_proof.data else None,
        event_date=form.event_date.data,
        death_certificate=form.death_certificate.data or None,
    )


@bp.post("/mutasi/rencana")
@role_required(Role.OPERATOR)
def plan():
    form = MutationForm()
    if not form.validate_on_submit():
        # Back to the list, as it was (filters, ticked people, what was chosen), with the
        # problems said on their fields.
        flash(_("Periksa isian mutasi di bawah; belum ada batch yang dibuat."), "danger")
        kept = {k: request.form.get(k, "") for k in (*FILTER_KEYS, "urut", "page")}
        chosen = {k: request.form.get(k, "") for k in FORM_FIELDS}
        ticked = request.form.getlist("participant_id")
        every = {"all_matching": "1"} if request.form.get("all_matching") == "1" else {}
        args = {k: v for k, v in {**kept, **chosen, **every}.items() if v}
        back = request.form.get("kembali", "")
        if back.isdigit():  # sent from the participant's page: back there
            return redirect(
                url_for("roster.participant", participant_id=int(back),
                        **{k: v for k, v in chosen.items() if v}, cek=1,
                        _anchor="mutation-panel")
            )  # fmt: skip
        return redirect(
            url_for("roster.participants", **args, pilih=ticked, cek=1, _anchor="mutation-panel")
        )
    people = _selected_participants()
    if not people:
        flash(_("Pilih minimal satu peserta di daftar."), "warning")
        return redirect(url_for("roster.participants"))
    if len(people) > MAX_SELECTED:
        flash(
            _("Paling banyak %(n)s peserta per batch; persempit saringan.", n=MAX_SELECTED),
            "warning",
        )
        return redirect(url_for("roster.participants"))
    mutation = _request_from(form)
    inputs = _inputs(people, mutation, form.note.data or None)
    batch = ops.plan_batch(
        db.session,
        current_user.employer_id,
        inputs,
        web_actor(),
        source="web",
        title=form.note.data or None,
    )
    return redirect(url_for("mutations.batch", batch_id=batch.id))


def _subjects_first(people: list[Participant]) -> list[Participant]:
    """Workers first, then dependants: a selected worker already carries their family, so a
    selected dependant of theirs is planned after (and usually finds nothing left to do)."""
    return sorted(people, key=lambda p: (not p.is_worker, p.id))


@bp.get("/mutasi/<int:batch_id>")
@role_required(Role.VIEWER)
def batch(batch_id: int):
    batch = get_scoped_or_404(MutationBatch, batch_id)
    page = paginate(
        db.session,
        sa.select(MutationItem)
        .where(MutationItem.batch_id == batch.id)
        .order_by(MutationItem.position),
        PAGE_SIZE,
    )
    items = list(page.items)
    names = _names(items)
    return render_template(
        "mutations/batch.html",
        batch=batch,
        items=items,
        page=page,
        names=names,
        choices=_choosable_dependants(batch, items),
        decode=Issue.from_dict,
        note_message=note_message,
        field_label=field_label,
        action_form=ButtonForm(),
        review_form=ReviewForm(),
        needs_approval=current_user.employer.mutations_need_approval,
    )


def _names(items: list[MutationItem]) -> dict[int, tuple[str, str]]:
    ids = {c["person_id"] for item in items for c in item.changes}
    ids |= {item.participant_id for item in items if item.participant_id}
    rows = (
        db.session.execute(
            scoped(Participant)
            .with_only_columns(Participant.id, Participant.name, Participant.relationship)
            .where(Participant.id.in_(ids))
        ).all()
        if ids
        else []
    )
    return {pid: (name, rel.value) for pid, name, rel in rows}


def _transition(batch_id: int, action):  # type: ignore[no-untyped-def]
    batch = get_scoped_or_404(MutationBatch, batch_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        message = action(batch)
    except ops.MutationError as error:
        db.session.rollback()
        flash(mutation_error_message(error), "danger")
    else:
        flash(message, "success")
    return redirect(url_for("mutations.batch", batch_id=batch_id))


@bp.post("/mutasi/<int:batch_id>/terapkan")
@role_required(Role.OPERATOR)
def apply(batch_id: int):
    def run(batch: MutationBatch) -> str:
        ops.apply_batch(db.session, batch, web_actor(), draft_days=current_app.config["DRAFT_DAYS"])
        return _("Batch diterapkan: %(n)s peserta berubah.", n=batch.affected)

    return _transition(batch_id, run)


@bp.post("/mutasi/<int:batch_id>/ajukan")
@role_required(Role.OPERATOR)
def submit(batch_id: int):
    def run(batch: MutationBatch) -> str:
        ops.submit_batch(
            db.session,
            batch,
            web_actor(),
            note=request.form.get("note", "")[:500],
            draft_days=current_app.config["DRAFT_DAYS"],
        )
        return _("Batch diajukan. Admin lain perlu menyetujuinya.")

    return _transition(batch_id, run)


def _review(batch_id: int, approve: bool):  # type: ignore[no-untyped-def]
    batch = get_scoped_or_404(MutationBatch, batch_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ops.review_batch(
            db.session, batch, web_actor(), current_user.role, approve=approve, note=form.note.data
        )
    except ops.MutationError as error:
        db.session.rollback()
        flash(mutation_error_message(error), "danger")
    else:
        flash(
            _("Batch disetujui dan diterapkan.") if approve else _("Batch ditolak."),
            "success" if approve else "info",
        )
    return redirect(url_for("mutations.batch", batch_id=batch_id))


@bp.post("/mutasi/<int:batch_id>/setujui")
@role_required(Role.ADMIN)
def approve(batch_id: int):
    return _review(batch_id, approve=True)


@bp.post("/mutasi/<int:batch_id>/tolak")
@role_required(Role.ADMIN)
def reject(batch_id: int):
    return _review(batch_id, approve=False)


@bp.post("/mutasi/<int:batch_id>/batal")
@role_required(Role.OPERATOR)
def cancel(batch_id: int):
    def run(batch: MutationBatch) -> str:
        ops.cancel_batch(db.session, batch, web_actor())
        return _("Batch dibatalkan. Tidak ada data yang diubah.")

    return _transition(batch_id, run)


@bp.post("/mutasi/<int:batch_id>/kembalikan")
@role_required(Role.ADMIN)
def revert(batch_id: int):
    def run(batch: MutationBatch) -> str:
        undo = revert_batch(db.session, batch, web_actor(), current_user.role)
        return _("Batch dikembalikan oleh batch #%(id)s.", id=undo.id)

    return _transition(batch_id, run)


@bp.get("/mutasi/<int:batch_id>/hasil.xlsx")
@role_required(Role.VIEWER)
def result(batch_id: int):
    batch = get_scoped_or_404(MutationBatch, batch_id)
    buffer = io.BytesIO()
    write_batch_result(db.session, batch, buffer, gettext=_)
    buffer.seek(0)
    return send_file(
        buffer,
        as_attachment=True,
        download_name=f"mutasi-{batch.id}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


__all__ = ["BatchStatus", "bp"]


@bp.get("/mutasi/unggah")
@role_required(Role.OPERATOR)
def upload():
    return render_template("mutations/upload.html", form=UploadForm())


@bp.post("/mutasi/unggah")
@role_required(Role.OPERATOR)
def upload_post():
    form = UploadForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(url_for("mutations.upload"))
    job = jobs.create_job(
        db.session,
        current_user.employer_id,
        JobKind.MUTATION,
        form.file.data.filename or "mutasi.xlsx",
        form.file.data.read(),
        web_actor(),
    )
    process_import(job.id)
    return redirect(url_for("roster_import.job", job_id=job.id))


@bp.get("/mutasi/dari-impor/<int:job_id>")
@role_required(Role.OPERATOR)
def from_job(job_id: int):
    job = get_scoped_or_404(ImportJob, job_id)
    batch = db.session.scalar(scoped(MutationBatch).where(MutationBatch.job_id == job.id))
    if batch is None:
        abort(404)
    return redirect(url_for("mutations.batch", batch_id=batch.id))


@bp.get("/mutasi/template.xlsx")
@role_required(Role.VIEWER)
def template():
    buffer = io.BytesIO()
    write_template(buffer, MUTATION_COLUMNS, title=_("Mutasi Peserta"), gettext=_)
    buffer.seek(0)
    return send_file(
        buffer,
        as_attachment=True,
        download_name=f"template-mutasi-v{MUTATION_TEMPLATE_VERSION}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


CHOOSABLE = {kind.value for kind, spec in KINDS.items() if spec.chooses_dependants}


def _choosable_dependants(
    batch: MutationBatch, items: list[MutationItem]
) -> dict[int, list[tuple[Participant, bool]]]:
    """For a draft's worker items that move to mandiri or come back: each dependant and
    whether the plan takes them along (the user may change that and plan again)."""
    if batch.status != BatchStatus.DRAFT:
        return {}
    choosable = [
        item
        for item in items
        if item.kind in CHOOSABLE and item.participant_id and not item.has_error
    ]
    # Every worker's dependants in one query, not one per item.
    by_worker: dict[int, list[Participant]] = {}
    for dependant in db.session.scalars(
        scoped(Participant)
        .where(Participant.worker_id.in_({item.participant_id for item in choosable}))
        .order_by(Participant.birth_date, Participant.id)
    ):
        by_worker.setdefault(dependant.worker_id, []).append(dependant)  # type: ignore[arg-type]
    choices: dict[int, list[tuple[Participant, bool]]] = {}
    for item in choosable:
        dependants = by_worker.get(item.participant_id, [])  # type: ignore[arg-type]
        along = {
            c["person_id"]
            for c in item.changes
            if c["role"] != "subject" and c["after"].get("status") in ("PINDAH_MANDIRI", "AKTIF")
        }
        if dependants:
            choices[item.id] = [(d, d.id in along) for d in dependants]
    return choices


@bp.post("/mutasi/<int:batch_id>/rencana-ulang")
@role_required(Role.OPERATOR)
def replan(batch_id: int):
    """Plan the draft again with the dependants the user ticked; the old draft is cancelled."""
    batch = get_scoped_or_404(MutationBatch, batch_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    items = db.session.scalars(
        sa.select(MutationItem)
        .where(MutationItem.batch_id == batch.id)
        .order_by(MutationItem.position)
    ).all()
    choices = _choosable_dependants(batch, items)
    inputs = [_replanned(item, choices.get(item.id)) for item in items]
    try:
        new = ops.replan_batch(db.session, batch, inputs, web_actor())
    except ops.MutationError as error:
        flash(mutation_error_message(error), "danger")
        return redirect(url_for("mutations.batch", batch_id=batch.id))
    flash(_("Pratinjau dibuat ulang sebagai batch #%(id)s.", id=new.id), "info")
    return redirect(url_for("mutations.batch", batch_id=new.id))


def _replanned(item: MutationItem, choice: list[tuple[Participant, bool]] | None) -> ops.ItemInput:
    kept = {int(i) for i in request.form.getlist(f"keep-{item.id}") if i.isdigit()}
    exclude, include = (
        frozenset(item.exclude or ()),
        (frozenset(item.include) if item.include is not None else None),
    )
    if choice is not None and item.kind == MutationKind.MOVE_TO_MANDIRI.value:
        exclude = frozenset(d.id for d, _along in choice if d.id not in kept)
    elif choice is not None:
        include = frozenset(d.id for d, _along in choice if d.id in kept)
    mutation = Request(
        kind=MutationKind(item.kind),
        reason=Reason(item.reason) if item.reason else None,
        effective_date=item.effective_date,
        mandiri_class=item.mandiri_class,
        phk_proof=PhkProof(item.phk_proof) if item.phk_proof else None,
        event_date=item.event_date,
        death_certificate=item.death_certificate,
        exclude=exclude,
        include=include,
    )
    return ops.ItemInput(nik=item.nik, request=mutation, row=item.row, note=item.note)
