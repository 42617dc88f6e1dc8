"""Upload and commit forms (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import AnyOf, Optional

from edabu_lite.forms import Form

#: The two commit choices, as the preview's two buttons post them.
COMMIT_ALL = "all"
COMMIT_VALID = "valid"


class UploadForm(Form):
    file = FileField(
        _l("Berkas Excel (.xlsx)"),
        validators=[
            FileRequired(_l("Pilih berkas .xlsx untuk diunggah.")),
            FileAllowed(["xlsx"], _l("Hanya berkas Excel .xlsx yang diterima.")),
        ],
    )


class RosterUploadForm(UploadForm):
    full_roster = BooleanField(
        _l("Roster lengkap"),
        description=_l(
            "Berkas ini berisi seluruh peserta aktif saat ini (ekspor bulanan dari payroll). "
            "Pratinjau juga akan menampilkan pekerja aktif yang tidak ada di berkas dan "
            "menawarkan draf mutasi nonaktif untuk mereka."
        ),
    )


class CommitForm(Form):
    """ "Impor semua" or "Impor N baris valid": the button pressed posts ``mode``."""

    mode = StringField(validators=[Optional(), AnyOf([COMMIT_ALL, COMMIT_VALID])])

    @property
    def valid_only(self) -> bool:
        return self.mode.data == COMMIT_VALID
