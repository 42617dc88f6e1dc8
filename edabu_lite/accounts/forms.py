"""WTForms for login, password change, user administration and employer settings.

Flask-WTF adds the CSRF token to every one of them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from edabu_lite.accounts.models import Role
from edabu_lite.accounts.operations import MIN_PASSWORD_LENGTH
from edabu_lite.forms import Form

ROLE_CHOICES = [
    SelectChoice(Role.ADMIN.value, _l("Admin")),
    SelectChoice(Role.OPERATOR.value, _l("Operator")),
    SelectChoice(Role.VIEWER.value, _l("Pemantau (hanya baca)")),
]


class LoginForm(Form):
    employer_code = StringField(
        _l("Kode Badan Usaha"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "organization", "autocapitalize": "characters"},
    )
    username = StringField(
        _l("Nama pengguna"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Kata sandi"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(Form):
    current = PasswordField(
        _l("Kata sandi saat ini"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("Kata sandi baru"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l(
            "Minimal %(n)s karakter dan tidak mudah ditebak; beberapa kata acak paling mudah "
            "diingat.",
            n=MIN_PASSWORD_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            DataRequired(),
            EqualTo("new", message=_l("Kedua kata sandi baru tidak sama.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class NewUserForm(Form):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=80)])
    full_name = StringField(_l("Nama lengkap"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Peran"), choices=ROLE_CHOICES, default=Role.OPERATOR.value)
    password = PasswordField(
        _l("Kata sandi awal"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l(
            "Minimal %(n)s karakter. Sampaikan kepada pengguna secara langsung.",
            n=MIN_PASSWORD_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )


class EditUserForm(Form):
    full_name = StringField(_l("Nama lengkap"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Peran"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Aktif (boleh masuk)"))


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        render_kw={"autocomplete": "new-password"},
    )


class EmployerSettingsForm(Form):
    name = StringField(_l("Nama badan usaha"), validators=[DataRequired(), Length(max=200)])
    minimum_wage = IntegerField(
        _l("Upah minimum (UMK/UMP), Rupiah"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000_000)],
        description=_l("Dasar minimum perhitungan iuran dan peringatan gaji di bawah minimum."),
    )
    mutations_need_approval = BooleanField(_l("Mutasi perlu persetujuan admin (maker-checker)"))
