"""One person at a time from the web: Tambah Peserta, a family member or a newborn for a
worker, change data, correct a NIK. Thin: `roster.people` checks and writes.

Every form works in two steps: "Periksa" checks the typed cells with the roster schema and
shows what will be stored (and every warning); "Simpan" stores exactly what was previewed
(the preview's fingerprint), else the form is previewed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.validators import Length, Optional

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.extensions import db
from edabu_lite.issues import Issue
from edabu_lite.labels import field_value
from edabu_lite.roster import people
from edabu_lite.roster.importing.staging import row_context
from edabu_lite.roster.models import Participant, Status
from edabu_lite.roster.person_forms import (
    DEPENDANT_FIELDS,
    NEWBORN_FIELDS,
    WORKER_FIELDS,
    NikCorrectionForm,
    PersonForm,
    editable_fields,
    fingerprint,
    month_choices,
)
from edabu_lite.security import get_scoped_or_404, role_required, web_actor

bp = Blueprint("people", __name__, template_folder="templates")

Check = Callable[[dict[str, str]], people.Checked]
Save = Callable[[people.Checked], Participant]


@bp.route("/peserta/baru", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def add_worker():
    form = PersonForm()
    if not form.is_submitted():
        form.marital_status.data = ""
    employer, today = current_user.employer, clock.today()

    def check(cells: dict[str, str]) -> people.Checked:
        return people.check_new(
            db.session, employer, {**cells, "relationship": "Peserta"}, today=today
        )

    def save(checked: people.Checked) -> Participant:
        return people.add(db.session, employer, checked, web_actor())

    return _two_steps(
        "worker", form, WORKER_FIELDS, check, save, title=_("Tambah peserta (pekerja)")
    )


@bp.route("/peserta/<int:participant_id>/keluarga/baru", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def add_dependant(participant_id: int):
    """A family member for a worker; ``?bayi=1``: a newborn child."""
    worker = _worker_of(get_scoped_or_404(Participant, participant_id))
    today = clock.today()
    if worker.status_on(today) != Status.ACTIVE:
        flash(_("Pekerja ini tidak aktif. Aktifkan dulu lewat mutasi AKTIFKAN."), "warning")
        return redirect(url_for("roster.participant", participant_id=worker.id))
    newborn = request.args.get("bayi") == "1"
    shown = NEWBORN_FIELDS if newborn else DEPENDANT_FIELDS
    form = PersonForm()
    if not form.is_submitted():  # the family's KK and the worker's class and faskes
        form.kk.data, form.care_class.data = worker.kk, str(worker.care_class)
        form.faskes_code.data = worker.faskes_code
    fixed = {"worker_nik": worker.nik}
    if newborn:
        fixed |= {"relationship": "Anak", "marital_status": "Belum Kawin"}
    employer = current_user.employer

    def check(cells: dict[str, str]) -> people.Checked:
        if newborn and not cells.get("start_date"):  # covered from birth
            cells = {**cells, "start_date": cells.get("birth_date", "")}
        return people.check_new(db.session, employer, {**cells, **fixed}, today=today)

    def save(checked: people.Checked) -> Participant:
        return people.add(db.session, employer, checked, web_actor())

    if newborn:
        form.nik.description = _(
            "Kosongkan bila NIK bayi belum terbit (paling lama %(days)s hari sejak lahir); "
            "isi kemudian dari halaman anak itu.",
            days=row_context(employer, today).newborn_days,
        )
    title = _("Daftarkan bayi baru lahir") if newborn else _("Tambah anggota keluarga")
    return _two_steps(
        "newborn" if newborn else "dependant", form, shown, check, save, title=title, worker=worker
    )


@bp.route("/peserta/<int:participant_id>/ubah", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def change(participant_id: int):
    person = get_scoped_or_404(Participant, participant_id)
    shown = editable_fields(person, people.EDITABLE_FIELDS)
    today, employer = clock.today(), current_user.employer
    form = PersonForm()
    form.effective_from.choices = month_choices(today)
    if not form.is_submitted():
        form.fill(person, shown)
        form.version.data = str(person.version)
        form.effective_from.data = today.replace(day=1).isoformat()
    effective = _month(form.effective_from.data)

    def check(cells: dict[str, str]) -> people.Checked:
        return people.check_change(
            db.session, employer, person, cells, today=today, effective_from=effective
        )

    def save(checked: people.Checked) -> Participant:
        version = _version(form.version.data)
        return people.apply_change(db.session, employer, person.id, version, checked, web_actor())

    def cells() -> dict[str, str]:  # the month is part of what the preview showed
        return {**form.cells(shown), "effective_from": form.effective_from.data or ""}

    return _two_steps(
        "change", form, shown, check, save, title=_("Ubah data peserta"), person=person,
        cells_of=cells,
    )  # fmt: skip


@bp.route("/peserta/<int:participant_id>/koreksi-nik", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def correct_nik(participant_id: int):
    person = get_scoped_or_404(Participant, participant_id)
    today, employer = clock.today(), current_user.employer
    form = NikCorrectionForm()
    if person.nik is None:  # a newborn's NIK arriving: nothing to correct, no reason asked
        form.reason.validators = [Optional(), Length(max=500)]
        form.nik.label.text = _("NIK bayi")
    if not form.is_submitted():
        form.version.data = str(person.version)

    def check(cells: dict[str, str]) -> people.Checked:
        return people.check_nik_correction(db.session, employer, person, cells["nik"], today=today)

    def save(checked: people.Checked) -> Participant:
        version = _version(form.version.data)
        reason = form.reason.data or ""
        return people.correct_nik(
            db.session, employer, person.id, version, checked, reason, web_actor()
        )

    return _two_steps(
        "nik", form, ("nik",), check, save, person=person,
        title=_("Koreksi NIK") if person.nik else _("Isi NIK bayi"),
        cells_of=lambda: {"nik": (form.nik.data or "").strip(), "reason": form.reason.data or ""},
    )  # fmt: skip


# --------------------------------------------------------------------------- the two steps


def _two_steps(
    kind: str,
    form: PersonForm | NikCorrectionForm,
    shown: Sequence[str],
    check: Check,
    save: Save,
    *,
    title: str,
    cells_of: Callable[[], dict[str, str]] | None = None,
    **context: Any,
):
    checked, apart, nothing = None, [], False
    if form.is_submitted() and form.validate():
        cells = cells_of() if cells_of else form.cells(shown)
        checked = check({k: v for k, v in cells.items() if k in shown})
        apart = _place_issues(form, checked.issues, shown)
        nothing = kind == "change" and checked.ok and not checked.changes
        token = fingerprint(kind, form.version.data, cells)
        if checked.ok and not nothing and request.form.get("save") and form.checked.data == token:
            try:
                person = save(checked)
            except people.Conflict:
                flash(
                    _(
                        "Data peserta berubah sejak pratinjau dibuat (oleh pengguna lain atau "
                        "impor). Buka kembali halaman peserta lalu ulangi perubahan."
                    ),
                    "danger",
                )
                return redirect(_back(context))
            flash(_done(kind, person), "success")
            return redirect(url_for("roster.participant", participant_id=person.id))
        form.checked.data = token if checked.ok and not nothing else ""
    return render_template(
        "roster/person_form.html",
        kind=kind,
        form=form,
        shown=shown,
        checked=checked,
        apart=apart,
        nothing=nothing,
        preview_rows=_preview_rows(checked, shown) if checked and checked.ok else [],
        title=title,
        today=clock.today(),
        **context,
    )


def _place_issues(form: Any, issues: Sequence[Issue], shown: Sequence[str]) -> list[Issue]:
    """Each error goes under its field; warnings and issues of cells the form does not show
    (a fixed relationship, the worker's NIK) are returned, shown above the form."""
    apart = []
    for issue in issues:
        if issue.is_error and (issue.column in shown or issue.column == "effective_from"):
            field = form[issue.column]
            field.errors = [*field.errors, issue.message(_)]
        else:
            apart.append(issue)
    return apart


def _preview_rows(checked: people.Checked, shown: Sequence[str]) -> list[tuple[str, str, str]]:
    """(field, now, new) as a person reads them: a change's fields, or a new person's."""
    if checked.changes:
        return [(k, _shown(k, old), _shown(k, new)) for k, (old, new) in checked.changes.items()]
    values = checked.values or {}
    return [(k, "", _shown(k, values.get(k))) for k in shown]


def _shown(key: str, value: object) -> str:
    """Identity numbers in full (the user typed them; the person's page shows them too)."""
    if key in ("nik", "kk", "card_number") and value:
        return str(value)
    if isinstance(value, date):
        value = value.isoformat()
    return field_value(key, value)


def _done(kind: str, person: Participant) -> str:
    if kind == "change":
        return _("Data %(name)s disimpan.", name=person.name)
    if kind == "nik":
        return _("NIK %(name)s disimpan.", name=person.name)
    return _("%(name)s ditambahkan sebagai peserta aktif.", name=person.name)


def _back(context: Mapping[str, Any]) -> str:
    anchor = context.get("person") or context.get("worker")
    if anchor is not None:
        return url_for("roster.participant", participant_id=anchor.id)
    return url_for("roster.participants")


def _worker_of(person: Participant) -> Participant:
    if person.is_worker:
        return person
    if person.worker is None:
        abort(404)
    return person.worker


def _month(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return date.min  # tampered: the schema's check says the month is not allowed


def _version(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0
