"""The effective-dated numbers of the contribution (domain.md §4: every rate and threshold
changes by regulation). A row holds from its month until the next row's; rows of an employer
come before the shipped defaults (``employer_id`` NULL) of the same month."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from edabu_lite.database import utcnow
from edabu_lite.extensions import db

#: Basis points: 400 = 4 %. Integers keep the rounding exact on every database.
BASIS = 10_000


class ContributionSetting(db.Model):
    __tablename__ = "contribution_setting"
    __table_args__ = (sa.UniqueConstraint("employer_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employer.id"))
    effective_from: Mapped[date] = mapped_column()  # the first day of a month
    employer_rate_bp: Mapped[int] = mapped_column()  # 400: 4 % of the base
    worker_rate_bp: Mapped[int] = mapped_column()  # 100: 1 %
    extra_member_rate_bp: Mapped[int] = mapped_column()  # 100: 1 % per extra member
    wage_cap: Mapped[int] = mapped_column(sa.BigInteger)  # Rp 12,000,000
    #: The floor of the base (UMK/UMP); NULL: the employer's minimum wage in Pengaturan.
    minimum_wage: Mapped[int | None] = mapped_column(sa.BigInteger)
    class1_wage_threshold: Mapped[int] = mapped_column(sa.BigInteger)  # base above: Kelas 1
    #: What a mandiri (PBPU) participant pays per person per month, by class.
    mandiri_class1: Mapped[int] = mapped_column(sa.BigInteger)
    mandiri_class2: Mapped[int] = mapped_column(sa.BigInteger)
    mandiri_class3: Mapped[int] = mapped_column(sa.BigInteger)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def mandiri_rate(self, care_class: int | None) -> int:
        return {1: self.mandiri_class1, 2: self.mandiri_class2}.get(
            care_class or 3, self.mandiri_class3
        )


#: domain.md §4, as of 2025: the first entry, shipped for every employer.
DEFAULTS = {
    "effective_from": date(2020, 1, 1),
    "employer_rate_bp": 400,
    "worker_rate_bp": 100,
    "extra_member_rate_bp": 100,
    "wage_cap": 12_000_000,
    "minimum_wage": None,
    "class1_wage_threshold": 4_000_000,
    "mandiri_class1": 150_000,
    "mandiri_class2": 100_000,
    "mandiri_class3": 35_000,  # Rp 42,000, of which the government pays Rp 7,000
    "note": "domain.md §4 (2025)",
}
