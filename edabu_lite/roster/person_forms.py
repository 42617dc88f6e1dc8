"""The one-person forms (CSRF by Flask-WTF). Their fields carry the cells as typed: the roster
row schema validates them (`roster.people`), so a form reports what an upload of the same row
would, and these classes hold no rules of their own beyond "a reason is required"."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from edabu_lite.forms import Form
from edabu_lite.labels import MARITAL, RELATIONSHIP, SEX
from edabu_lite.months import add_months
from edabu_lite.roster.cells import MARITAL_STATUSES, RELATIONSHIPS, WORKER
from edabu_lite.roster.models import Participant
from edabu_lite.roster.people import BACKDATE_MONTHS
from edabu_lite.roster.snapshot import ROSTER_FIELDS

_NONE = SelectChoice("", "—")
_NUMBER = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
_DATE = {"type": "date"}


class SchemaSelectField(SelectField):
    """A drop-down whose value the roster schema checks (a tampered value gets the schema's
    message, as a wrong cell in a sheet does); unposted, it is empty."""

    def __init__(self, label: object, **kwargs: Any) -> None:
        super().__init__(label, validate_choice=False, **kwargs)


class PersonForm(Form):
    """Every cell a person's row has; each view shows the ones its case asks for (`shown`)."""

    nik = StringField(_l("NIK"), render_kw={**_NUMBER, "maxlength": 24})
    kk = StringField(_l("No KK"), render_kw={**_NUMBER, "maxlength": 24})
    name = StringField(_l("Nama lengkap"), render_kw={"autocomplete": "off", "maxlength": 200})
    birth_place = StringField(_l("Tempat lahir"), render_kw={"maxlength": 100})
    birth_date = StringField(_l("Tanggal lahir"), render_kw=_DATE)
    sex = SchemaSelectField(
        _l("Jenis kelamin"),
        choices=[_NONE] + [SelectChoice(code, _l(word)) for code, word in SEX.items()],
    )
    marital_status = SchemaSelectField(
        _l("Status kawin"),
        choices=[_NONE] + [SelectChoice(m, _l(MARITAL[m])) for m in MARITAL_STATUSES],
    )
    relationship = SchemaSelectField(
        _l("Hubungan keluarga"),
        choices=[_NONE] + [SelectChoice(r.value, _l(RELATIONSHIP[r])) for r in RELATIONSHIPS[1:]],
    )
    employee_number = StringField(_l("No pegawai"), render_kw={"maxlength": 50})
    wage = StringField(
        _l("Gaji (Rp)"),
        render_kw=_NUMBER,
        description=_l("Gaji pokok + tunjangan tetap sebulan, tanpa titik, misalnya 5500000."),
    )
    care_class = SchemaSelectField(
        _l("Kelas rawat"),
        choices=[_NONE, SelectChoice("1", _l("Kelas 1")), SelectChoice("2", _l("Kelas 2"))],
    )
    faskes_code = StringField(
        _l("Kode faskes"),
        render_kw={"maxlength": 12, "autocapitalize": "characters"},
        description=_l("8 karakter: klinik/dokter 0112U020, puskesmas 03010701."),
    )
    start_date = StringField(_l("TMT"), render_kw=_DATE)
    card_number = StringField(_l("No kartu JKN"), render_kw={**_NUMBER, "maxlength": 20})
    phone = StringField(_l("No HP"), render_kw={"type": "tel", "maxlength": 30})
    email = StringField(_l("Email"), render_kw={"type": "email", "maxlength": 254})
    in_school = SchemaSelectField(
        _l("Masih sekolah/kuliah"),
        choices=[_NONE, SelectChoice("Ya", _l("Ya")), SelectChoice("Tidak", _l("Tidak"))],
        description=_l("Untuk anak 21–24 tahun: tetap ditanggung selama masih sekolah."),
    )
    effective_from = SchemaSelectField(
        _l("Berlaku mulai bulan"),
        choices=[],
        description=_l("Bulan pertama gaji atau kelas baru dihitung dalam iuran."),
    )
    version = HiddenField()
    checked = HiddenField()  # the fingerprint of what the preview showed

    def cells(self, shown: Iterable[str]) -> dict[str, str]:
        """The typed cells of the shown fields (roster keys), stripped."""
        return {key: (self[key].data or "").strip() for key in shown}

    def fill(self, person: Participant, shown: Iterable[str]) -> None:
        """The person's stored values in the shown fields (a change form's first view)."""
        for key in shown:
            value = getattr(person, key)
            if isinstance(value, bool):
                value = "Ya" if value else "Tidak"
            elif isinstance(value, date):
                value = value.isoformat()
            elif value is not None and hasattr(value, "value"):
                value = value.value
            self[key].data = "" if value is None else str(value)


def month_choices(today: date) -> list[SelectChoice]:
    """The months a wage or class change may count from: next month back to `BACKDATE_MONTHS`."""
    this_month = today.replace(day=1)
    months = [add_months(this_month, n) for n in range(1, -BACKDATE_MONTHS - 1, -1)]
    return [SelectChoice(m.isoformat(), f"{m:%m-%Y}") for m in months]


class NikCorrectionForm(Form):
    nik = StringField(
        _l("NIK yang benar"),
        render_kw={**_NUMBER, "maxlength": 24},
        description=_l("16 digit sesuai KTP atau Kartu Keluarga."),
    )
    reason = TextAreaField(
        _l("Alasan koreksi"),
        validators=[DataRequired(), Length(min=10, max=500)],
        description=_l("Misalnya: salah ketik saat pendaftaran, sesuai KK terbaru."),
        render_kw={"rows": 2},
    )
    version = HiddenField()
    checked = HiddenField()


def fingerprint(kind: str, version: object, cells: Mapping[str, Any]) -> str:
    """What a preview showed, so "Simpan" stores exactly that: the form's case, the person's
    version and the cells. Edited after the preview, the form is previewed again."""
    text = json.dumps([kind, str(version or ""), sorted(cells.items())], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


#: The fields each case shows, in the sheet's order: a worker has no worker NIK, family
#: relationship or school; a family member no employee number or wage.
WORKER_FIELDS = tuple(f for f in ROSTER_FIELDS if f not in ("relationship", "in_school"))
DEPENDANT_FIELDS = tuple(f for f in ROSTER_FIELDS if f not in ("employee_number", "wage"))
NEWBORN_FIELDS = tuple(f for f in DEPENDANT_FIELDS if f not in ("relationship", "marital_status"))
WORKER_ONLY = frozenset({"employee_number", "wage"})
DEPENDANT_ONLY = frozenset({"in_school"})


def editable_fields(person: Participant, editable: Iterable[str]) -> tuple[str, ...]:
    """The change form's fields for this person: a worker's wage, a dependant's school."""
    skip = DEPENDANT_ONLY if person.relationship == WORKER else WORKER_ONLY
    return tuple(f for f in editable if f not in skip)
