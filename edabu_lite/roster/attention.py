"""People who need HR's attention soon, as SQL conditions: Beranda counts them ("Perlu
tindakan") and the participant list filters by the same condition (``?perlu=``), so a count
and the list it links to always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final

import sqlalchemy as sa

from edabu_lite.issues import N_
from edabu_lite.roster.family import DEFAULT_RULES
from edabu_lite.roster.models import Participant, Relationship, Status, status_in_effect

#: A child's coverage ending within this many days is shown (age 21, or 25 in school).
CHILD_NOTICE_DAYS: Final = 60
#: PHK continued coverage ending within this many days is shown.
PHK_NOTICE_DAYS: Final = 30

#: The ``?perlu=`` keys with the words people read for them.
LABELS: Final = {
    "usia-anak": N_("Anak mencapai batas usia dalam 60 hari"),
    "phk-berakhir": N_("Manfaat lanjutan PHK berakhir dalam 30 hari"),
    "gaji-di-bawah-umk": N_("Gaji di bawah upah minimum"),
    "nik-bayi": N_("Bayi baru lahir menunggu NIK"),
}


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def conditions(day: date, minimum_wage: int | None) -> Mapping[str, sa.ColumnElement[bool]]:
    """Each ``?perlu=`` key's condition on `Participant` as of ``day``."""
    active = status_in_effect(day) == Status.ACTIVE
    horizon = day + timedelta(days=CHILD_NOTICE_DAYS)
    not_in_school = sa.or_(Participant.in_school.is_(None), Participant.in_school.is_(False))
    child_ageing = sa.and_(
        active,
        Participant.relationship == Relationship.CHILD,
        sa.or_(
            Participant.birth_date <= years_before(horizon, DEFAULT_RULES.student_age_limit),
            sa.and_(
                Participant.birth_date <= years_before(horizon, DEFAULT_RULES.child_age_limit),
                not_in_school,
            ),
        ),
    )
    phk_ending = sa.and_(
        Participant.phk_date.is_not(None),
        Participant.continued_coverage_until > day,
        Participant.continued_coverage_until <= day + timedelta(days=PHK_NOTICE_DAYS),
    )
    low_wage = (
        sa.and_(
            active,
            Participant.relationship == Relationship.WORKER,
            Participant.wage < minimum_wage,
        )
        if minimum_wage
        else sa.false()
    )
    newborn_waiting = sa.and_(active, Participant.nik.is_(None))
    return {
        "usia-anak": child_ageing,
        "phk-berakhir": phk_ending,
        "gaji-di-bawah-umk": low_wage,
        "nik-bayi": newborn_waiting,
    }
