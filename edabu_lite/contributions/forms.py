"""The rates form (admins): a new entry from a month; percentages as people write them."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp

from edabu_lite.contributions.models import BASIS, ContributionSetting
from edabu_lite.forms import Form

_PERCENT = [InputRequired(), NumberRange(min=0, max=100)]
_RUPIAH = [InputRequired(), NumberRange(min=0, max=1_000_000_000)]


class RatesForm(Form):
    effective_month = StringField(
        _l("Berlaku mulai bulan"),
        validators=[DataRequired(), Regexp(r"^\d{4}-\d{2}$", message=_l("Tulis bulan YYYY-MM."))],
        render_kw={"type": "month", "placeholder": "2027-01"},
    )
    employer_rate = DecimalField(_l("Iuran pemberi kerja (%)"), places=2, validators=_PERCENT)
    worker_rate = DecimalField(_l("Iuran pekerja (%)"), places=2, validators=_PERCENT)
    extra_member_rate = DecimalField(
        _l("Iuran per anggota keluarga tambahan (%)"), places=2, validators=_PERCENT
    )
    wage_cap = IntegerField(_l("Batas atas gaji (Rp)"), validators=_RUPIAH)
    minimum_wage = IntegerField(
        _l("Batas bawah gaji / UMK (Rp)"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000_000)],
        description=_l("Kosongkan untuk memakai upah minimum di Pengaturan."),
    )
    class1_wage_threshold = IntegerField(_l("Gaji di atas ini: Kelas 1 (Rp)"), validators=_RUPIAH)
    mandiri_class1 = IntegerField(_l("Iuran mandiri Kelas 1 (Rp)"), validators=_RUPIAH)
    mandiri_class2 = IntegerField(_l("Iuran mandiri Kelas 2 (Rp)"), validators=_RUPIAH)
    mandiri_class3 = IntegerField(
        _l("Iuran mandiri Kelas 3, bagian peserta (Rp)"), validators=_RUPIAH
    )
    note = StringField(_l("Dasar perubahan"), validators=[Optional()], render_kw={"maxlength": 200})

    def fill(self, entry: ContributionSetting) -> None:
        """The entry in force as the starting point of a new one."""
        self.employer_rate.data = Decimal(entry.employer_rate_bp) / 100
        self.worker_rate.data = Decimal(entry.worker_rate_bp) / 100
        self.extra_member_rate.data = Decimal(entry.extra_member_rate_bp) / 100
        for key in ("wage_cap", "minimum_wage", "class1_wage_threshold"):
            self[key].data = getattr(entry, key)
        for key in ("mandiri_class1", "mandiri_class2", "mandiri_class3"):
            self[key].data = getattr(entry, key)

    def values(self) -> dict[str, int | None]:
        return {
            "employer_rate_bp": _basis_points(self.employer_rate.data),
            "worker_rate_bp": _basis_points(self.worker_rate.data),
            "extra_member_rate_bp": _basis_points(self.extra_member_rate.data),
            "wage_cap": self.wage_cap.data,
            "minimum_wage": self.minimum_wage.data,
            "class1_wage_threshold": self.class1_wage_threshold.data,
            "mandiri_class1": self.mandiri_class1.data,
            "mandiri_class2": self.mandiri_class2.data,
            "mandiri_class3": self.mandiri_class3.data,
        }


def _basis_points(percent: Decimal | None) -> int | None:
    return None if percent is None else int((percent * BASIS / 100).to_integral_value())
