"""Forms of the mutation screens (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from edabu_lite.forms import Form
from edabu_lite.labels import REASON
from edabu_lite.mutations.kinds import DATED_REASONS, KINDS
from edabu_lite.mutations.rules import PhkProof, Reason

KIND_CHOICES = [SelectChoice(kind.value, _l(spec.label)) for kind, spec in KINDS.items()]
REASON_CHOICES = [SelectChoice("", _l("— pilih alasan —"))] + [
    SelectChoice(r.value, _l(REASON[r.value])) for r in Reason
]
CLASS_CHOICES = [SelectChoice("", "—")] + [SelectChoice(str(c), f"Kelas {c}") for c in (1, 2, 3)]
PROOF_CHOICES = [SelectChoice("", _l("Tanpa bukti"))] + [
    SelectChoice(p.value, p.value) for p in PhkProof
]


class MutationForm(Form):
    kind = SelectField(_l("Jenis mutasi"), choices=KIND_CHOICES)
    reason = SelectField(_l("Alasan"), choices=REASON_CHOICES, validators=[Optional()])
    effective_date = DateField(
        _l("TMT"),
        validators=[Optional()],
        description=_l("Kosongkan untuk tanggal 1 bulan berikutnya."),
    )
    mandiri_class = SelectField(_l("Kelas mandiri"), choices=CLASS_CHOICES, validators=[Optional()])
    phk_proof = SelectField(
        _l("Bukti PHK"),
        choices=PROOF_CHOICES,
        validators=[Optional()],
        description=_l(
            "A: tanda terima PHK + tanda terima laporan PHK dari dinas tenaga kerja; "
            "B: perjanjian "
            "bersama + bukti pendaftarannya; C: putusan pengadilan hubungan "
            "industrial yang berkekuatan hukum tetap."
        ),
    )
    event_date = DateField(
        _l("Tanggal Kejadian"),
        validators=[Optional()],
        description=_l(
            "Tanggal PHK atau kematian (wajib untuk keduanya), boleh sampai 12 bulan lalu. "
            "Alasan lain: kosongkan untuk sehari sebelum TMT."
        ),
    )
    death_certificate = StringField(
        _l("No surat kematian"), validators=[Optional(), Length(max=50)]
    )
    note = StringField(_l("Keterangan"), validators=[Optional(), Length(max=500)])

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def,override]
        """The field checks, then what the kind of mutation requires, said on its field (a
        plan without them would only make a batch of errors)."""
        ok = super().validate(extra_validators)
        spec = KINDS.get(self.kind.data)  # type: ignore[call-overload]
        if spec is not None and spec.reason == "required" and not self.reason.data:
            self.reason.errors = [*self.reason.errors, _l("Pilih alasan nonaktif.")]
            ok = False
        if spec is not None and spec.needs_class and not self.mandiri_class.data:
            self.mandiri_class.errors = [
                *self.mandiri_class.errors,
                _l("Pilih kelas mandiri (1, 2 atau 3) yang akan dibayar peserta."),
            ]
            ok = False
        if self.reason.data in DATED_REASONS and not self.event_date.data:
            self.event_date.errors = [
                *self.event_date.errors,
                _l("Isi Tanggal Kejadian: tanggal PHK atau tanggal kematian."),
            ]
            ok = False
        return ok


#: The list's fields a plan form carries, kept when the list is shown again.
FORM_FIELDS = (
    "kind", "reason", "effective_date", "event_date", "mandiri_class", "phk_proof",
    "death_certificate", "note",
)  # fmt: skip


class ReviewForm(Form):
    note = TextAreaField(_l("Catatan pemeriksa"), validators=[Optional(), Length(max=500)])
