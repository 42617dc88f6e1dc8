"""The base of every web form: Flask-WTF's CSRF-protected form, speaking the user's language.

WTForms ships no Indonesian catalogue, so its built-in messages ("This field is required.",
"Field must be between 10 and 200 characters long.") showed in English on Indonesian pages.
`Form` hands WTForms a translation that maps each built-in message to one of ours, marked
for extraction and translated like every other text of the app.
"""

from __future__ import annotations

from typing import Final

from flask_babel import gettext
from flask_wtf import FlaskForm

from edabu_lite.issues import N_

#: WTForms' messages (its own msgids) as this app words them.
WTFORMS_MESSAGES: Final = {
    "This field is required.": N_("Wajib diisi."),
    "Invalid input.": N_("Isian tidak valid."),
    "Field must be equal to %(other_name)s.": N_("Harus sama dengan %(other_name)s."),
    "Field must be at least %(min)d character long.": N_("Minimal %(min)d karakter."),
    "Field must be at least %(min)d characters long.": N_("Minimal %(min)d karakter."),
    "Field cannot be longer than %(max)d character.": N_("Maksimal %(max)d karakter."),
    "Field cannot be longer than %(max)d characters.": N_("Maksimal %(max)d karakter."),
    "Field must be exactly %(max)d character long.": N_("Harus tepat %(max)d karakter."),
    "Field must be exactly %(max)d characters long.": N_("Harus tepat %(max)d karakter."),
    "Field must be between %(min)d and %(max)d characters long.": N_(
        "Panjangnya harus %(min)d sampai %(max)d karakter."
    ),
    "Number must be at least %(min)s.": N_("Angka minimal %(min)s."),
    "Number must be at most %(max)s.": N_("Angka maksimal %(max)s."),
    "Number must be between %(min)s and %(max)s.": N_("Angka harus antara %(min)s dan %(max)s."),
    "Invalid value, must be one of: %(values)s.": N_(
        "Nilai tidak valid, harus salah satu dari: %(values)s."
    ),
    "Not a valid choice.": N_("Pilihan tidak valid."),
    "Invalid Choice: could not coerce.": N_("Pilihan tidak valid."),
    "Not a valid date value.": N_("Tanggal tidak valid. Pilih tanggal dari kalender."),
    "Not a valid datetime value.": N_("Waktu tidak valid."),
    "Not a valid integer value.": N_("Harus berupa bilangan bulat, tanpa titik atau koma."),
    "Not a valid decimal value.": N_("Harus berupa angka."),
    "Not a valid float value.": N_("Harus berupa angka."),
}


class _Translations:
    """What WTForms asks of a translations object, answered from `WTFORMS_MESSAGES`."""

    def gettext(self, message: str) -> str:
        ours = WTFORMS_MESSAGES.get(message)
        return gettext(ours) if ours else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


_TRANSLATIONS: Final = _Translations()


class Form(FlaskForm):
    """Every web form's base: CSRF from Flask-WTF, messages in the user's language."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):  # type: ignore[no-untyped-def]
            return _TRANSLATIONS


class ButtonForm(Form):
    """A form that is only a button (apply, cancel, unlock…): the CSRF token and nothing else."""
