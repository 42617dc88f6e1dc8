"""The sync form of a "roster lengkap" preview (CSRF-protected by Flask-WTF): one TMT and one
reason for everyone, and a reason per person shown (``alasan-<participant id>``)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from edabu_lite.forms import Form
from edabu_lite.labels import REASON
from edabu_lite.mutations.kinds import Reason
from edabu_lite.roster.sync import SYNC_REASONS

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
