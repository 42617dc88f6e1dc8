"""The admin page's form for a new API token (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from edabu_lite.accounts.models import Role
from edabu_lite.api.tokens import MAX_NAME
from edabu_lite.forms import Form

TOKEN_ROLE_CHOICES = [
    SelectChoice(Role.OPERATOR.value, _l("Operator (impor, mutasi, ubah data)")),
    SelectChoice(Role.VIEWER.value, _l("Pemantau (hanya baca)")),
]


class NewTokenForm(Form):
    name = StringField(
        _l("Nama token"),
        validators=[DataRequired(), Length(max=MAX_NAME)],
        description=_l("Nama sistem yang memakainya, misalnya HRIS atau Payroll."),
    )
    role = SelectField(_l("Peran"), choices=TOKEN_ROLE_CHOICES, default=Role.VIEWER.value)
    days = IntegerField(
        _l("Berlaku (hari)"),
        validators=[Optional(), NumberRange(min=1, max=3660)],
        description=_l("Kosongkan bila token berlaku sampai dicabut."),
    )
