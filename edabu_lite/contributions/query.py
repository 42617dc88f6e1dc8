"""The month's contribution in SQL (contract §4): one line per worker counted, aggregated by
the database, so 100,000 workers cost one query, not one Python object per person.

A person counts in a month when active on its first day: the status in effect that day (a
leaving mutation with a TMT on or before it ends the count; PHK continued coverage is not
active, so it costs nothing) and a TMT on or before it (a dependant without a TMT counts with
the worker). The base is the wage of that month (`WageChange`) floored at the minimum wage and
capped; each share is rounded half up per person, in whole Rupiah.

Extra members (1 % each, paid by the worker): Ayah, Ibu, Mertua, and children after the
first three by birth date among the children counted that month (a child who left makes room
for the next, domain §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from edabu_lite.contributions.models import BASIS, ContributionSetting
from edabu_lite.roster.models import (
    Participant,
    Relationship,
    Status,
    WageChange,
    status_in_effect_of,
)

COVERED_CHILDREN = 3
PARENTS = (Relationship.FATHER, Relationship.MOTHER, Relationship.PARENT_IN_LAW)


@dataclass(frozen=True, slots=True)
class Numbers:
    """A month's rates as the query binds them."""

    employer_rate_bp: int
    worker_rate_bp: int
    extra_member_rate_bp: int
    wage_cap: int
    minimum_wage: int  # 0: no floor

    @classmethod
    def of(cls, setting: ContributionSetting, employer_minimum: int | None) -> Numbers:
        floor = setting.minimum_wage if setting.minimum_wage is not None else employer_minimum
        return cls(
            setting.employer_rate_bp,
            setting.worker_rate_bp,
            setting.extra_member_rate_bp,
            setting.wage_cap,
            floor or 0,
        )


def _share(base: sa.ColumnElement[int], rate_bp: int) -> sa.ColumnElement[int]:
    """``base × rate``, rounded half up to whole Rupiah, in integers on every database."""
    return (base * rate_bp + BASIS // 2) // BASIS


def _status(people, day: date, changes: Mapping[int, Status] | None) -> sa.ColumnElement:  # type: ignore[no-untyped-def]
    """The status in effect on ``day``, or what pending batches would set (person → status:
    one IN list per status, portable where a VALUES table is not)."""
    status = status_in_effect_of(people, day)
    if not changes:
        return status
    by_status: dict[Status, list[int]] = {}
    for pid, new in changes.items():
        by_status.setdefault(new, []).append(pid)
    whens = [(people.id.in_(sorted(ids)), new.value) for new, ids in sorted(by_status.items())]
    return sa.case(*whens, else_=status)


def counted(
    people, day: date, changes: Mapping[int, Status] | None = None
) -> sa.ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Whether ``people`` (`Participant` or an alias) count on ``day``: active then, with a
    TMT on or before it."""
    return sa.and_(
        _status(people, day, changes) == Status.ACTIVE,
        sa.or_(people.start_date.is_(None), people.start_date <= day),
    )


def lines(
    employer_id: int,
    day: date,
    numbers: Numbers,
    changes: Mapping[int, Status] | None = None,
    name: str = "lines",
    only: sa.Select | None = None,
) -> sa.Subquery:
    """One row per worker counted on ``day`` (the month's first day): id, nik, name,
    employee_number, wage, base, dependants, extra_members, employer_share, worker_share,
    extra_family, total. ``name`` tells apart two months in one statement; ``only`` (a
    SELECT of worker ids) computes the lines of those workers alone (a page of the list)."""
    worker = aliased(Participant, name=f"{name}_w")
    later = (  # the wage before the first change counting after ``day``
        sa.select(
            WageChange.participant_id,
            WageChange.old_wage,
            sa.func.row_number()
            .over(
                partition_by=WageChange.participant_id,
                order_by=(WageChange.effective_from, WageChange.id),
            )
            .label("n"),
        )
        .where(WageChange.employer_id == employer_id, WageChange.effective_from > day)
        .subquery(f"{name}_later")
    )
    wage = sa.func.coalesce(sa.case((later.c.n == 1, later.c.old_wage), else_=worker.wage), 0)
    floored = sa.case((wage < numbers.minimum_wage, numbers.minimum_wage), else_=wage)
    base = sa.case((floored > numbers.wage_cap, numbers.wage_cap), else_=floored)
    workers = (
        sa.select(
            worker.id,
            worker.nik,
            worker.name,
            worker.employee_number,
            wage.label("wage"),
            base.label("base"),
        )
        .outerjoin(later, sa.and_(later.c.participant_id == worker.id, later.c.n == 1))
        .where(
            worker.employer_id == employer_id,
            worker.relationship == Relationship.WORKER,
            counted(worker, day, changes),
            worker.id.in_(only) if only is not None else sa.true(),
        )
        .cte(f"{name}_workers")
    )

    dependant = aliased(Participant, name=f"{name}_d")
    is_child = dependant.relationship == Relationship.CHILD
    ranked = (
        sa.select(
            dependant.worker_id,
            dependant.relationship,
            sa.func.row_number()
            .over(
                partition_by=(dependant.worker_id, is_child),
                order_by=(dependant.birth_date, dependant.id),
            )
            .label("rank"),
        )
        .join(workers, workers.c.id == dependant.worker_id)
        .where(dependant.employer_id == employer_id, counted(dependant, day, changes))
        .subquery(f"{name}_ranked")
    )
    extra = sa.or_(
        ranked.c.relationship.in_(PARENTS),
        sa.and_(ranked.c.relationship == Relationship.CHILD, ranked.c.rank > COVERED_CHILDREN),
    )
    families = (
        sa.select(
            ranked.c.worker_id,
            sa.func.count().label("dependants"),
            sa.func.sum(sa.case((extra, 1), else_=0)).label("extra_members"),
        )
        .group_by(ranked.c.worker_id)
        .subquery(f"{name}_families")
    )
    dependants = sa.func.coalesce(families.c.dependants, 0)
    extras = sa.func.coalesce(families.c.extra_members, 0)
    employer_share = _share(workers.c.base, numbers.employer_rate_bp)
    worker_share = _share(workers.c.base, numbers.worker_rate_bp)
    extra_family = _share(workers.c.base, numbers.extra_member_rate_bp) * extras
    return (
        sa.select(
            workers,
            dependants.label("dependants"),
            extras.label("extra_members"),
            employer_share.label("employer_share"),
            worker_share.label("worker_share"),
            extra_family.label("extra_family"),
            (employer_share + worker_share + extra_family).label("total"),
        )
        .outerjoin(families, families.c.worker_id == workers.c.id)
        .subquery(name)
    )


def workers_by_name(
    employer_id: int, day: date, changes: Mapping[int, Status] | None = None
) -> sa.Select:
    """The ids of the workers counted on ``day``, in the bill's order (by name)."""
    return (
        sa.select(Participant.id)
        .where(
            Participant.employer_id == employer_id,
            Participant.relationship == Relationship.WORKER,
            counted(Participant, day, changes),
        )
        .order_by(Participant.name, Participant.id)
    )


def totals(lines_: sa.Subquery) -> sa.Select:
    """The employer's totals over `lines` (contract §4's keys but employer and month)."""
    c = lines_.c
    return sa.select(
        sa.func.count().label("workers"),
        sa.func.coalesce(sa.func.sum(c.dependants), 0).label("dependants"),
        sa.func.coalesce(sa.func.sum(c.extra_members), 0).label("extra_members"),
        sa.func.coalesce(sa.func.sum(c.employer_share), 0).label("employer_share"),
        sa.func.coalesce(sa.func.sum(c.worker_share), 0).label("worker_share"),
        sa.func.coalesce(sa.func.sum(c.extra_family), 0).label("extra_family"),
        sa.func.coalesce(sa.func.sum(c.total), 0).label("total"),
    )


def mandiri(employer_id: int, day: date) -> sa.Select:
    """People of this employer in mandiri (PBPU) on ``day``: listed with their own class's
    rate for information, never billed to the employer."""
    return (
        sa.select(Participant)
        .where(
            Participant.employer_id == employer_id,
            status_in_effect_of(Participant, day) == Status.MOVED_TO_MANDIRI,
        )
        .order_by(Participant.name, Participant.id)
    )
