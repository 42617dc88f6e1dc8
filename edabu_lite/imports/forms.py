"""Upload and commit forms (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField


class UploadForm(FlaskForm):
    file = FileField(
        _l("Berkas Excel (.xlsx)"),
        validators=[
            FileRequired(_l("Pilih berkas .xlsx untuk diunggah.")),
            FileAllowed(["xlsx"], _l("Hanya berkas Excel .xlsx yang diterima.")),
        ],
    )


class CommitForm(FlaskForm):
    valid_only = BooleanField(_l("Impor baris valid saja"))


class CancelForm(FlaskForm):
    pass
