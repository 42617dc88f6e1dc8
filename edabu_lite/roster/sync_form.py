"""The sync form of a "roster lengkap" preview (CSRF-protected by Flask-WTF): one TMT and one
reason for everyone, and a reason per person shown (``alasan-<participant id>``); and the
words for a refused draft, which the command line prints too."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from edabu_lite.forms import Form
from edabu_lite.i18n import format_date
from edabu_lite.labels import REASON, batch_status_label
from edabu_lite.mutations.kinds import Reason
from edabu_lite.roster.sync import SYNC_REASONS, SyncError

PERSON_PREFIX = "alasan-"
REASON_CHOICES = [SelectChoice(r.value, _l(REASON[r.value])) for r in SYNC_REASONS]


class SyncForm(Form):
    effective_date = DateField(
        _l("TMT nonaktif"),
        validators=[InputRequired(_l("Isi TMT nonaktif."))],
        description=_l("Berlaku untuk semua peserta di draf ini; bawaan: tanggal 1 bulan depan."),
    )
    reason = SelectField(
        _l("Alasan untuk semua"),
        choices=[SelectChoice("", _l("— pilih alasan —")), *REASON_CHOICES],
        validators=[InputRequired(_l("Pilih alasan nonaktif untuk semua peserta."))],
    )


class PersonReasonError(ValueError):
    pass


def person_reasons(form: Mapping[str, str]) -> dict[int, Reason]:
    """The per-person choices posted (an empty one: the reason for everyone). Raises
    `PersonReasonError` for a field that names no participant id or no sync reason."""
    reasons: dict[int, Reason] = {}
    allowed = {r.value for r in SYNC_REASONS}
    for key, value in form.items():
        if not key.startswith(PERSON_PREFIX) or not value:
            continue
        person = key.removeprefix(PERSON_PREFIX)
        if not person.isascii() or not person.isdigit() or len(person) > 18 or value not in allowed:
            raise PersonReasonError(key)
        reasons[int(person)] = Reason(value)
    return reasons


def sync_error_message(error: SyncError) -> str:
    """Why the draft was not made, for the web's flash and the command line."""
    p = error.params
    messages = {
        "not_offered": _("Impor ini bukan roster lengkap, jadi tidak menawarkan mutasi nonaktif."),
        "bad_reason": _("Alasan per peserta tidak dikenal. Belum ada draf mutasi yang dibuat."),
        "nobody": _("Tidak ada pekerja aktif yang hilang dari berkas; tidak ada draf dibuat."),
    }
    if error.code == "exists":
        batch = p["batch"]
        return _(
            "Draf mutasi dari impor ini sudah dibuat: batch #%(id)s (%(status)s, %(n)s "
            "peserta). Tidak ada draf kedua yang dibuat.",
            id=batch.id,
            status=batch_status_label(batch.status),
            n=batch.items_count,
        )
    if error.code == "bad_tmt":
        return _(
            "TMT harus antara %(a)s dan %(b)s. Belum ada draf mutasi yang dibuat.",
            a=format_date(p["earliest"]),
            b=format_date(p["latest"]),
        )
    if error.code == "too_many":
        return _(
            "Lebih dari %(n)s peserta tidak ada di berkas: terlalu banyak untuk satu draf. "
            "Periksa apakah berkasnya benar.",
            n=p["limit"],
        )
    if error.code == "not_missing":
        return _(
            "%(n)s peserta yang dikirim tidak ada di daftar peserta yang hilang dari berkas "
            "(mungkin daftar sudah berubah). Belum ada draf mutasi yang dibuat; muat ulang "
            "halaman ini.",
            n=p["count"],
        )
    return messages[error.code]
